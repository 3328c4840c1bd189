/**
 * The studio API contract: every call the renderer can make (`Invoke`) and every event it can receive
 * (`Events`), with a runtime validator per call payload. The Electron IPC handlers, the preload, the
 * local web host and the renderer's clients are all typed from these two maps, so an endpoint missing
 * anywhere fails to compile (handlers are checked with `satisfies InvokeHandlers`).
 *
 * Binary data (preview frames, result images) travels as Uint8Array: IPC and MessagePort clone it;
 * the WebSocket transport encodes it with {@link encodeWire}/{@link decodeWire}.
 */
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from './catalogue'
import { batchSeeds, LIMITS, ParamsError, parseSeed, validateGenerationParams, type GenerationParams } from './params'
import { validateCalibrateRequest, type CalibrateRequest, type CalibrationEvent, type ProfileInfo, type ScoreOptimalUse } from './calibration'
import { validateInitImage } from './init-image'
import { applySweepValue, checkSweepCells, validateSweepAxes, validateSweepExportRequest, type SweepAxis, type SweepExportRequest, type SweepExportResult } from './sweep'

export type { GenerationParams } from './params'
export { ParamsError } from './params'

//#region request shapes

/** How often a preview frame is made during a job. */
export interface PreviewSettings {
  /** 'auto' = the tiny autoencoder when the model folder has one, else the linear latent→RGB approximation. */
  mode: 'off' | 'latent2rgb' | 'taesd' | 'auto'
  /** A frame every N steps (1 = every step). The last step always gets one unless mode is 'off'. */
  every: number
}

/**
 * A grid job: the cross product of these axes applied to the base params, one cell per combination,
 * in the order samplers x schedules x cfg x steps x seeds (seeds vary fastest). An omitted or empty
 * axis keeps the base value.
 */
export interface GridSpec {
  samplers?: string[]
  schedules?: string[]
  cfg?: number[]
  steps?: number[]
  seeds?: string[]
  /**
   * Measure every cell against a high-accuracy reference solve of the same probability-flow ODE from the
   * same starting noise (ResultEvent.metrics). Costs about 400 extra model calls per distinct
   * prompt/seed/CFG/size in the job.
   */
  reference?: boolean
  /**
   * Further axes over any sweepable parameter (src/shared/sweep.ts), nested inside the ones above in
   * this order (the last axis varies fastest). A parameter may not be both here and in a field above.
   */
  axes?: SweepAxis[]
}

export interface GenerateRequest {
  /** Generation parameters; missing fields take their defaults (see DEFAULT_PARAMS). */
  params: GenerationParams
  preview: PreviewSettings
  grid: GridSpec | null
  /**
   * img2img: the init image itself (PNG, JPEG or WebP bytes), required when params.img2img is set. Never
   * a path: see src/shared/init-image.ts for why.
   */
  initImage?: Uint8Array | null
}

export const MAX_GRID_CELLS = 256

export const DEFAULT_PREVIEW: Readonly<PreviewSettings> = Object.freeze({ mode: 'auto', every: 1 })

//#endregion

//#region results and state

export type JobState = 'waiting' | 'running' | 'completed' | 'cancelled' | 'failed'

/** What the queue shows about one job. */
export interface JobSummary {
  jobId: string
  state: JobState
  /** The base params' prompt, for the queue list. */
  prompt: string
  model: string
  cells: number
  /** ms since the epoch when the job was queued. */
  queuedAt: number
  /** What the job does; absent = 'generate' (older clients). */
  kind?: 'generate' | 'calibrate'
}

export interface QueueState {
  running: JobSummary | null
  /** Waiting jobs in the order they will run. */
  waiting: JobSummary[]
}

/** Model folders the service found. */
export interface ModelEntry {
  /** The name to put in `params.model`. */
  name: string
  path: string
  /** From model_index.json's `_class_name`, when present. */
  pipeline: string | null
  /** A tiny autoencoder decoder is in the folder, so 'taesd' previews work. */
  hasTinyDecoder: boolean
  /** Detected from the folder's configs (no model is loaded); null when the folder cannot be run (see `problem`). */
  family: ModelFamily | null
  variant: ModelVariant | null
  /** Image sides must be multiples of this (the VAE's pixels per latent cell). */
  sizeStep: number
  /** The size the model was trained at (its natural default), when known. */
  nativeSize: { width: number; height: number } | null
  /** The model used when a request leaves `params.model` empty. */
  isDefault: boolean
  /** Why the folder cannot be run (unsupported layout, missing component), for the model picker. */
  problem: string | null
}

export type ModelFamily = 'sd1' | 'sd2' | 'sdxl'
/** 'turbo' and 'lcm' are few-step distillations. */
export type ModelVariant = 'base' | 'turbo' | 'lcm'

/** A prompt's token count, as AUTOMATIC1111 shows it ("12/75", "80/150"). */
export interface PromptTokens {
  /** Prompt tokens in each 75-token chunk (BREAK and comma backtracking close chunks early). */
  chunks: number[]
  /** A1111's count: a chunk closed before the end counts as 75, the last as its tokens. */
  total: number
  /** The next multiple of 75 at or above `total` (at least 75): the "/75" part. */
  limit: number
}

