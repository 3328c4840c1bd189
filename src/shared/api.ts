/**
 * The studio API contract: every call the renderer can make (`Invoke`) and every event it can receive
 * (`Events`), with their request and result shapes. The Electron IPC handlers, the preload, the local
 * web host and the renderer's clients are all typed from these two maps, so an endpoint missing
 * anywhere fails to compile (handlers are checked with `satisfies InvokeHandlers`).
 *
 * Beside it: the runtime validator of each call's payload (api-validators.ts), the WebSocket wire codec
 * (wire.ts), the library/preset/settings calls (library-api.ts, merged into `Invoke` here) and a grid
 * job's axes and cell expansion (sweep-grid.ts).
 *
 * Binary data (preview frames, result images) travels as Uint8Array: IPC and MessagePort clone it;
 * the WebSocket transport encodes it with encodeWire/decodeWire (wire.ts).
 */
import type { ModelDefaults } from './params'
import type { ModelMemoryInfo } from './memory-estimate'
import type { ModelFamily, ModelVariant } from './model-family'
import type { GenerationParams } from './params'
import type { CalibrateRequest, CalibrationEvent, ProfileInfo, ScoreOptimalUse } from './calibration'
import type { LibraryInvoke, LibraryReconcileEvent } from './library-api'
import type { ModelImportEvent, ModelsInvoke } from './models-api'
import type { GridSpec } from './sweep-grid'
import type { SweepExportRequest, SweepExportResult } from './sweep-export'

export type { GenerationParams } from './params'
export type { GridSpec } from './sweep-grid'
export { ParamsError } from './params'
export { RequestError } from './validate'
// The library, preset and settings calls live in their own module; callers import them from here.
export * from './library-api'
export * from './models-api'

//#region request shapes

/** How often a preview frame is made during a job. */
export interface PreviewSettings {
  /** 'auto' = the tiny autoencoder when the model folder has one, else the linear latent→RGB approximation. */
  mode: 'off' | 'latent2rgb' | 'taesd' | 'auto'
  /** A frame every N steps (1 = every step). The last step always gets one unless mode is 'off'. */
  every: number
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
  /**
   * Inpainting: the mask image's bytes (white = repaint), required when params.img2img.inpaint names a
   * mask; never a path, for the same reason as the init image.
   */
  maskImage?: Uint8Array | null
}


export const DEFAULT_PREVIEW: Readonly<PreviewSettings> = Object.freeze({ mode: 'auto', every: 1 })

//#endregion

//#region results and state

// The queue's entries, snapshot and deltas (src/shared/queue.ts).
export type { JobState, QueueDelta, QueueEntry, QueueJobDetails, QueueState } from './queue'
import type { JobState, QueueDelta, QueueJobDetails, QueueState } from './queue'

/** Model folders the service found. */
/** A model's own defaults (src/shared/model-family.ts VARIANTS, at the model's training size): part of GenerationParams. */
export type { ModelDefaults } from './params'

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
  /** Settings that suit the model (few-step models differ), which the forms start from; null when unknown. */
  defaults: ModelDefaults | null
  /** The model's layout as the memory estimate needs it (src/shared/memory-estimate.ts); null when unknown. */
  memory: ModelMemoryInfo | null
  /** The model used when a request leaves `params.model` empty. */
  isDefault: boolean
  /** Why the folder cannot be run (unsupported layout, missing component), for the model picker. */
  problem: string | null
  /** Disk the folder takes, hard-linked weights counted once (absent: not measured, e.g. a test stand-in). */
  sizeBytes?: number
  /** Where an imported model came from (its checkpoint.json); null: a model folder put there by hand. */
  imported?: ImportedFrom | null
  /** The embedded or start-up default model: the model manager can neither rename nor remove it. */
  protected?: boolean
}

/** The record `studio models import` keeps of a model's source checkpoint. */
export interface ImportedFrom {
  /** The checkpoint's file name and full path (the import reads its weights from there). */
  file: string
  path: string
  size: number
  /** null when the import skipped hashing. */
  sha256: string | null
  /** ISO 8601. */
  importedAt: string
  /** sd1, sd2, sd2-v or sdxl, as detected or chosen at import. */
  family: string
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
  /** The library's disk is full: images wait in memory and are saved when space is freed. */
  | 'disk-full'
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
  /** A change of the queue; start from 'studio:queue:get' (src/shared/queue.ts). */
  'studio:queue': QueueDelta
  'studio:job': JobEvent
  'studio:progress': ProgressEvent
  'studio:preview': PreviewEvent
  'studio:result': ResultEvent
  'studio:error': ErrorEvent
  'studio:calibration': CalibrationEvent
  'studio:models:import': ModelImportEvent
  'studio:library:reconcile': LibraryReconcileEvent
}
export type EventName = keyof Events
export const EVENT_NAMES = Object.freeze([
  'studio:queue',
  'studio:job',
  'studio:progress',
  'studio:preview',
  'studio:result',
  'studio:error',
  'studio:calibration',
  'studio:models:import',
  'studio:library:reconcile'
] as const satisfies readonly EventName[])
// A name added to Events but not to EVENT_NAMES fails here.
type _AllEventsListed = Exclude<EventName, (typeof EVENT_NAMES)[number]> extends never ? true : never
const _allEventsListed: _AllEventsListed = true
void _allEventsListed

//#endregion

//#region calls

/** Every call the renderer can make: payload in, result out (library, presets and settings: LibraryInvoke). */
export interface Invoke extends LibraryInvoke, ModelsInvoke {
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
  /** The start of each listed job's prompt, for a queue list (the queue's events carry no prompts); unknown ids are left out. */
  'studio:queue:details': (p: { jobIds: string[] }) => { jobs: QueueJobDetails[] }
  'studio:models:list': (p: Record<string, never>) => { models: ModelEntry[]; modelsDir: string; availableMemory: number }
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
