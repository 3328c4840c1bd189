/**
 * Noise injection: a sampling modifier that perturbs the model's input. Before every model call,
 *
 *   x <- x + gamma * sigma * eps,   eps ~ N(0, I) drawn from the run's noise source,
 *
 * and the model is evaluated at the perturbed x with the unchanged sigma. The sampler's own state is
 * not modified; only what the model sees is. The perturbed input really carries noise of level
 * sigma * sqrt(1 + gamma^2) while the model is told sigma, so this changes the distribution the sampler
 * targets: it is an artistic tool (more texture and variation, fewer over-smoothed details), not a more
 * accurate sampler. At gamma = 0 the model sees x unchanged.
 *
 * Cost and determinism: one extra noise array per model call (also at sigma = 0, where it adds nothing,
 * so the count stays "one per call"), drawn from the same source the sampler draws from. The source is
 * asked with next(sigma, sigma); it must return i.i.d. standard normals whatever the arguments (the
 * seeded default source and the list source do; a Brownian-tree source would not). Because the draws
 * interleave with the sampler's own, an ancestral run with injection does not reuse the plain run's
 * noise arrays at the same positions, even with the same seed.
 */
import type { Denoiser, NoiseSource } from '../types'
import { EngineInputError } from '../types'
import { checkSigma, requireInRange } from './params'

/** Checks gamma: finite and >= 0. */
export function validateInjectionGamma(gamma: unknown, name = 'noise injection gamma'): number {
  return requireInRange(gamma, name, 0, Infinity, 'use a finite number >= 0 (0 = off; small values such as 0.05-0.3 are typical)')
}

/** Wraps a denoiser so that each call sees x + gamma * sigma * eps with a fresh eps from `noise`. */
export function noiseInjection(denoise: Denoiser, noise: NoiseSource, gamma: number): Denoiser {
  const g = validateInjectionGamma(gamma)
  if (noise === null || typeof noise !== 'object' || typeof noise.next !== 'function') {
    throw new EngineInputError('noise injection: no noise source given; pass the run\'s NoiseSource')
  }
  return async (x, sigma) => {
    checkSigma(sigma, 'noise injection')
    const eps = noise.next(sigma, sigma)
    if (eps.length !== x.length) {
      throw new EngineInputError(`noise injection: the noise source returned ${eps.length} values for a state of ${x.length}; it must match the state`)
    }
    const k = g * sigma
    const xi = new Float64Array(x.length)
    for (let i = 0; i < x.length; i++) xi[i] = x[i] + k * eps[i]
    return denoise(xi, sigma)
  }
}
