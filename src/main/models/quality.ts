/**
 * Issue 8 on a loaded model, for the generation worker: the reference solution a grid cell is measured
 * against, and a score-optimal calibration. Both call the very same guided denoiser generation uses
 * (pipeline.ts guidedDenoiser), so they solve the ODE the artist's images solve; the engine does the
 * numerics (engine/reference, engine/score-optimal).
 */
import { DEFAULT_REFERENCE, computeReference } from '../engine/reference/reference'
import { estimateScoreOptimalProfile, resolveSettings, type CalibrationProgress } from '../engine/score-optimal/estimate'
import { profileCacheKey, type ScoreOptimalProfile, type ScoreOptimalSettings } from '../engine/score-optimal/profile'
import { TorchGenerator } from '../engine/rng'
import type { Tensor } from '../engine/types'
import type { CalibrateRequest } from '../../shared/calibration'
import type { LoadedModel } from './model'
import { guidedDenoiser, latentLayout, resolveRequest, type PipelineRequest, type ResolvedRequest } from './pipeline'
import { decodeLatents } from './vae'

/**
 * Seeds of the calibration trajectories: far from the seeds people evaluate with, so a profile is not
 * fitted to them (the same offset as `studio evaluate schedules`, whose cached profiles the app reuses).
 */
export const CALIBRATION_SEED_BASE = 1_000_000

/**
 * The cache key of a calibration: what the profile depends on (model, size, CFG, prompts — through the
 * guided denoiser — and the estimator's settings). The app and `studio evaluate schedules` both use it,
 * so each finds the profiles the other cached.
 */
export function calibrationKey(modelHash: string, r: ResolvedRequest, settings: ScoreOptimalSettings): string {
  return profileCacheKey({ modelHash, width: r.width, height: r.height, cfg: r.cfg, prompt: r.prompt, negative: r.negativePrompt }, settings)
}

export interface ReferenceOutput {
  latent: Tensor
  rgb: Uint8Array
  sigma0: number
}

function aborter(signal?: AbortSignal): (rows: number) => void {
  return () => {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted')
  }
}

/**
 * The reference for one image of `request` (its seed, batch of one): DEFAULT_REFERENCE (heun, karras,
 * 200 steps) from the same unit noise the pipeline starts from (image 0's first randn draw), scaled as
 * the pipeline scales it (temperature included), then decoded by the VAE.
 */
export async function solveReference(
  model: LoadedModel,
  request: PipelineRequest,
  signal?: AbortSignal,
  onProgress?: (calls: number, totalCalls: number) => void
): Promise<ReferenceOutput> {
  const r = resolveRequest(model, { ...request, batchSize: 1, init: undefined })
  const { h, w, rowLength } = latentLayout(model, r)
  const noise = new TorchGenerator(BigInt(r.seed)).randn(rowLength)
  const denoise = await guidedDenoiser(model, { ...r, noise: { ...r.noise, noiseInjection: 0 } }, { onUnetCall: aborter(signal) })
  const tau = r.noise.temperature
  const ref = await computeReference(denoise, noise, model.sigmas, DEFAULT_REFERENCE, { signal, startScale: (s) => tau * s, onProgress })
  const [img] = await decodeLatents(model, ref.x, 1, h, w)
  return { latent: ref.x, rgb: img.data, sigma0: ref.sigmas[0] }
}

/** A calibration request without its model (the caller has already loaded it). */
export type CalibrationInput = Omit<CalibrateRequest, 'model'>

export interface CalibrationResult {
  /** profileCacheKey of the model hash, the resolved request and the settings. */
  key: string
  profile: ScoreOptimalProfile
  resolved: { prompt: string; cfg: number; width: number; height: number }
}

/**
 * Calibrates `score_optimal` on the model. The cache key is built exactly as `studio evaluate schedules`
 * builds it (identity: model hash, size, CFG, prompts; the estimator's resolved settings), so either
 * finds the other's profile.
 */
export async function calibrateScoreOptimal(
  model: LoadedModel,
  input: CalibrationInput,
  modelHash: string,
  opts: { signal?: AbortSignal; onProgress?: (p: CalibrationProgress) => void } = {}
): Promise<CalibrationResult> {
  const r = resolveRequest(model, {
    prompt: input.prompt,
    negativePrompt: input.negativePrompt,
    cfg: input.cfg ?? undefined,
    width: input.width ?? undefined,
    height: input.height ?? undefined,
    seed: '0',
    batchSize: 1
  })
  const { rowLength } = latentLayout(model, r)
  const denoise = await guidedDenoiser(model, r, { onUnetCall: aborter(opts.signal) })
  const settings = resolveSettings({ sigmaMin: model.sigmas.sigmaMin, sigmaMax: model.sigmas.sigmaMax, trajectories: input.trajectories, intervals: input.intervals })
  const key = calibrationKey(modelHash, r, settings)
  const profile = await estimateScoreOptimalProfile(denoise, {
    ...settings,
    startNoise: (k) => Float64Array.from(new TorchGenerator(CALIBRATION_SEED_BASE + k).randn(rowLength)),
    meta: { key },
    signal: opts.signal,
    onProgress: opts.onProgress
  })
  return { key, profile, resolved: { prompt: r.prompt, cfg: r.cfg, width: r.width, height: r.height } }
}
