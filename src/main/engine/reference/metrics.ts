/**
 * Error measures against a reference solution, and which samplers can be measured that way.
 */
import { SAMPLER_BY_ID } from '../../../shared/catalogue'
import type { SamplerOptions } from '../types'
import { EngineInputError } from '../types'

function checkPair(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw new EngineInputError(`${what}: arrays differ in length (${a.length} vs ${b.length})`)
  if (a.length === 0) throw new EngineInputError(`${what}: arrays are empty`)
}

/** Mean squared difference. */
export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, 'mse')
  let s = 0
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i]
    s += d * d
  }
  return s / a.length
}

/** Root-mean-square difference (latent space: the whole flat tensor). */
export function rmse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.sqrt(mse(a, b))
}

/**
 * Pixel value conventions: 'unit' = [0, 1] (peak-to-peak 1), 'signed' = [−1, 1] (the VAE's output, peak-to-peak
 * 2), '8bit' = [0, 255]; or a number = the peak-to-peak range.
 */
export type PixelRange = 'unit' | 'signed' | '8bit' | number

function peakToPeak(range: PixelRange): number {
  if (range === 'unit') return 1
  if (range === 'signed') return 2
  if (range === '8bit') return 255
  if (typeof range === 'number' && range > 0 && Number.isFinite(range)) return range
  throw new EngineInputError(`psnr: range must be 'unit', 'signed', '8bit' or a positive number, got ${String(range)}`)
}

/**
 * PSNR in dB = 10·log10(peak² / MSE), with peak the range's peak-to-peak value. Values are clamped to the
 * range first unless `clamp` is false (a decoded image is clamped before it is shown). Identical images
 * give Infinity.
 */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, range: PixelRange = 'unit', clamp = true): number {
  checkPair(a, b, 'psnr')
  const p = peakToPeak(range)
  const lo = range === 'signed' ? -1 : 0
  const hi = lo + p
  let s = 0
  for (let i = 0; i < a.length; i++) {
    const x = clamp ? Math.min(hi, Math.max(lo, a[i])) : a[i]
    const y = clamp ? Math.min(hi, Math.max(lo, b[i])) : b[i]
    s += (x - y) * (x - y)
  }
  const m = s / a.length
  return m === 0 ? Infinity : 10 * Math.log10((p * p) / m)
}

export interface Comparability {
  comparable: boolean
  /** Why not, for the UI ("ancestral sampler: adds fresh noise every step"). */
  reason?: string
}

/**
 * Whether a sampler run with these options solves the probability-flow ODE, so that its distance to the
 * reference solution is meaningful: the catalogue kind must be 'deterministic' and no option may inject noise
 * (churn > 0, eta > 0). Ancestral and SDE samplers are not comparable this way.
 */
export function referenceComparability(samplerId: string, options: SamplerOptions = {}): Comparability {
  const info = SAMPLER_BY_ID.get(samplerId)
  if (!info) return { comparable: false, reason: `unknown sampler "${samplerId}"` }
  if (info.kind === 'ancestral') return { comparable: false, reason: 'ancestral sampler: adds fresh noise every step, so it does not follow the ODE' }
  if (info.kind === 'sde') return { comparable: false, reason: 'SDE sampler: solves the stochastic equation, not the probability-flow ODE' }
  if ((options.s_churn ?? 0) > 0) return { comparable: false, reason: 's_churn > 0 adds noise during sampling' }
  if ((options.eta ?? 0) > 0 && info.options.includes('eta')) return { comparable: false, reason: 'eta > 0 adds noise during sampling' }
  return { comparable: true }
}

/** Shorthand for {@link referenceComparability}(…).comparable. */
export function isReferenceComparable(samplerId: string, options?: SamplerOptions): boolean {
  return referenceComparability(samplerId, options).comparable
}