export interface CellTimings {
  /** Wall time of this cell (for a batched grid, the cells overlap). */
  wallMs: number
  /**
   * This cell's share of model (UNet) time: for each run it took part in, its rows / all rows in the
   * run × the run's time (a batched grid run is split between its cells; a run of its own counts whole).
   */
  modelMs: number
  /**
   * Model (UNet) runs this cell's sampler asked for: one per run its rows were in, however many rows
   * it had there (cond and uncond of one step in one run count once) and whichever other cells shared
   * the run, so a cell reports the same count in a batched grid as alone (euler 8 steps: 8; heun 8
   * steps: 15, two per step but one on the last). Not included: its reference solve (GridSpec.reference),
   * which is shared by cells and counted in the job's totals only.
   */
  modelCalls: number
  previewMs: number
}

//#endregion

//#region events

export interface ProgressEvent {
  jobId: string
  /** Grid cell index (0 for a single image). */
  cell: number
  cells: number
  /** Steps finished in this cell (1-based after the first step). */
  step: number
  steps: number
  sigma: number
  /** ms since the job started running. */
  elapsedMs: number
  /** Estimated ms until the whole job ends, from the pace so far; null before the first step. */
  remainingMs: number | null
  /** Steps finished over all cells, and their total. */
  jobStep: number
  jobSteps: number
  /**
   * Present while the cell's reference solution is being solved (GridSpec.reference): model calls made
   * and needed. The cell's own steps are done by then; the reference can take ~400 calls.
   */
  reference?: { calls: number; totalCalls: number }
}

export interface PreviewEvent {
  jobId: string
  cell: number
  step: number
  /** 'latent2rgb' or 'taesd': which previewer made the frame. */
  source: 'latent2rgb' | 'taesd'
  mime: 'image/png'
  width: number
  height: number
  data: Uint8Array
  /** What making and encoding this frame cost, in ms. */
  costMs: number
}

export interface ResultEvent {
  jobId: string
  cell: number
  cells: number
  /** Fetch the image with 'studio:result:image'. */
  resultId: string
  width: number
  height: number
  params: GenerationParams
  timings: CellTimings
  /** Error against the reference solution, when the grid asked for it (GridSpec.reference). */
  metrics?: CellMetrics
  /** Schedule 'score_optimal' only: whether a calibrated profile or the built-in fallback made the sigmas. */
  scoreOptimal?: ScoreOptimalUse
}

/**
 * A cell's distance to the reference solution: RMSE of the final latent (UNet space) and PSNR of the
 * decoded 8-bit image (dB; null = identical). Samplers that add fresh noise (ancestral, SDE, churn, eta)
 * do not follow the ODE, so they are marked not comparable instead.
 */
export type CellMetrics =
  | {
      comparable: true
      rmseLatent: number
      psnr: number | null
      /** The reference: sampler, schedule and steps. */
      reference: string
      /** The cell's schedule starts at another sigma than the reference (its start state differs too). */
      startMismatch: boolean
    }
  | { comparable: false; reason: string }

export type ErrorCode =
  | 'invalid-request'
  | 'model-not-found'
  | 'model-error'
  | 'worker-crashed'
  | 'internal'

export interface ErrorEvent {
  /** null when the error is not about one job (e.g. the worker died while idle). */
  jobId: string | null
  cell: number | null
  code: ErrorCode
  /** What happened and what to do, for a person. */
  message: string
  /** The bad field for 'invalid-request'. */
  field?: string
}

export interface JobEvent {
  jobId: string
  state: JobState
  /** For finished jobs: wall time, model time and how many model calls were made. */
  wallMs?: number
  modelMs?: number
  modelCalls?: number
}

/** Every event the renderer can receive, by name. */
export interface Events {
  'studio:queue': QueueState
  'studio:job': JobEvent
  'studio:progress': ProgressEvent
  'studio:preview': PreviewEvent
  'studio:result': ResultEvent
  'studio:error': ErrorEvent
  'studio:calibration': CalibrationEvent
}
export type EventName = keyof Events
export const EVENT_NAMES = Object.freeze([
  'studio:queue',
  'studio:job',
  'studio:progress',
  'studio:preview',
  'studio:result',
  'studio:error',
  'studio:calibration'
] as const satisfies readonly EventName[])
// A name added to Events but not to EVENT_NAMES fails here.
type _AllEventsListed = Exclude<EventName, (typeof EVENT_NAMES)[number]> extends never ? true : never
const _allEventsListed: _AllEventsListed = true
void _allEventsListed

//#endregion

//#region calls

