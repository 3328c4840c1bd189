/**
 * Output-side x0 limiters: dynamic thresholding (Saharia et al. 2022, "Photorealistic Text-to-Image
 * Diffusion Models with Deep Language Understanding" (Imagen), Sec. 2.3) and plain clipping
 * (static thresholding, diffusers' `clip_sample`).
 *
 * Both act on the denoiser's x0-estimate, which is where Imagen applies them: at high guidance scales
 * the predicted x0 leaves the data range and the sampler then drives pixels to saturation. Clipping
 * cuts values at a fixed bound; dynamic thresholding picks, per image, a bound s from a high percentile
 * of |x0| and, when s > 1, clamps to [-s, s] and divides by s, pulling saturated values back inside
 * [-1, 1] while keeping the row's relative contrast.
 *
 * On latent models (all Stable Diffusion variants) the x0 these wrappers see is the latent the UNet
 * works in, already multiplied by the VAE scaling factor (0.18215 for SD1.x), not pixels. The
 * percentile is taken over that scaled latent, whose values routinely exceed 1 without any
 * over-saturation, so the [-1, 1] target is a heuristic there, not the data range it is in pixel space.
 */
import type { Denoiser, Tensor } from '../types'
import { EngineInputError } from '../types'
import { checkOutput, requireInRange, requireRowLength, rowCount } from './params'

/**
 * The p-quantile (0 < p <= 1) of an ascending array, with linear interpolation between the two
 * nearest ranks at position p * (n - 1) (numpy's and torch.quantile's default).
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  const pos = p * (n - 1)
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, n - 1)
  const frac = pos - lo
  return frac === 0 ? sorted[lo] : sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

export interface DynamicThresholdOptions {
  /** Elements per batch row; the percentile is taken per row. */
  rowLength: number
  /** The percentile p in (0, 1] of |x0| that sets the bound (Imagen and diffusers use 0.995). */
  percentile: number
  /** Upper cap on the bound s (diffusers' `sample_max_value`); >= 1, default Infinity (Imagen). */
  maxValue?: number
}

/** Checks and normalises dynamic-thresholding settings. */
export function validateDynamicThreshold(o: DynamicThresholdOptions): Required<DynamicThresholdOptions> {
  if (o === null || typeof o !== 'object') {
    throw new EngineInputError(`dynamic thresholding: got ${String(o)}; give { rowLength, percentile, maxValue? }`)
  }
  const rowLength = requireRowLength(o.rowLength, 'dynamic thresholding rowLength')
  const percentile = requireInRange(o.percentile, 'dynamic thresholding percentile', 0, 1, 'use a fraction in (0, 1], e.g. 0.995 (1 = the row\'s largest |x0|)', {
    openMin: true
  })
  const maxValue = o.maxValue ?? Infinity
  if (typeof maxValue !== 'number' || Number.isNaN(maxValue) || maxValue < 1) {
    throw new EngineInputError(`dynamic thresholding maxValue: got ${String(o.maxValue)}; use a number >= 1, or leave it out for no cap`)
  }
  return { rowLength, percentile, maxValue }
}

/**
 * Dynamic thresholding of an x0-estimate, per row: s = min(maxValue, max(1, quantile_p(|x0|))),
 * x0 <- clamp(x0, -s, s) / s. Returns a new array.
 */
export function dynamicThreshold(x0: Tensor, options: DynamicThresholdOptions): Tensor {
  const { rowLength, percentile, maxValue } = validateDynamicThreshold(options)
  const rows = rowCount(x0.length, rowLength, 'dynamic thresholding')
  const out = new Float64Array(x0.length)
  const abs = new Float64Array(rowLength)
  for (let b = 0; b < rows; b++) {
    const off = b * rowLength
    for (let j = 0; j < rowLength; j++) abs[j] = Math.abs(x0[off + j])
    abs.sort() // typed-array sort is numeric and puts NaN last
    if (Number.isNaN(abs[rowLength - 1])) {
      throw new EngineInputError(`dynamic thresholding: row ${b} of the x0-estimate contains NaN; the model returned invalid values`)
    }
    const s = Math.min(maxValue, Math.max(1, quantileSorted(abs, percentile)))
    for (let j = off; j < off + rowLength; j++) out[j] = Math.min(s, Math.max(-s, x0[j])) / s
  }
  return out
}

/** Wraps a denoiser so that every x0-estimate is dynamically thresholded. */
export function dynamicThresholding(denoise: Denoiser, options: DynamicThresholdOptions): Denoiser {
  const o = validateDynamicThreshold(options)
  return async (x, sigma) => dynamicThreshold(checkOutput(await denoise(x, sigma), x.length, 'dynamic thresholding'), o)
}

export interface ClipSampleOptions {
  /** Clamp x0 to [-range, range]; > 0 (diffusers' `clip_sample_range`, default there 1). */
  range: number
  /** Optional batch row length, only used to check the layout of the model's output. */
  rowLength?: number
}

/** Checks clip settings. */
export function validateClipSample(o: ClipSampleOptions): { range: number; rowLength?: number } {
  if (o === null || typeof o !== 'object') {
    throw new EngineInputError(`clip sample: got ${String(o)}; give { range }`)
  }
  const range = requireInRange(o.range, 'clip sample range', 0, Infinity, 'use a finite number > 0 (1 for pixel-space models)', { openMin: true })
  const rowLength = o.rowLength === undefined ? undefined : requireRowLength(o.rowLength, 'clip sample rowLength')
  return { range, rowLength }
}

/** x0 clamped element-wise to [-range, range] (a new array). */
export function clipSample(x0: Tensor, range: number): Tensor {
  const out = new Float64Array(x0.length)
  for (let i = 0; i < x0.length; i++) out[i] = Math.min(range, Math.max(-range, x0[i]))
  return out
}

/** Wraps a denoiser so that every x0-estimate is clamped to [-range, range]. */
export function clipSampleDenoiser(denoise: Denoiser, options: ClipSampleOptions): Denoiser {
  const { range, rowLength } = validateClipSample(options)
  return async (x, sigma) => {
    const x0 = checkOutput(await denoise(x, sigma), x.length, 'clip sample')
    if (rowLength !== undefined) rowCount(x0.length, rowLength, 'clip sample')
    return clipSample(x0, range)
  }
}
