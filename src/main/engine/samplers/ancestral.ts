/**
 * The ancestral split of a step and the two in-place updates built on it, shared by every ancestral / SDE
 * sampler: keep the current noise direction down to sigmaDown, then add sigmaUp of fresh noise.
 */
import { axpy } from '../ops'
import type { Tensor } from '../types'

/** Where an ancestral step lands: integrate deterministically down to `sigmaDown`, then add `sigmaUp` of fresh noise. */
export interface AncestralStep {
  sigmaDown: number
  sigmaUp: number
}

/**
 * k-diffusion's get_ancestral_step: splits the step sigmaFrom → sigmaTo into a deterministic part down to
 * sigmaDown and fresh noise of size sigmaUp, with sigmaDown² + sigmaUp² = sigmaTo². eta = 1 is the DDPM
 * posterior amount of noise, eta = 0 a plain ODE step.
 */
export function ancestralStep(sigmaFrom: number, sigmaTo: number, eta = 1): AncestralStep {
  // eta = 0 is the deterministic case; return sigmaTo exactly so callers can compare.
  if (!eta) return { sigmaDown: sigmaTo, sigmaUp: 0 }
  const from2 = sigmaFrom * sigmaFrom
  const to2 = sigmaTo * sigmaTo
  // Capped at sigmaTo (so eta > 1 cannot ask for an imaginary sigmaDown): then the whole target level is
  // fresh noise and sigmaDown is 0.
  const sigmaUp = Math.min(sigmaTo, eta * Math.sqrt((to2 * (from2 - to2)) / from2))
  const sigmaDown = Math.sqrt(to2 - sigmaUp * sigmaUp)
  return { sigmaDown, sigmaUp }
}

/** x[i] += scale * noise[i], in place; no pass at all when scale is 0. */
export function addNoise(x: Tensor, scale: number, noise: Tensor): void {
  if (scale !== 0) axpy(x, scale, noise)
}

/**
 * The DDIM / first-order exponential step in place: x <- r x + (1 - r) D with r = sigmaDown / sigma, i.e. keep
 * the current noise direction at level sigmaDown; then, when `noise` is given, add noiseScale of it in the
 * same pass.
 */
export function shrinkTowards(x: Tensor, denoised: Tensor, sigma: number, sigmaDown: number, noise?: Tensor, noiseScale = 0): void {
  const r = sigmaDown / sigma
  const q = 1 - r
  if (noise && noiseScale !== 0) {
    for (let i = 0; i < x.length; i++) x[i] = r * x[i] + q * denoised[i] + noiseScale * noise[i]
  } else {
    for (let i = 0; i < x.length; i++) x[i] = r * x[i] + q * denoised[i]
  }
}
