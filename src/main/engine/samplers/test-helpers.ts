/**
 * Shared fixtures for the sampler tests: sigma lists made by formula, a small mixture, a counting noise
 * source and the error/slope arithmetic the convergence tests use. Test-only; nothing in the app imports it.
 */
import type { GaussianMixture } from '../gmm'
import type { NoiseSource, Tensor } from '../types'

/** Karras et al. (2022) sigmas: n values rho-spaced from sigmaMax to sigmaMin, then 0. */
export function karrasSigmas(n: number, sigmaMin: number, sigmaMax: number, rho = 7): number[] {
  const lo = sigmaMin ** (1 / rho)
  const hi = sigmaMax ** (1 / rho)
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((hi + (n === 1 ? 0 : i / (n - 1)) * (lo - hi)) ** rho)
  out.push(0)
  return out
}

/** n values log-uniform from sigmaMax to sigmaMin, then 0. */
export function exponentialSigmas(n: number, sigmaMin: number, sigmaMax: number): number[] {
  const a = Math.log(sigmaMax)
  const b = Math.log(sigmaMin)
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push(Math.exp(a + (n === 1 ? 0 : i / (n - 1)) * (b - a)))
  out.push(0)
  return out
}

/** Deterministic standard normals (Box–Muller over a 32-bit LCG); counts how many arrays were drawn. */
export class CountingNoise implements NoiseSource {
  drawn = 0
  private state: number
  constructor(private readonly length: number, seed = 1) {
    this.state = seed >>> 0
  }
  private uniform(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0
    return (this.state + 0.5) / 4294967296
  }
  next(): Tensor {
    this.drawn++
    const out = new Float64Array(this.length)
    for (let i = 0; i < this.length; i++) {
      out[i] = Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform())
    }
    return out
  }
}

/** A 3-component mixture in 4 dimensions with well-separated, fairly narrow modes. */
export const MIXTURE: GaussianMixture = {
  dim: 4,
  weights: [0.3, 0.5, 0.2],
  means: [1, -1, 0.5, 2, -2, 0.5, 1, -1, 0, 0, -1.5, 1],
  variances: [0.05, 0.1, 0.02]
}

/** Largest absolute elementwise difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]))
  return e
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
