/**
 * The seam between the generation worker and whatever makes images. The worker owns the job (cancel,
 * progress, previews, result encoding); a JobRunner owns the model: loading it, running one cell of a
 * job to an RGB image, and reporting each step's x0-estimate. The ONNX pipeline implements it through a
 * thin adapter (onnx-runner.ts); fake-runner.ts implements it with an analytic Gaussian-mixture model
 * so that the service can be tested in a real worker thread in milliseconds.
 */
import type { ExtraNetworks } from '../../shared/lora-tags'
import type { LatentRgbFactors, ModelFamily } from '../../shared/model-family'
import type { CellMetrics } from '../../shared/api'
import type { CalibrateRequest, ScoreOptimalUse } from '../../shared/calibration'
import type { GenerationParams } from '../../shared/params'
import type { CalibrationProgress } from '../engine/score-optimal/estimate'
import type { ScoreOptimalProfile } from '../engine/score-optimal/profile'
import type { Tensor } from '../engine/types'
import type { ReferenceCache } from './reference-metrics'

/** One image's latent layout (channels x height x width); a batch row is this many elements. */
export interface LatentLayout {
  channels: number
  height: number
  width: number
}

/** A linear latent→RGB map: factors[c] = [r, g, b] for latent channel c, plus an optional bias. */
export type { LatentRgbFactors }

/** A decoder from a latent to RGB, cheaper than the real VAE (a TAESD-style tiny autoencoder). */
export interface TinyDecoder {
  /** `latent` is one image's latent as the UNet sees it; returns RGB bytes (height x width x 3). */
  decode(latent: Tensor, layout: LatentLayout): Promise<{ rgb: Uint8Array; width: number; height: number }>
}

export interface ModelInfo {
  name: string
  /** Latent family: decides the published preview factors when the model ships none (null: none known). */
  family: ModelFamily | null
  latentChannels: number
  /** The model's own latent→RGB factors (from its folder), if any. */
  previewFactors: LatentRgbFactors | null
  tinyDecoder: TinyDecoder | null
  /** The model's batch axis is dynamic, so rows of different cells can share one call. */
  batchable: boolean
  /** LoRA and embedding files merged into this load (name and A1111 short hash), for infotext and the library. */
  networks?: ExtraNetworks
}

export interface StepReport {
  /** 0-based step index and the step count of this cell. */
  i: number
  steps: number
  sigma: number
  /** The sampler's x0-estimate (all batch rows); the preview source. Do not modify. */
  denoised: Tensor
  layout: LatentLayout
  /**
   * Inpainting: turns a preview of the job's area (RGB) into the picture the final image will be (the
   * init image outside the blurred mask; see models/inpaint/preview-composite.ts).
   */
  composite?: (preview: PreviewRgb) => PreviewRgb
}

/** 8-bit RGB pixels of a preview. */
export interface PreviewRgb {
  width: number
  height: number
  data: Uint8Array
}

/** What a runner must call around model work so that the worker can cancel and time it. */
export interface ModelCallHooks {
  /**
   * Runs one model call (`rows` batch rows): checks for cancellation first (throws CancelledError) and
   * adds the call's time to the job's model time. Wrap exactly the ONNX run, nothing more.
   */
  modelCall<T>(rows: number, run: () => Promise<T>): Promise<T>
  /**
   * One model run that stacks rows for several requesters (the cells of a batched grid, or a cell and a
   * reference solve), each named by its own hooks: cancellation is checked once, the run counts once for
   * the job, and once for each distinct requester, which is also charged its share of the run's time
   * (its rows / all rows). Call it on any one requester's hooks; they all belong to one job.
   */
  batchCall<T>(shares: readonly RowShare[], run: () => Promise<T>): Promise<T>
  /**
   * Runs any other ONNX call (text encoder, VAE): checks for cancellation and adds its time to the
   * job's ONNX time, but it is not a denoising model call.
   */
  auxCall<T>(run: () => Promise<T>): Promise<T>
}

/** A requester's rows in a batched model run. */
export interface RowShare {
  hooks: ModelCallHooks
  rows: number
}

