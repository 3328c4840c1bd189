/**
 * The reference solution a deterministic sampler is measured against: a high-accuracy solve of the same
 * probability-flow ODE (same denoiser, same guidance, same starting noise, same σ_max and the same final
 * σ_min → 0 step) with a second-order sampler at many steps (SCHEDULES.md 4). Cache it per prompt, seed,
 * model and settings (see {@link referenceCacheKey}); it costs about as much as 10–20 ordinary images.
 */
import { SAMPLER_BY_ID } from '../../../shared/catalogue'
import { NO_NOISE } from '../noise'
import { runSampler } from '../samplers/run'
import { computeSigmas, type ScheduleModel } from '../schedules/index'
import type { Denoiser, Tensor } from '../types'
import { EngineInputError } from '../types'

export interface ReferenceSettings {
  /** A deterministic sampler of order >= 2 that draws no noise (heun, dpmpp_2m, dpm_2, uni_pc, …). */
  sampler: string
  /** At least {@link MIN_REFERENCE_STEPS}. */
  steps: number
  schedule: string
  params?: Readonly<Record<string, number>>
}

export const MIN_REFERENCE_STEPS = 200

/** Heun (Karras et al. 2022, Alg. 1) on karras ρ = 7 at 200 steps: 399 model calls. */
export const DEFAULT_REFERENCE: Readonly<ReferenceSettings> = Object.freeze({ sampler: 'heun', steps: 200, schedule: 'karras', params: Object.freeze({ rho: 7 }) })

/** Checks that the settings describe an accurate, noise-free ODE solve. */
export function validateReferenceSettings(s: ReferenceSettings): void {
  const info = SAMPLER_BY_ID.get(s.sampler)
  if (!info) throw new EngineInputError(`reference: unknown sampler "${s.sampler}"`)
  if (info.kind !== 'deterministic' || info.drawsNoise || typeof info.callsPerStep !== 'number') {
    throw new EngineInputError(`reference: sampler "${s.sampler}" is not a fixed-step noise-free ODE solver; use heun or dpmpp_2m`)
  }
  if (info.order < 2) throw new EngineInputError(`reference: sampler "${s.sampler}" is first order; use a second-order sampler such as heun or dpmpp_2m`)
  if (!Number.isInteger(s.steps) || s.steps < MIN_REFERENCE_STEPS) {
    throw new EngineInputError(`reference: steps must be a whole number of at least ${MIN_REFERENCE_STEPS}, got ${s.steps}`)
  }
}

/** Model calls a reference run costs (heun's last step to 0 is a single call). */
export function referenceCalls(s: ReferenceSettings): number {
  const info = SAMPLER_BY_ID.get(s.sampler)
  const per = typeof info?.callsPerStep === 'number' ? info.callsPerStep : 1
  return per === 2 ? 2 * s.steps - 1 : per * s.steps
}

export interface ReferenceResult {
  /** The final state (σ = 0), flat. */
  x: Tensor
  sigmas: Float64Array
  modelCalls: number
}

/**
 * Solves from `noise` (unit Gaussian; the start is σ_0·noise with σ_0 the schedule's first sigma, which is
 * the model's σ_max for range schedules) down to 0. Cancellable between model calls.
 */
export async function computeReference(
  denoise: Denoiser,
  noise: ArrayLike<number>,
  model: ScheduleModel,
  settings: ReferenceSettings = DEFAULT_REFERENCE,
  opts: {
    signal?: AbortSignal
    onProgress?: (calls: number, total: number) => void
    /** The factor the start noise is scaled by, given the first sigma (default σ_0 itself; ComfyUI's max-denoise start is √(1+σ_0²)). */
    startScale?: (sigma0: number) => number
  } = {}
): Promise<ReferenceResult> {
  validateReferenceSettings(settings)
  const sigmas = computeSigmas(settings.schedule, settings.steps, model, settings.params)
  const k = opts.startScale ? opts.startScale(sigmas[0]) : sigmas[0]
  const x = Float64Array.from(noise, (n) => n * k)
  const total = referenceCalls(settings)
  let calls = 0
  const wrapped: Denoiser = async (v, sigma) => {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('reference solve was cancelled', 'AbortError')
    calls++
    const out = await denoise(v, sigma)
    opts.onProgress?.(calls, total)
    return out
  }
  const stats = { modelCalls: 0 }
  const out = await runSampler(settings.sampler, wrapped, x, sigmas, { noise: NO_NOISE, stats })
  return { x: out, sigmas, modelCalls: stats.modelCalls }
}

/** Stable cache key: what the reference depends on (the caller supplies model hash, prompt, seed, CFG…). */
export function referenceCacheKey(
  identity: { modelHash: string; seed: number | string } & Record<string, string | number | boolean | undefined>,
  settings: ReferenceSettings = DEFAULT_REFERENCE
): string {
  const ident = Object.keys(identity)
    .filter((k) => identity[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(identity[k])}`)
    .join(',')
  const params = Object.keys(settings.params ?? {})
    .sort()
    .map((k) => `${k}=${settings.params![k]}`)
    .join(',')
  return `reference/v1:{${ident}}:${settings.sampler}:${settings.steps}:${settings.schedule}:{${params}}`
}
