/**
 * Test doubles for the guidance tests (imported only by *.test.ts beside it): a conditional model that
 * counts its passes and records the sigmas it saw, and two tiny reference samplers written out here so
 * the guidance tests do not depend on the sampler registry.
 */
import { gmmDenoise, type GaussianMixture } from '../gmm'
import type { Denoiser, Sampler, Tensor } from '../types'
import type { ConditionalDenoiser } from './conditional'

export interface CountingModel extends ConditionalDenoiser {
  calls: { kind: 'both' | 'cond'; sigma: number; x: Tensor }[]
  count(kind: 'both' | 'cond'): number
}

/** A conditional model from two x0 functions; every pass is recorded. */
export function countingModel(
  cond: (x: Tensor, sigma: number) => Tensor,
  uncond: (x: Tensor, sigma: number) => Tensor
): CountingModel {
  const calls: CountingModel['calls'] = []
  return {
    calls,
    count: (kind) => calls.filter((c) => c.kind === kind).length,
    async both(x, sigma) {
      calls.push({ kind: 'both', sigma, x: Float64Array.from(x) })
      return { cond: cond(x, sigma), uncond: uncond(x, sigma) }
    },
    async cond(x, sigma) {
      calls.push({ kind: 'cond', sigma, x: Float64Array.from(x) })
      return cond(x, sigma)
    }
  }
}

/** Two different 2-D Gaussian mixtures as "with prompt" and "without prompt" data distributions. */
export const COND_MIX: GaussianMixture = { dim: 2, weights: [0.7, 0.3], means: [1.5, -0.5, -1, 2], variances: [0.2, 0.5] }
export const UNCOND_MIX: GaussianMixture = { dim: 2, weights: [0.5, 0.5], means: [0, 0, 0.5, -1.5], variances: [1, 0.3] }

/** The exact mixture denoisers as a counting conditional model (row length 2). */
export function mixtureModel(): CountingModel {
  return countingModel(
    (x, s) => gmmDenoise(COND_MIX, x, s),
    (x, s) => gmmDenoise(UNCOND_MIX, x, s)
  )
}

/** Euler's method on the probability-flow ODE (Karras et al. 2022, Alg. 2 without churn). */
export const testEuler: Sampler = async (denoise, x, sigmas) => {
  let v = Float64Array.from(x)
  for (let i = 0; i < sigmas.length - 1; i++) {
    const d0 = await denoise(v, sigmas[i])
    const dt = sigmas[i + 1] - sigmas[i]
    const next = new Float64Array(v.length)
    for (let j = 0; j < v.length; j++) next[j] = v[j] + (dt * (v[j] - d0[j])) / sigmas[i]
    v = next
  }
  return v
}

/** Euler ancestral with eta 1 (k-diffusion's get_ancestral_step): one noise array per step but the last. */
export const testEulerAncestral: Sampler = async (denoise, x, sigmas, ctx) => {
  let v = Float64Array.from(x)
  for (let i = 0; i < sigmas.length - 1; i++) {
    const s = sigmas[i]
    const sn = sigmas[i + 1]
    const d0 = await denoise(v, s)
    const up = Math.min(sn, Math.sqrt((sn * sn * (s * s - sn * sn)) / (s * s)))
    const down = Math.sqrt(sn * sn - up * up)
    const next = new Float64Array(v.length)
    for (let j = 0; j < v.length; j++) next[j] = v[j] + ((down - s) * (v[j] - d0[j])) / s
    if (sn > 0) {
      const n = ctx.noise.next(s, sn)
      for (let j = 0; j < v.length; j++) next[j] += up * n[j]
    }
    v = next
  }
  return v
}

/** Population std of a[off .. off+n). */
export function std(a: ArrayLike<number>, off = 0, n = a.length): number {
  let m = 0
  for (let j = 0; j < n; j++) m += a[off + j]
  m /= n
  let ss = 0
  for (let j = 0; j < n; j++) ss += (a[off + j] - m) ** 2
  return Math.sqrt(ss / n)
}

/** Max |a - b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

/** A plain denoiser that records every x it is called with. */
export function recordingDenoiser(f: (x: Tensor, sigma: number) => Tensor): Denoiser & { seen: { x: Tensor; sigma: number }[] } {
  const seen: { x: Tensor; sigma: number }[] = []
  const d = async (x: Tensor, sigma: number) => {
    seen.push({ x: Float64Array.from(x), sigma })
    return f(x, sigma)
  }
  return Object.assign(d, { seen })
}
