/**
 * Karras "churn" (Karras et al. 2022, Algorithm 2, lines 4-6): before a step, raise the noise level from
 * sigma to sigmaHat = sigma (1 + gamma) by adding fresh noise, which lets a deterministic sampler correct
 * errors of earlier steps. Shared by euler, heun, heunpp2 and dpm_2.
 */
import type { NoiseSource, SamplerOptions, Tensor } from '../types'
import { numberOption } from './options'

export interface Churn {
  sChurn: number
  sTmin: number
  sTmax: number
  sNoise: number
}

/** s_churn (default 0), s_tmin (0), s_tmax (inf), s_noise (1), as ComfyUI's defaults. */
export function readChurn(sampler: string, options: SamplerOptions | undefined): Churn {
  // A window with s_tmax < s_tmin is allowed: it simply never churns, as in the reference.
  return {
    sChurn: numberOption(sampler, options, 's_churn', 0, { min: 0 }),
    sTmin: numberOption(sampler, options, 's_tmin', 0),
    sTmax: numberOption(sampler, options, 's_tmax', Infinity, { allowInfinity: true }),
    sNoise: numberOption(sampler, options, 's_noise', 1, { min: 0 })
  }
}

/** gamma_i = min(S_churn / N, √2 − 1) while sigma_i lies in [S_tmin, S_tmax], else 0 (N = number of steps). */
export function churnGamma(c: Churn, sigmas: ArrayLike<number>, i: number): number {
  const sigma = sigmas[i]
  if (c.sChurn === 0 || !(c.sTmin <= sigma && sigma <= c.sTmax)) return 0
  // The cap √2 − 1 keeps the added variance below the current one (sigmaHat² ≤ 2 sigma²).
  return Math.min(c.sChurn / (sigmas.length - 1), Math.SQRT2 - 1)
}

/** x += s_noise · eps · sqrt(sigmaHat² − sigma²), in place: lifts x from noise level sigma to sigmaHat. */
export function addChurnNoise(x: Tensor, eps: Tensor, sNoise: number, sigma: number, sigmaHat: number): void {
  const scale = sNoise * Math.sqrt(sigmaHat * sigmaHat - sigma * sigma)
  for (let j = 0; j < x.length; j++) x[j] += eps[j] * scale
}

/**
 * The churn at the start of step i, in place on x: returns sigmaHat, and draws noise (for the step
 * sigmas[i] → sigmas[i + 1]) only when the step actually churns, as the reference does.
 */
export function churnStep(c: Churn, x: Tensor, sigmas: ArrayLike<number>, i: number, noise: NoiseSource): number {
  const sigma = sigmas[i]
  const gamma = churnGamma(c, sigmas, i)
  const sigmaHat = sigma * (gamma + 1)
  if (gamma > 0) addChurnNoise(x, noise.next(sigma, sigmas[i + 1]), c.sNoise, sigma, sigmaHat)
  return sigmaHat
}
