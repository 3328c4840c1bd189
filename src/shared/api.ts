/**
 * The studio API contract: every call the renderer can make (`Invoke`) and every event it can receive
 * (`Events`), with a runtime validator per call payload. The Electron IPC handlers, the preload, the
 * local web host and the renderer's clients are all typed from these two maps, so an endpoint missing
 * anywhere fails to compile (handlers are checked with `satisfies InvokeHandlers`).
 *
 * Binary data (preview frames, result images) travels as Uint8Array: IPC and MessagePort clone it;
 * the WebSocket transport encodes it with {@link encodeWire}/{@link decodeWire}.
 */
import type { ModelFamily, ModelVariant } from './model-family'
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from './catalogue'
import { batchSeeds, LIMITS, parseSeed, type GenerationParams } from './params'
import { validateCalibrateRequest, type CalibrateRequest, type CalibrationEvent, type ProfileInfo, type ScoreOptimalUse } from './calibration'
import { validateInitImage } from './init-image'
import { libraryValidators, type LibraryInvoke } from './library-api'
import { applySweepValue, checkSweepCells, validateSweepAxes, validateSweepExportRequest, type SweepAxis, type SweepExportRequest, type SweepExportResult } from './sweep'
import { fieldChecked, generationParams, id, isObj, list, obj, RequestError } from './validate'

export type { GenerationParams } from './params'
export { ParamsError } from './params'
export { RequestError } from './validate'
// The library, preset and settings calls live in their own module; callers import them from here.
export * from './library-api'

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
  /** For generate jobs: the base settings, so jobs with one prompt can be told apart ("Euler · 20 steps · seed 42"). */
  settings?: string
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
  /** Image sides must be multiples of this: the VAE's pixels per latent cell × 2^(UNet down-samplings). */
  sizeStep: number
  /** The size the model was trained at (its natural default), when known. */
  nativeSize: { width: number; height: number } | null
  /** The model used when a request leaves `params.model` empty. */
  isDefault: boolean
  /** Why the folder cannot be run (unsupported layout, missing component), for the model picker. */
  problem: string | null
}

/** Defined with everything else a family needs in model-family.ts. */
export type { ModelFamily, ModelVariant } from './model-family'

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