/** Every call the renderer can make: payload in, result out (library, presets and settings: LibraryInvoke). */
export interface Invoke extends LibraryInvoke {
  'studio:generate': (p: GenerateRequest) => { jobId: string }
  /** Queues a score-optimal calibration of a model (progress: 'studio:calibration'; cancel: 'studio:cancel'). */
  'studio:calibrate': (p: CalibrateRequest) => { jobId: string }
  /** The calibrated profiles cached for a model ('' = the default model); newest first. */
  'studio:calibration:list': (p: { model: string }) => { profiles: ProfileInfo[] }
  'studio:cancel': (p: { jobId: string }) => { cancelled: boolean }
  'studio:queue:get': (p: Record<string, never>) => QueueState
  /** Puts the listed waiting jobs first, in this order; unlisted waiting jobs keep their order after them. */
  'studio:queue:reorder': (p: { jobIds: string[] }) => QueueState
  'studio:queue:remove': (p: { jobId: string }) => { removed: boolean }
  'studio:models:list': (p: Record<string, never>) => { models: ModelEntry[]; modelsDir: string }
  'studio:result:image': (p: { resultId: string }) => { mime: 'image/png'; data: Uint8Array }
  /** Composes a sweep's results into one labelled PNG, saved in the library's exports folder and returned. */
  'studio:sweep:export': (p: SweepExportRequest) => SweepExportResult
  /** Counts a prompt's tokens with a model's tokenizer ('' = the default model), for the prompt box. */
  'studio:prompt:tokens': (p: { model: string; text: string }) => PromptTokens
}
export type InvokeName = keyof Invoke
export type InvokePayload<K extends InvokeName> = Parameters<Invoke[K]>[0]
export type InvokeResult<K extends InvokeName> = ReturnType<Invoke[K]>

/** What the service side implements; check an implementation with `satisfies InvokeHandlers`. */
export type InvokeHandlers = { [K in InvokeName]: (p: InvokePayload<K>) => Promise<InvokeResult<K>> }

/** Thrown by validators; carries the field so the caller can report it. */
export class RequestError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(`${field}: ${message}`)
    this.name = 'RequestError'
  }
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function obj(raw: unknown, field: string, keys: readonly string[]): Obj {
  if (raw === undefined || raw === null) raw = {}
  if (!isObj(raw)) throw new RequestError(field, 'must be an object')
  for (const k of Object.keys(raw)) if (!keys.includes(k)) throw new RequestError(k, `is not accepted here; expected ${keys.join(', ') || 'no fields'}`)
  return raw
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/
function id(v: unknown, field: string): string {
  if (typeof v !== 'string' || !ID_RE.test(v)) throw new RequestError(field, `must be an id (letters, digits, - and _), got ${JSON.stringify(v)}`)
  return v
}

function list<T>(v: unknown, field: string, max: number, each: (x: unknown, f: string) => T): T[] {
  if (!Array.isArray(v)) throw new RequestError(field, 'must be a list')
  if (v.length > max) throw new RequestError(field, `has ${v.length} entries; the limit is ${max}`)
  return v.map((x, i) => each(x, `${field}[${i}]`))
}

export function validatePreviewSettings(raw: unknown): PreviewSettings {
  const o = obj(raw, 'preview', ['mode', 'every'])
  const mode = o.mode ?? DEFAULT_PREVIEW.mode
  if (mode !== 'off' && mode !== 'latent2rgb' && mode !== 'taesd' && mode !== 'auto') {
    throw new RequestError('preview.mode', `must be off, latent2rgb, taesd or auto, got ${JSON.stringify(mode)}`)
  }
  const every = o.every ?? DEFAULT_PREVIEW.every
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 1 || every > LIMITS.maxSteps) {
    throw new RequestError('preview.every', `must be a whole number from 1 to ${LIMITS.maxSteps}, got ${JSON.stringify(every)}`)
  }
  return { mode, every }
}

export function validateGridSpec(raw: unknown): GridSpec | null {
  if (raw === null || raw === undefined) return null
  const o = obj(raw, 'grid', ['samplers', 'schedules', 'cfg', 'steps', 'seeds', 'reference', 'axes'])
  const g: GridSpec = {}
  if (o.samplers !== undefined) {
    g.samplers = list(o.samplers, 'grid.samplers', 64, (x, f) => {
      if (typeof x !== 'string' || !SAMPLER_BY_ID.has(x)) throw new RequestError(f, `unknown sampler ${JSON.stringify(x)}`)
      return x
    })
  }
  if (o.schedules !== undefined) {
    g.schedules = list(o.schedules, 'grid.schedules', 64, (x, f) => {
      if (typeof x !== 'string' || !SCHEDULE_BY_ID.has(x)) throw new RequestError(f, `unknown schedule ${JSON.stringify(x)}`)
      return x
    })
  }
  if (o.cfg !== undefined) {
    g.cfg = list(o.cfg, 'grid.cfg', 64, (x, f) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > LIMITS.maxCfg) throw new RequestError(f, `must be a CFG scale from 0 to ${LIMITS.maxCfg}`)
      return x
    })
  }
  if (o.steps !== undefined) {
    g.steps = list(o.steps, 'grid.steps', 64, (x, f) => {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > LIMITS.maxSteps) throw new RequestError(f, `must be a step count from 1 to ${LIMITS.maxSteps}`)
      return x
    })
  }
  if (o.seeds !== undefined) {
    g.seeds = list(o.seeds, 'grid.seeds', 256, (x, f) => {
      try {
        return parseSeed(x, f)
      } catch (e) {
        throw new RequestError(f, (e as Error).message)
      }
    })
  }
  if (o.reference !== undefined) {
    if (typeof o.reference !== 'boolean') throw new RequestError('grid.reference', `must be true or false, got ${JSON.stringify(o.reference)}`)
    if (o.reference) g.reference = true
  }
  if (o.axes !== undefined) {
    g.axes = fieldChecked(() => validateSweepAxes(o.axes))
    const fixed: Record<string, [string, unknown[] | undefined]> = { sampler: ['samplers', g.samplers], schedule: ['schedules', g.schedules], cfg: ['cfg', g.cfg], steps: ['steps', g.steps], seed: ['seeds', g.seeds] }
    g.axes.forEach((a, i) => {
      const [name, values] = fixed[a.param] ?? ['', undefined]
      if (values?.length) throw new RequestError(`grid.axes[${i}].param`, `${a.param} is already varied by grid.${name}; use one of the two`)
    })
  }
  const n = gridCellCount(g)
  if (n > MAX_GRID_CELLS) throw new RequestError('grid', `makes ${n} cells; the limit is ${MAX_GRID_CELLS}; remove some values from an axis`)
  return g
}

