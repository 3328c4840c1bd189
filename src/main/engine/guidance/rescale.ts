/**
 * Guidance rescale, from Lin et al. (2023), "Common Diffusion Noise Schedules and Sample Steps are
 * Flawed", Sec. 3.4.
 *
 * Large CFG scales inflate the guided prediction's standard deviation well past what the model ever
 * produces on its own, which shows up as over-exposed, over-saturated images (worst with zero-terminal-
 * SNR schedules). The fix rescales the guided prediction, per batch row, to the conditional
 * prediction's standard deviation, and mixes that with the plain guided prediction by phi:
 *
 *   factor = phi * std(pred_cond) / std(pred_cfg) + (1 - phi),   pred_final = factor * pred_cfg
 *
 * In which space? A std is not preserved by a change of parameterisation (x0, eps and v differ by
 * x-dependent affine maps), so the choice matters. The paper applies it to its model's raw output,
 * which is a v-prediction. diffusers applies it to whatever the model outputs (eps for SD1.x, v for
 * SD2.x-v), ComfyUI's RescaleCFG always converts to v from x and sigma. We follow the paper and ComfyUI:
 * always v. That makes the result independent of how a model happens to be parameterised (an eps and a
 * v model that agree on x0 get the same rescale) and it is the space the method was designed and tuned
 * in. For an eps model it therefore differs from diffusers' `guidance_rescale`, by design.
 *
 * v in our "x = x0 + sigma n" form. The VP sample is x / sqrt(1+sigma^2), with alpha = 1/sqrt(1+sigma^2)
 * and s = sigma/sqrt(1+sigma^2); v = alpha*eps - s*x0 with eps = (x - x0)/sigma gives
 *
 *   v = (x - (1 + sigma^2) x0) / (sigma sqrt(1 + sigma^2)).
 *
 * The factor is a ratio of stds, so it is unchanged by scaling v by the positive constant
 * sigma*sqrt(1+sigma^2) for the call. We therefore work with w = x - (1 + sigma^2) x0, which is the
 * same rescale without the division by sigma (it stays defined at sigma = 0, where v is not), and map
 * back with x0 = (x - w) / (1 + sigma^2). w is affine in x0 with weights fixed by x and sigma, and CFG's
 * weights sum to 1, so w(pred_cfg) is exactly the CFG of w(cond) and w(uncond).
 */
import type { Tensor } from '../types'
import { EngineInputError } from '../types'
import { checkOutput, checkSigma, requireInRange, requireRowLength, rowCount } from './params'

/** Checks phi: the share of the rescaled prediction, in [0, 1] (paper's recommended value 0.7). */
export function validateRescalePhi(phi: unknown, name = 'guidance rescale phi'): number {
  return requireInRange(phi, name, 0, 1, 'use a number in [0, 1]: 0 = plain CFG, 1 = fully rescaled, 0.7 is the paper\'s choice')
}

/** Population standard deviation of a[off .. off+n). Two-pass for accuracy. */
function rowStd(a: Tensor, off: number, n: number): number {
  let mean = 0
  for (let j = 0; j < n; j++) mean += a[off + j]
  mean /= n
  let ss = 0
  for (let j = 0; j < n; j++) {
    const d = a[off + j] - mean
    ss += d * d
  }
  return Math.sqrt(ss / n)
}

/**
 * Rescales the guided x0-estimate `guided` towards the std of `cond` in v space, per row of
 * `rowLength` elements, mixed by phi. Returns a new array; the inputs are not modified.
 *
 * A row whose guided v is constant (std 0) has no spread to rescale and is returned unchanged.
 */
export function rescaleGuided(
  x: Tensor,
  sigma: number,
  cond: Tensor,
  guided: Tensor,
  phi: number,
  rowLength: number
): Tensor {
  validateRescalePhi(phi)
  requireRowLength(rowLength, 'guidance rescale rowLength')
  checkSigma(sigma, 'guidance rescale')
  const n = x.length
  checkOutput(cond, n, 'guidance rescale (cond)')
  checkOutput(guided, n, 'guidance rescale (guided)')
  const rows = rowCount(n, rowLength, 'guidance rescale')
  const k = 1 + sigma * sigma
  const wc = new Float64Array(n)
  const wg = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    wc[i] = x[i] - k * cond[i]
    wg[i] = x[i] - k * guided[i]
  }
  const out = new Float64Array(n)
  for (let b = 0; b < rows; b++) {
    const off = b * rowLength
    const sg = rowStd(wg, off, rowLength)
    const factor = sg > 0 ? phi * (rowStd(wc, off, rowLength) / sg) + (1 - phi) : 1
    if (!Number.isFinite(factor)) {
      throw new EngineInputError(`guidance rescale: row ${b} gave a non-finite rescale factor; the model returned non-finite values`)
    }
    for (let j = off; j < off + rowLength; j++) out[j] = (x[j] - factor * wg[j]) / k
  }
  return out
}
