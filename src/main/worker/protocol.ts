/**
 * Messages between the service (main thread) and the generation worker (worker_threads). Both sides
 * are typed from these unions; `type` discriminates.
 *
 * Cancellation has two paths, because onnxruntime-node's `session.run` executes synchronously on the
 * worker's thread (its async `run` only defers the native call with setImmediate): while a model call
 * runs, the worker cannot read messages. So the service also writes the cancelled job's serial into a
 * shared Int32Array (CANCEL_SLOT), which the worker checks with Atomics before every model call; the
 * `cancel` message is what wakes a worker that is between calls.
 */
import type { ExtraNetworks } from '../../shared/lora-tags'
import type { CellMetrics, CellTimings, ErrorCode, PreviewSettings } from '../../shared/api'
import type { CalibrateRequest, ScoreOptimalUse } from '../../shared/calibration'
import type { GenerationParams } from '../../shared/params'

/** Which JobRunner the worker builds. 'fake' is the analytic test model (no ONNX). */
export type RunnerKind = 'onnx' | 'fake'

/** Options of the fake runner, for tests: how it behaves and how slow each model call is. */
export interface FakeRunnerOptions {
  /** Busy-wait this long inside every model call (a stand-in for ONNX time), ms. */
  callMs?: number
  /** Latent side (pixels = 8x). */
  latentSide?: number
  /** Model names that fail to load (model-not-found) or fail on the given model call (model-error). */
  missingModels?: string[]
  failOnCall?: { model: string; call: number }
  /** Model name whose Nth call kills the worker: 'exit' calls process.exit, 'throw' throws outside any job. */
  crashOnCall?: { model: string; call: number; how: 'exit' | 'throw' }
}

export interface WorkerInit {
  runner: RunnerKind
  /** Where model folders are looked up by name. */
  modelsDir: string
  /** Int32Array over a SharedArrayBuffer; slot CANCEL_SLOT holds the serial of the job to cancel. */
  control: SharedArrayBuffer
  fake?: FakeRunnerOptions
  /** ONNX execution device ('auto', 'cpu', 'cuda', …; see src/main/models/onnx/runtime.ts); default auto. */
  device?: string
}

export const CANCEL_SLOT = 0
export const CONTROL_BYTES = 8

export interface WorkerJob {
  jobId: string
  /** Increasing number per job, written to the control buffer to cancel it. */
  serial: number
  cells: GenerationParams[]
  preview: PreviewSettings
  /** Run the cells concurrently and batch their model calls where the model allows it. */
  batchCells: boolean
  /** img2img: the init image's encoded bytes (validated by the service), for cells with params.img2img. */
  initImage?: Uint8Array
  /** Inpainting: the mask image's encoded bytes, for cells whose params.img2img.inpaint names a mask. */
  maskImage?: Uint8Array
  /** Measure each cell against a reference ODE solve (GridSpec.reference). */
  reference?: boolean
  /**
   * For cells with schedule 'score_optimal': the calibrated profile the service found in its cache
   * (a ScoreOptimalProfile as JSON; the worker validates it), or null/absent for the built-in fallback.
   */
  scoreOptimal?: { profile: unknown; use: Extract<ScoreOptimalUse, { profile: 'calibrated' }> } | null
  /** The LoRA and embeddings folders chosen in Settings, validated by the service. */
  networkDirs?: { loras?: string; embeddings?: string }
}

/** A score-optimal calibration job (see src/shared/calibration.ts). */
export interface WorkerCalibration {
  jobId: string
  serial: number
  /** The request with the model resolved to a name the runner can load. */
  request: CalibrateRequest
  /** The model's short hash (the service computes it): part of the cache key. */
  modelHash: string
}

export type ToWorker =
  | { type: 'run'; job: WorkerJob }
  | { type: 'calibrate'; job: WorkerCalibration }
  | { type: 'cancel'; serial: number }
  | { type: 'shutdown' }

export interface JobTimings {
  wallMs: number
  modelMs: number
  modelCalls: number
  /** Rows evaluated over all model calls (> modelCalls when cells were batched). */
  modelRows: number
  previewMs: number
  previewFrames: number
  /** Everything else: sampler arithmetic, guidance, message passing (wall minus all the parts below and above). */
  samplerMs: number
  /** Other ONNX runs: text encoders and the VAE. */
  auxMs: number
  /** Loading the model when it was not already warm. */
  loadMs: number
  /** PNG encoding of the final images. */
  encodeMs: number
  /** Duration of each model (UNet) call, in order, ms. */
  modelCallMs: number[]
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'started'; jobId: string; model: string }
  | { type: 'step'; jobId: string; cell: number; step: number; steps: number; sigma: number }
  | {
      type: 'preview'
      jobId: string
      cell: number
      step: number
      source: 'latent2rgb' | 'taesd'
      width: number
      height: number
      png: Uint8Array
      costMs: number
    }
  | ({ type: 'result' } & CellResult)
  | { type: 'reference-progress'; jobId: string; cell: number; calls: number; totalCalls: number }
  | { type: 'calibration-progress'; jobId: string; calls: number; totalCalls: number; trajectory: number; trajectories: number }
  | {
      type: 'calibrated'
      jobId: string
      /** The cache key (profileCacheKey): the service names the cache file by its hash. */
      key: string
      /** The ScoreOptimalProfile, JSON-safe. */
      profile: unknown
      /** What the profile was calibrated with, resolved against the model's defaults. */
      resolved: { prompt: string; cfg: number; width: number; height: number }
    }
  | { type: 'error'; jobId: string; cell: number | null; code: ErrorCode; message: string; field?: string }
  | { type: 'done'; jobId: string; status: 'completed' | 'cancelled' | 'failed'; timings: JobTimings }

/** A finished cell, as the worker reports it and as the service hands it to its result sink. */
export interface CellResult {
  jobId: string
  cell: number
  /** PNG bytes (pixels only; the sink adds metadata when it stores the file). */
  png: Uint8Array
  width: number
  height: number
  params: GenerationParams
  timings: CellTimings
  /** Error against the reference solution, when the grid asked for it. */
  metrics?: CellMetrics
  /** score_optimal cells: the calibrated profile or the fallback made the schedule. */
  scoreOptimal?: ScoreOptimalUse
  /** LoRA and embedding files the cell's model load used (infotext "Lora hashes" / "TI hashes"). */
  networks?: ExtraNetworks
}