export function gridCellCount(g: GridSpec | null): number {
  if (!g) return 1
  const len = (a: unknown[] | undefined): number => (a && a.length > 0 ? a.length : 1)
  return len(g.samplers) * len(g.schedules) * len(g.cfg) * len(g.steps) * len(g.seeds) * (g.axes ?? []).reduce((n, a) => n * len(a.values), 1)
}

/**
 * The cells of a job, in axis order (seeds fastest, then `axes` inside them, the last fastest), with a
 * batch of N split into N cells seeded seed, seed+1, … (how batch images are seeded here and in A1111):
 * each image then has its own result and library entry, and the worker still stacks their UNet runs
 * into one batched call at the session.
 */
export function expandGrid(base: GenerationParams, g: GridSpec | null): GenerationParams[] {
  return expandAxes(base, g).flatMap((c) => (c.batchSize > 1 ? batchSeeds(c.seed, c.batchSize).map((seed) => ({ ...c, seed, batchSize: 1 })) : [c]))
}

/**
 * The cells of a grid job, in axis order (seeds fastest, then `axes` inside them, the last fastest). A
 * sampler change from the fixed fields drops its options; one from `axes` keeps those it still takes.
 */
function expandAxes(base: GenerationParams, g: GridSpec | null): GenerationParams[] {
  if (!g) return [base]
  const axis = <T>(a: T[] | undefined, d: T): T[] => (a && a.length > 0 ? a : [d])
  const out: GenerationParams[] = []
  for (const sampler of axis(g.samplers, base.sampler))
    for (const schedule of axis(g.schedules, base.schedule))
      for (const cfg of axis(g.cfg, base.cfg))
        for (const steps of axis(g.steps, base.steps))
          for (const seed of axis(g.seeds, base.seed)) {
            out.push({
              ...base,
              sampler,
              samplerOptions: sampler === base.sampler ? base.samplerOptions : {},
              schedule,
              scheduleParams: schedule === base.schedule ? base.scheduleParams : {},
              cfg,
              steps,
              seed
            })
          }
  if (!g.axes?.length) return out
  // Each axis multiplies the cells so far, so earlier axes vary slower (row-major).
  return g.axes.reduce((cells, a) => cells.flatMap((c) => a.values.map((v) => applySweepValue(c, a.param, v))), out)
}

/** Runs a validator that throws ParamsError and reports its field as a RequestError. */
function fieldChecked<T>(run: () => T): T {
  try {
    return run()
  } catch (e) {
    if (e instanceof ParamsError) throw new RequestError(e.field, e.message.slice(e.field.length + 2))
    throw e
  }
}

function generationParams(raw: unknown): GenerationParams {
  try {
    return validateGenerationParams(raw)
  } catch (e) {
    if (e instanceof ParamsError) throw new RequestError(`params.${e.field}`, e.message.slice(e.field.length + 2))
    throw e
  }
}

