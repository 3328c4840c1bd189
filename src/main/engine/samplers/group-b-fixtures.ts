/**
 * Test fixtures for group B's sampler tests (imported only by *.test.ts): sigma lists, a seeded
 * Gaussian noise source that counts its draws, Gaussian-mixture problems, and an independent
 * high-accuracy reference for the probability-flow ODE.
 */
import { gmmDenoiser, type GaussianMixture } from '../gmm'
import type { Denoiser, NoiseSource, Tensor } from '../types'

/** Karras et al. (2022) schedule with n sigmas from max to min, then a final 0. */
export function karrasSigmas(n: number, min: number, max: number, rho = 7): number[] {
  const out: number[] = []
  const a = max ** (1 / rho)
  const b = min ** (1 / rho)
  for (let i = 0; i < n; i++) out.push((a + (n === 1 ? 0 : i / (n - 1)) * (b - a)) ** rho)
  out.push(0)
  return out
}

/** n + 1 log-uniform sigmas from max down to min (no final 0), for order measurements. */
export function logUniformSigmas(n: number, min: number, max: number): number[] {
  return Array.from({ length: n + 1 }, (_, i) => Math.exp(Math.log(max) + (i / n) * (Math.log(min) - Math.log(max))))
}

/** n sigmas spaced linearly from max to min, then a final 0 (shaped like ComfyUI's "simple" lists). */
export function linearSigmas(n: number, min: number, max: number): number[] {
  const out = Array.from({ length: n }, (_, i) => max + (n === 1 ? 0 : i / (n - 1)) * (min - max))
  out.push(0)
  return out
}

/** A small seeded standard-normal generator (mulberry32 + Box–Muller); not PyTorch-compatible, and need not be. */
export class SeededNormal {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  private uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296
  }
  array(length: number): Tensor {
    const out = new Float64Array(length)
    for (let i = 0; i < length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(this.uniform()))
      const th = 2 * Math.PI * this.uniform()
      out[i] = r * Math.cos(th)
      if (i + 1 < length) out[i + 1] = r * Math.sin(th)
    }
    return out
  }
}

/** A noise source drawing from a seeded generator and recording every (sigma, sigmaNext) it was asked for. */
export class CountingNoise implements NoiseSource {
  readonly calls: [number, number][] = []
  private readonly gen: SeededNormal
  constructor(seed: number, private readonly length: number) {
    this.gen = new SeededNormal(seed)
  }
  next(sigma: number, sigmaNext: number): Tensor {
    this.calls.push([sigma, sigmaNext])
    return this.gen.array(this.length)
  }
  get drawn(): number {
    return this.calls.length
  }
}

/** A well-separated three-component mixture in 3 dimensions. */
export const MIXTURE_3D: GaussianMixture = {
  dim: 3,
  weights: [0.5, 0.3, 0.2],
  means: [1.2, -0.4, 0.3, -1.0, 0.8, -0.6, 0.2, 1.1, 1.4],
  variances: [0.05, 0.12, 0.08]
}

/** A starting state at sigma: `rows` rows of the mixture's dim, data-scale mean plus sigma-scale noise. */
export function startState(m: GaussianMixture, rows: number, sigma: number, seed: number): Tensor {
  const g = new SeededNormal(seed)
  const z = g.array(rows * m.dim)
  for (let i = 0; i < z.length; i++) z[i] *= Math.sqrt(sigma * sigma + 0.1)
  return z
}

/**
 * Reference solution of the probability-flow ODE dx/dsigma = (x - D(x, sigma))/sigma from sigmaFrom to
 * sigmaTo (> 0) by classical RK4 in u = log(sigma) (where it reads dx/du = x - D), with `steps` steps.
 */
export async function referenceOde(denoise: Denoiser, x: Tensor, sigmaFrom: number, sigmaTo: number, steps: number): Promise<Tensor> {
  const f = async (v: Tensor, u: number): Promise<Tensor> => {
    const d = await denoise(v, Math.exp(u))
    const out = new Float64Array(v.length)
    for (let i = 0; i < v.length; i++) out[i] = v[i] - d[i]
    return out
  }
  const h = (Math.log(sigmaTo) - Math.log(sigmaFrom)) / steps
  let y = Float64Array.from(x)
  for (let s = 0; s < steps; s++) {
    const u = Math.log(sigmaFrom) + s * h
    const k1 = await f(y, u)
    const k2 = await f(y.map((v, i) => v + 0.5 * h * k1[i]), u + 0.5 * h)
    const k3 = await f(y.map((v, i) => v + 0.5 * h * k2[i]), u + 0.5 * h)
    const k4 = await f(y.map((v, i) => v + h * k3[i]), u + h)
    y = y.map((v, i) => v + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]))
  }
  return y
}

/** Largest absolute element-wise difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

/** Least-squares slope of log(err) against log(n): the negative of the observed order. */
export function logLogSlope(ns: readonly number[], errs: readonly number[]): number {
  const xs = ns.map(Math.log)
  const ys = errs.map(Math.log)
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my)
    den += (xs[i] - mx) ** 2
  }
  return num / den
}

export { gmmDenoiser }
