/**
 * Temperature: a sampling modifier that multiplies every standard-normal array a run uses by tau —
 * the starting noise (via {@link temperedStart}) and every array a stochastic sampler draws (via
 * {@link temperatureNoise}). tau < 1 gives smoother, lower-variance images; tau > 1 noisier ones.
 * It is not a guidance method and does not touch the model or the sigmas: the sampler still believes
 * the noise has unit variance, so tau != 1 deliberately samples off the model's distribution.
 * At tau = 1 nothing changes, bit for bit.
 */
import type { NoiseSource, Tensor } from '../types'
import { EngineInputError } from '../types'
import { requireInRange } from './params'

/** Checks tau: finite and > 0. */
export function validateTemperature(tau: unknown, name = 'temperature'): number {
  return requireInRange(tau, name, 0, Infinity, 'use a finite number > 0 (1 = unchanged, < 1 = less noise, > 1 = more)', { openMin: true })
}

/** A noise source whose every array is the wrapped source's array times tau. */
export function temperatureNoise(source: NoiseSource, tau: number): NoiseSource {
  const t = validateTemperature(tau)
  if (t === 1) return source
  return {
    next(sigma, sigmaNext) {
      const a = source.next(sigma, sigmaNext)
      const out = new Float64Array(a.length)
      for (let i = 0; i < a.length; i++) out[i] = t * a[i]
      return out
    }
  }
}

/**
 * The starting state with tempered noise: base + tau * sigma0 * noise (base omitted: txt2img, where
 * the start is pure noise at sigmas[0]; given: img2img, the encoded latent). A new array.
 */
export function temperedStart(noise: ArrayLike<number>, sigma0: number, tau = 1, base?: ArrayLike<number>): Tensor {
  const t = validateTemperature(tau)
  if (!Number.isFinite(sigma0) || sigma0 < 0) {
    throw new EngineInputError(`tempered start sigma0: got ${sigma0}; use the schedule's first sigma, a finite number >= 0`)
  }
  if (base !== undefined && base.length !== noise.length) {
    throw new EngineInputError(`tempered start: the base latent has ${base.length} elements but the noise has ${noise.length}; they must match`)
  }
  const k = t * sigma0
  const out = new Float64Array(noise.length)
  for (let i = 0; i < noise.length; i++) out[i] = (base === undefined ? 0 : base[i]) + k * noise[i]
  return out
}