/** One runtime validator per call: untrusted payload in, typed payload out, or a RequestError. */
export const VALIDATORS: { [K in InvokeName]: (raw: unknown) => InvokePayload<K> } = {
  ...libraryValidators(),
  'studio:generate': (raw) => {
    const o = obj(raw, '(request)', ['params', 'preview', 'grid', 'initImage'])
    const params = generationParams(o.params ?? {})
    const initImage = fieldChecked(() => validateInitImage(o.initImage, params.img2img !== null))
    const grid = validateGridSpec(o.grid)
    const cells = gridCellCount(grid) * params.batchSize
    if (cells > MAX_GRID_CELLS) throw new RequestError('params.batchSize', `makes ${cells} images with the grid; the limit is ${MAX_GRID_CELLS}; lower the batch size or remove grid values`)
    // Swept values must suit every cell (eta needs a sampler that takes it, …): refuse before queueing.
    if (grid?.axes?.length) fieldChecked(() => checkSweepCells(expandGrid(params, grid), grid.axes!))
    return { params, preview: validatePreviewSettings(o.preview), grid, ...(initImage ? { initImage } : {}) }
  },
  'studio:calibrate': (raw) => fieldChecked(() => validateCalibrateRequest(raw)),
  'studio:calibration:list': (raw) => {
    const model = obj(raw, '(request)', ['model']).model ?? ''
    if (typeof model !== 'string' || model.length > 4096) throw new RequestError('model', 'must be a model name (text)')
    return { model }
  },
  'studio:cancel': (raw) => ({ jobId: id(obj(raw, '(request)', ['jobId']).jobId, 'jobId') }),
  'studio:queue:get': (raw) => (obj(raw, '(request)', []), {}),
  'studio:queue:reorder': (raw) => ({ jobIds: list(obj(raw, '(request)', ['jobIds']).jobIds, 'jobIds', 10_000, id) }),
  'studio:queue:remove': (raw) => ({ jobId: id(obj(raw, '(request)', ['jobId']).jobId, 'jobId') }),
  'studio:models:list': (raw) => (obj(raw, '(request)', []), {}),
  'studio:result:image': (raw) => ({ resultId: id(obj(raw, '(request)', ['resultId']).resultId, 'resultId') }),
  'studio:sweep:export': (raw) => fieldChecked(() => validateSweepExportRequest(raw)),
  'studio:prompt:tokens': (raw) => {
    const o = obj(raw, '(request)', ['model', 'text'])
    const model = o.model ?? ''
    if (typeof model !== 'string' || model.length > 4096) throw new RequestError('model', 'must be a model name (text of at most 4096 characters)')
    // The same limit as a prompt itself: anything longer could not be generated either.
    if (typeof o.text !== 'string') throw new RequestError('text', `must be the prompt text, got ${JSON.stringify(o.text)}`)
    if (o.text.length > LIMITS.maxPromptChars) throw new RequestError('text', `is ${o.text.length} characters long; the limit is ${LIMITS.maxPromptChars}`)
    return { model, text: o.text }
  }
}

export const INVOKE_NAMES = Object.freeze(Object.keys(VALIDATORS)) as readonly InvokeName[]

export function isInvokeName(v: unknown): v is InvokeName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(VALIDATORS, v)
}
export function isEventName(v: unknown): v is EventName {
  return typeof v === 'string' && (EVENT_NAMES as readonly string[]).includes(v)
}

/** How a failed call reaches the renderer (both transports): code + message (+ field). */
export interface CallError {
  code: ErrorCode
  message: string
  field?: string
}

/** A call's outcome as it crosses a process boundary (thrown errors lose their fields over IPC). */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: CallError }

/**
 * What the Electron preload exposes as `window.studio`: one method per call and one subscription per
 * event, each bound to its own channel — never a generic send/invoke.
 */
export interface PreloadApi {
  host: 'electron'
  invoke: { [K in InvokeName]: (p: InvokePayload<K>) => Promise<Envelope<InvokeResult<K>>> }
  events: { [E in EventName]: (cb: (payload: Events[E]) => void) => () => void }
}

//#endregion

//#region library, presets and settings (calls' shapes and validators)

/** A page of the library: newest first; `text` searches the prompts (every word must match; "word*" = prefix). */
export interface LibraryQuery {
  offset?: number
  /** 1..MAX_LIBRARY_PAGE; default 60. */
  limit?: number
  text?: string
  model?: string
  sampler?: string
  schedule?: string
  /** true = favourites only. */
  favourite?: boolean
  /** Inclusive bounds as ISO dates or times ("2026-11-24" for `to` means the whole of that day, UTC). */
  from?: string
  to?: string
}
export const MAX_LIBRARY_PAGE = 200

/** One library image as the renderer sees it (no file paths except in LibraryDetail). */
export interface LibraryItem {
  id: string
  /** ISO 8601. */
  createdAt: string
  model: string
  modelHash: string | null
  params: GenerationParams
  favourite: boolean
  tags: string[]
  /** Membership of a gallery or sweep, with this cell's axis values. */
  group: { id: string; cellIndex: number | null; cell: Record<string, string | number> | null } | null
  /** The PNG has gone from disk (found by the start-up check); only its row is left. */
  missing: boolean
}

export interface LibraryPage {
  items: LibraryItem[]
  total: number
  offset: number
  limit: number
}

export interface LibraryDetail {
  entry: LibraryItem
  /** Where the PNG is on the studio's disk. */
  file: string
  /** The A1111 `parameters` text the PNG carries (null when the file is missing or has none). */
  infotext: string | null
}

/** Generation parameters a preset may set (never the model or an img2img input: those are per machine). */
export type PresetParamsDoc = Partial<Omit<GenerationParams, 'model' | 'img2img'>>