export interface CellRequest {
  params: GenerationParams
  signal: AbortSignal
  /** The cell's own sampling calls: counted and timed for the job and for this cell. */
  hooks: ModelCallHooks
  /**
   * For the reference solve (with `reference`): counted and timed for the job only. A reference is
   * shared by every cell with the same prompt, seed and CFG, and which cell happens to solve it is an
   * accident of scheduling, so its calls are no cell's own.
   */
  referenceHooks?: ModelCallHooks
  onStep(report: StepReport): void
  /** img2img: the init image's encoded bytes (present when params.img2img is set). */
  initImage?: Uint8Array
  /** Inpainting: the mask image's encoded bytes (present when params.img2img.inpaint names a mask). */
  maskImage?: Uint8Array
  /** The calibrated profile for schedule 'score_optimal' (absent: the built-in fallback). */
  scoreOptimal?: { profile: ScoreOptimalProfile; use: ScoreOptimalUse }
  /** Measure the cell against a reference solve; one cache per job so cells share their references. */
  reference?: ReferenceCache
  /** Progress of the reference solve this cell started (cells that reuse one report nothing). */
  onReferenceProgress?(calls: number, totalCalls: number): void
}

export interface CellImage {
  /** RGB bytes, height x width x 3 (the first image of the batch). */
  rgb: Uint8Array
  width: number
  height: number
  metrics?: CellMetrics
  scoreOptimal?: ScoreOptimalUse
}

/** A calibration as a runner sees it (see src/shared/calibration.ts). */
export interface CalibrationRun {
  request: CalibrateRequest
  modelHash: string
  signal: AbortSignal
  hooks: ModelCallHooks
  onProgress(p: CalibrationProgress): void
}

export interface CalibrationOutput {
  key: string
  profile: ScoreOptimalProfile
  resolved: { prompt: string; cfg: number; width: number; height: number }
}

export interface LoadedModel {
  readonly info: ModelInfo
  /** Runs one cell from noise to image. */
  generate(req: CellRequest): Promise<CellImage>
  /**
   * Runs several cells side by side, batching model calls that arrive together into one call (rows
   * stacked, one sigma per row). One promise per cell, so each cell's result can go out (and its wall
   * time end) as soon as it is done, not when the slowest cell is. Optional: without it, or when
   * `info.batchable` is false, the worker runs grid cells one after another.
   */
  generateMany?(reqs: CellRequest[]): Promise<CellImage>[]
  /** Estimates the model's score-optimal profile. Optional: runners without it report a clear error. */
  calibrate?(run: CalibrationRun): Promise<CalibrationOutput>
  dispose(): Promise<void>
}

/** The LoRA and embeddings folders chosen in Settings (absent: the runner's defaults). */
export interface NetworkDirs {
  loras?: string
  embeddings?: string
}

export interface JobRunner {
  /** Loads model `name` (a folder name under the models directory, or an absolute path). */
  /**
   * `loraTags` (the `<lora:…>` tags of the job's prompt, as written) ask for LoRA-merged sessions; runners
   * that cannot merge refuse them rather than ignore them.
   */
  load(name: string, loraTags?: readonly string[], embeddings?: readonly string[], dirs?: NetworkDirs): Promise<LoadedModel>
  /**
   * The textual-inversion embeddings (by name, in the runner's embeddings folder) that `texts` (the job's
   * prompts and negative prompts) use; they are passed to `load`. Optional: runners without it use none.
   */
  embeddingsUsed?(texts: readonly string[], dirs?: NetworkDirs): string[]
  /**
   * What identifies the folder behind `name` now (optional): the warm model is reused only while it is
   * the same, so a model removed or renamed in the model manager and another imported under its name is
   * loaded afresh rather than served from the old sessions.
   */
  folderStamp?(name: string): string
  /**
   * Releases everything the runner holds (ONNX sessions and their native memory) before the worker
   * ends. Optional. A worker terminated with sessions still open can abort the whole process in
   * native code ("terminate called after throwing an instance of 'Napi::Error'").
   */
  shutdown?(): Promise<void>
}

/** Thrown inside a job when it was cancelled; the worker reports the job as cancelled, not failed. */
export class CancelledError extends Error {
  constructor() {
    super('the job was cancelled')
    this.name = 'CancelledError'
  }
}

/** Thrown by runners when the model folder does not exist or is not a model. */
export class ModelNotFoundError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ModelNotFoundError'
  }
}
