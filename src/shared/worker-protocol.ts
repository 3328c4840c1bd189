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
import type { CellTimings, ErrorCode, PreviewSettings } from './api'
import type { GenerationParams } from './params'

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
}

export type ToWorker = { type: 'run'; job: WorkerJob } | { type: 'cancel'; serial: number } | { type: 'shutdown' }

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
  | { type: 'result'; jobId: string; cell: number; png: Uint8Array; width: number; height: number; params: GenerationParams; timings: CellTimings }
  | { type: 'error'; jobId: string; cell: number | null; code: ErrorCode; message: string }
  | { type: 'done'; jobId: string; status: 'completed' | 'cancelled' | 'failed'; timings: JobTimings }