/** A preset as stored (our versioned JSON; see src/main/presets/schema.ts). */
export interface PresetDoc {
  format: 'sigma-studio-preset'
  schemaVersion: number
  name: string
  params: PresetParamsDoc
  createdAt: string
  notes?: string
}

export type PresetExportFormat = 'json' | 'a1111' | 'comfy'
export const PRESET_EXPORT_FORMATS: readonly PresetExportFormat[] = ['json', 'a1111', 'comfy']
/** What to do when an imported or saved preset's name is taken: refuse, keep both ("Name (2)"), or replace. */
export type PresetConflictMode = 'error' | 'rename' | 'overwrite'

/** An exported preset file, for the renderer to offer as a download. */
export interface PresetFile {
  filename: string
  mime: string
  text: string
  /** Settings the target format cannot carry, said in words. */
  warnings: string[]
}

/** One thing wrong in an imported file: the field path inside it (null = the file as a whole) and why. */
export interface PresetProblem {
  field: string | null
  message: string
}

export interface PresetImportRequest {
  /** Our JSON (a preset or a bundle) or A1111 infotext … */
  text?: string
  /** … or a file's bytes (JSON, infotext, or a PNG carrying settings). Exactly one of the two. */
  bytes?: Uint8Array
  /** The file's name, for messages and as the preset name of infotext/PNG imports. */
  filename?: string
  /** Name for a preset read from infotext or a PNG (they carry none). */
  name?: string
  mode?: PresetConflictMode
}

export interface PresetImportResult {
  imported: Array<{ name: string; renamedFrom?: string; overwrote?: boolean }>
  /** Names already taken (mode 'error'); nothing was imported when this is not empty. */
  conflicts: Array<{ name: string; existing: string }>
  warnings: string[]
  /** Why the file cannot be imported, field by field; nothing was imported when this is not empty. */
  problems: PresetProblem[]
}

/** Where the library folder in use came from. */
export type LibrarySource = 'option' | 'env' | 'setting' | 'default' | 'off'

export interface SettingsState {
  /** The library folder in use; null = the library is off in this run (results in memory only). */
  libraryDir: string | null
  librarySource: LibrarySource
  /** The folder the settings file holds (null = none chosen). */
  savedLibraryDir: string | null
  defaultLibraryDir: string
  /** A command-line option or environment variable that wins over the setting at start, when one is in force. */
  override: { kind: 'option' | 'env'; name: string; dir: string } | null
  /** Where settings are saved; null = this run does not save settings. */
  settingsFile: string | null
}

const MAX_PATH_CHARS = 4096
const MAX_IMPORT_TEXT = 1 << 20
const MAX_IMPORT_BYTES = 32 << 20

function optString(v: unknown, field: string, max: number): string | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw new RequestError(field, `must be text, got ${JSON.stringify(v)}`)
  if (v.length > max) throw new RequestError(field, `is ${v.length} characters long; the limit is ${max}`)
  return v
}

function reqString(v: unknown, field: string, max: number, what: string): string {
  const s = optString(v, field, max)
  if (s === undefined || s.trim() === '') throw new RequestError(field, `is missing; give ${what}`)
  return s
}

function optBool(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'boolean') throw new RequestError(field, `must be true or false, got ${JSON.stringify(v)}`)
  return v
}

