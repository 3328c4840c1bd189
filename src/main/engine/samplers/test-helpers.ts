/**
 * Shared fixtures for the sampler tests (imported only by *.test.ts): sigma lists made by formula, the
 * Gaussian-mixture problems, a seeded noise source that records its draws, an independent fine reference for
 * the probability-flow ODE, and the error / convergence-order arithmetic.
 */
import { gmmDenoiser, type GaussianMixture } from '../gmm'
import type { Denoiser, NoiseSource, Tensor } from '../types'

export { gmmDenoiser }

/** Karras et al. (2022) sigmas: n values rho-spaced from max down to min, then a final 0. */
export function karrasSigmas(n: number, min: number, max: number, rho = 7): number[] {
  const a = max ** (1 / rho)
  const b = min ** (1 / rho)
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((a + (n === 1 ? 0 : i / (n - 1)) * (b - a)) ** rho)
  out.push(0)
  return out
}

/** n + 1 log-uniform sigmas from max down to min (n steps, no final 0), for order measurements. */
export function logUniformSigmas(n: number, min: number, max: number): number[] {
  return Array.from({ length: n + 1 }, (_, i) => Math.exp(Math.log(max) + (n === 0 ? 0 : i / n) * (Math.log(min) - Math.log(max))))
}

/** n values log-uniform from max down to min, then a final 0 (shaped like the "exponential" schedule). */
export function exponentialSigmas(n: number, min: number, max: number): number[] {
  return [...logUniformSigmas(n - 1, min, max), 0]
}

/** n sigmas spaced linearly from max down to min, then a final 0 (shaped like ComfyUI's "simple" lists). */
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

/** A noise source drawing seeded standard normals and recording every (sigma, sigmaNext) it was asked for. */
export class CountingNoise implements NoiseSource {
  readonly calls: [number, number][] = []
  private readonly gen: SeededNormal
  constructor(private readonly length: number, seed = 1) {
    this.gen = new SeededNormal(seed)
  }
  next(sigma = 0, sigmaNext = 0): Tensor {
    this.calls.push([sigma, sigmaNext])
    return this.gen.array(this.length)
  }
  /** How many arrays have been drawn. */
  get drawn(): number {
    return this.calls.length
  }
}

/** A 3-component mixture in 4 dimensions with well-separated, fairly narrow modes. */
export const MIXTURE: GaussianMixture = {
  dim: 4,
  weights: [0.3, 0.5, 0.2],
  means: [1, -1, 0.5, 2, -2, 0.5, 1, -1, 0, 0, -1.5, 1],
  variances: [0.05, 0.1, 0.02]
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
  const z = new SeededNormal(seed).array(rows * m.dim)
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

/** Least-squares slope p of log(err) = c − p·log(n): the observed order of convergence in the step count. */
export function convergenceOrder(ns: readonly number[], errs: readonly number[]): number {
  const lx = ns.map(Math.log)
  const ly = errs.map(Math.log)
  const mx = lx.reduce((s, v) => s + v, 0) / lx.length
  const my = ly.reduce((s, v) => s + v, 0) / ly.length
  let sxy = 0
  let sxx = 0
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my)
    sxx += (lx[i] - mx) ** 2
  }
  return -sxy / sxx
}

/**
 * The group-A convergence problem: two rows of {@link MIXTURE} integrated from sigma 10 down to 0.05, where the
 * range stops short of 0 so the final jump (the same for every step count) cannot hide the integration error.
 */
export const ODE_PROBLEM = {
  sigmaMin: 0.05,
  sigmaMax: 10,
  denoise: gmmDenoiser(MIXTURE),
  x0: Float64Array.from([1.3, -0.4, 0.9, -1.7, 0.2, 0.5, -0.8, 1.1].map((v) => v * 10))
}

let odeReference: Promise<Tensor> | undefined

/** The fine reference solution of {@link ODE_PROBLEM} at sigmaMin (RK4, 4000 steps; computed once). */
export function odeProblemReference(): Promise<Tensor> {
  odeReference ??= referenceOde(ODE_PROBLEM.denoise, ODE_PROBLEM.x0, ODE_PROBLEM.sigmaMax, ODE_PROBLEM.sigmaMin, 4000)
  return odeReference
}