function optInt(v: unknown, field: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new RequestError(field, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`)
  return v
}

function optDate(v: unknown, field: string): string | undefined {
  const s = optString(v, field, 64)
  if (s === undefined || s === '') return undefined
  if (!Number.isFinite(Date.parse(s))) throw new RequestError(field, `${JSON.stringify(s)} is not a date; use an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z`)
  return s
}

export function validateLibraryQuery(raw: unknown): LibraryQuery {
  const o = obj(raw, '(request)', ['offset', 'limit', 'text', 'model', 'sampler', 'schedule', 'favourite', 'from', 'to'])
  const q: LibraryQuery = {}
  const offset = optInt(o.offset, 'offset', 0, 1_000_000_000)
  if (offset !== undefined) q.offset = offset
  const limit = optInt(o.limit, 'limit', 1, MAX_LIBRARY_PAGE)
  if (limit !== undefined) q.limit = limit
  const text = optString(o.text, 'text', LIMITS.maxPromptChars)
  if (text !== undefined && text.trim() !== '') q.text = text
  const model = optString(o.model, 'model', MAX_PATH_CHARS)
  if (model) q.model = model
  const sampler = optString(o.sampler, 'sampler', 64)
  if (sampler) {
    if (!SAMPLER_BY_ID.has(sampler)) throw new RequestError('sampler', `unknown sampler ${JSON.stringify(sampler)}; pick one from the list`)
    q.sampler = sampler
  }
  const schedule = optString(o.schedule, 'schedule', 64)
  if (schedule) {
    if (!SCHEDULE_BY_ID.has(schedule)) throw new RequestError('schedule', `unknown schedule ${JSON.stringify(schedule)}; pick one from the list`)
    q.schedule = schedule
  }
  const favourite = optBool(o.favourite, 'favourite')
  if (favourite !== undefined) q.favourite = favourite
  const from = optDate(o.from, 'from')
  if (from !== undefined) q.from = from
  const to = optDate(o.to, 'to')
  if (to !== undefined) q.to = to
  if (from !== undefined && to !== undefined && Date.parse(from) > Date.parse(to)) throw new RequestError('to', 'is before "from"; swap the two dates')
  return q
}

const presetName = (v: unknown, field = 'name'): string => reqString(v, field, 256, 'the preset a name')

function conflictMode(v: unknown): PresetConflictMode {
  if (v === undefined) return 'error'
  if (v !== 'error' && v !== 'rename' && v !== 'overwrite') throw new RequestError('mode', `must be error, rename or overwrite, got ${JSON.stringify(v)}`)
  return v
}

export function validatePresetImport(raw: unknown): PresetImportRequest {
  const o = obj(raw, '(request)', ['text', 'bytes', 'filename', 'name', 'mode'])
  const r: PresetImportRequest = { mode: conflictMode(o.mode) }
  if ((o.text === undefined) === (o.bytes === undefined)) throw new RequestError('text', 'give either the text to import or a file (bytes), not both or neither')
  if (o.text !== undefined) {
    const text = optString(o.text, 'text', MAX_IMPORT_TEXT)!
    if (text.trim() === '') throw new RequestError('text', 'is empty; paste a preset (JSON) or A1111 infotext')
    r.text = text
  } else {
    if (!(o.bytes instanceof Uint8Array)) throw new RequestError('bytes', 'must be the bytes of a file')
    if (o.bytes.length === 0) throw new RequestError('bytes', 'the file is empty; choose another')
    if (o.bytes.length > MAX_IMPORT_BYTES) throw new RequestError('bytes', `the file is ${o.bytes.length} bytes; the limit is ${MAX_IMPORT_BYTES >> 20} MiB`)
    r.bytes = o.bytes
  }
  const filename = optString(o.filename, 'filename', 255)
  if (filename) r.filename = filename
  const name = optString(o.name, 'name', 256)
  if (name !== undefined && name !== '') r.name = name
  return r
}

export function validatePresetExport(raw: unknown): { name: string | null; format: PresetExportFormat; model?: string } {
  const o = obj(raw, '(request)', ['name', 'format', 'model'])
  const format = o.format ?? 'json'
  if (typeof format !== 'string' || !(PRESET_EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new RequestError('format', `must be json (ours), a1111 (infotext) or comfy (ComfyUI API workflow), got ${JSON.stringify(format)}`)
  }
  const name = o.name === null || o.name === undefined ? null : presetName(o.name)
  if (name === null && format !== 'json') throw new RequestError('format', 'all presets export together only as our JSON bundle; export them one at a time for A1111 or ComfyUI')
  const model = optString(o.model, 'model', MAX_PATH_CHARS)
  return { name, format: format as PresetExportFormat, ...(model ? { model } : {}) }
}

export function validateSettingsSet(raw: unknown): { libraryDir: string } {
  const o = obj(raw, '(request)', ['libraryDir'])
  const dir = reqString(o.libraryDir, 'libraryDir', MAX_PATH_CHARS, 'the full path of a folder')
  if (dir.includes('\u0000')) throw new RequestError('libraryDir', 'contains a NUL character; type a real folder path')
  return { libraryDir: dir.trim() }
}

/** A function, not a const: VALIDATORS (above) spreads it while this module is still being evaluated. */
function libraryValidators() {
  return {
  'studio:library:list': validateLibraryQuery,
  'studio:library:models': (raw: unknown) => (obj(raw, '(request)', []), {}),
  'studio:library:get': (raw: unknown) => ({ id: id(obj(raw, '(request)', ['id']).id, 'id') }),
  'studio:library:thumb': (raw: unknown) => ({ id: id(obj(raw, '(request)', ['id']).id, 'id') }),
  'studio:library:image': (raw: unknown) => ({ id: id(obj(raw, '(request)', ['id']).id, 'id') }),
  'studio:library:favourite': (raw: unknown) => {
    const o = obj(raw, '(request)', ['id', 'favourite'])
    const favourite = optBool(o.favourite, 'favourite')
    if (favourite === undefined) throw new RequestError('favourite', 'is missing; say true or false')
    return { id: id(o.id, 'id'), favourite }
  },
  'studio:library:delete': (raw: unknown) => ({ id: id(obj(raw, '(request)', ['id']).id, 'id') }),
  'studio:presets:list': (raw: unknown) => (obj(raw, '(request)', []), {}),
  'studio:presets:save': (raw: unknown) => {
    const o = obj(raw, '(request)', ['name', 'params', 'notes', 'overwrite'])
    const name = presetName(o.name)
    if (o.params === undefined) throw new RequestError('params', 'is missing; send the settings to save')
    const notes = optString(o.notes, 'notes', 4000)
    const overwrite = optBool(o.overwrite, 'overwrite')
    return { name, params: generationParams(o.params), ...(notes ? { notes } : {}), ...(overwrite ? { overwrite } : {}) }
  },
  'studio:presets:apply': (raw: unknown) => {
    const o = obj(raw, '(request)', ['name', 'base'])
    return { name: presetName(o.name), base: o.base === undefined ? undefined : generationParams(o.base) }
  },
  'studio:presets:rename': (raw: unknown) => {
    const o = obj(raw, '(request)', ['from', 'to'])
    return { from: presetName(o.from, 'from'), to: presetName(o.to, 'to') }
  },
  'studio:presets:delete': (raw: unknown) => ({ name: presetName(obj(raw, '(request)', ['name']).name) }),
  'studio:presets:export': validatePresetExport,
  'studio:presets:import': validatePresetImport,
  'studio:settings:get': (raw: unknown) => (obj(raw, '(request)', []), {}),
  'studio:settings:set': validateSettingsSet
  } satisfies { [K in LibraryCallName]: (raw: unknown) => InvokePayload<K> }
}

/** The library, preset and settings calls (merged into Invoke). */
export interface LibraryInvoke {
  /** A page of the library, newest first, filtered; with `text`, a full-text prompt search. */
  'studio:library:list': (p: LibraryQuery) => LibraryPage
  /** The models the library holds images of, for the filter picker. */
  'studio:library:models': (p: Record<string, never>) => { models: string[] }
  'studio:library:get': (p: { id: string }) => LibraryDetail
  /** The entry's thumbnail (WebP; the PNG itself when no thumbnail could be made). */
  'studio:library:thumb': (p: { id: string }) => { mime: 'image/webp' | 'image/png'; data: Uint8Array }
  'studio:library:image': (p: { id: string }) => { mime: 'image/png'; data: Uint8Array }
  'studio:library:favourite': (p: { id: string; favourite: boolean }) => { id: string; favourite: boolean }
  /** Deletes the image file and its row together. */
  'studio:library:delete': (p: { id: string }) => { deleted: string }
  /** The saved presets by name, and files in the presets folder that are not valid presets. */
  'studio:presets:list': (p: Record<string, never>) => { presets: PresetDoc[]; problems: Array<{ file: string; message: string }> }
  /** Saves the preset part of `params` (all but the model and img2img) under `name`; a taken name is refused unless `overwrite`. */
  'studio:presets:save': (p: { name: string; params: GenerationParams; notes?: string; overwrite?: boolean }) => { preset: PresetDoc; overwrote: boolean }
  /** The preset's settings laid over `base` (the current form), validated. */
  'studio:presets:apply': (p: { name: string; base?: GenerationParams }) => { preset: PresetDoc; params: GenerationParams }
  'studio:presets:rename': (p: { from: string; to: string }) => { preset: PresetDoc }
  'studio:presets:delete': (p: { name: string }) => { deleted: string }
  /** One preset (or, with name null, all as one bundle) as a file; `model` names the checkpoint in A1111/ComfyUI exports. */
  'studio:presets:export': (p: { name: string | null; format: PresetExportFormat; model?: string }) => PresetFile
  'studio:presets:import': (p: PresetImportRequest) => PresetImportResult
  'studio:settings:get': (p: Record<string, never>) => SettingsState
  /** Switches the library to another folder now (opening and checking it) and saves the choice. */
  'studio:settings:set': (p: { libraryDir: string }) => SettingsState
}
type LibraryCallName = keyof LibraryInvoke

//#endregion

//#region wire encoding (WebSocket)

/** The local web host's WebSocket endpoint and subprotocols. */
export const WS_PATH = '/api/ws'
export const WS_PROTOCOL = 'sigma-studio.v1'
/**
 * The per-launch token travels as a second subprotocol, `token.<hex>`: browsers cannot set headers on
 * a WebSocket, and a subprotocol keeps the token out of URLs (and so out of logs and history).
 */
export const WS_TOKEN_PREFIX = 'token.'

export type WireToHost = { id: number; call: InvokeName; payload: unknown }
export type WireFromHost =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: CallError }
  | { event: EventName; payload: unknown }

/** JSON with Uint8Array values carried as {"$b64": "..."}; used by the WebSocket transport only. */
export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? { $b64: bytesToBase64(v) } : v))
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => (isObj(v) && typeof v.$b64 === 'string' && Object.keys(v).length === 1 ? base64ToBytes(v.$b64) : v))
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
// Hand-written so that shared code needs neither Buffer (Node) nor btoa's string detour (browser).
function bytesToBase64(b: Uint8Array): string {
  let s = ''
  let i = 0
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2]
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63]
  }
  if (i < b.length) {
    const n = (b[i] << 16) | ((i + 1 < b.length ? b[i + 1] : 0) << 8)
    s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + '='
  }
  return s
}

const B64_INDEX = new Int16Array(128).fill(-1)
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i

function base64ToBytes(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '')
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4))
  let o = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < clean.length; i++) {
    const v = B64_INDEX[clean.charCodeAt(i)] ?? -1
    if (v < 0) throw new Error('wire: invalid base64 data')
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 255
    }
  }
  return out
}

//#endregion
