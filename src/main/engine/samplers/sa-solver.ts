/**
 * SA-Solver (Xue et al., NeurIPS 2023, "SA-Solver: Stochastic Adams Solver for Fast Sampling of Diffusion
 * Models", arXiv:2309.05019) as ComfyUI 2026-01 runs it: a stochastic Adams predictor over the last
 * `predictor_order` x0-estimates and a corrector over the last `corrector_order` (the newest included),
 * both from Lagrange interpolation in λ = −log sigma integrated exactly against the SDE's exponential
 * kernel. The SDE strength tau is eta inside [sde_end_sigma, sde_start_sigma] and 0 outside. Orders fall
 * towards the end when the run ends at sigma 0; the corrector reuses the previous predictor's tau and noise.
 * sa_solver_pece evaluates the corrected state again (two calls per step).
 */
import { clone } from '../ops'
import type { Sampler, SamplerContext, Tensor } from '../types'
import { EngineInputError } from '../types'
import { intOption, numberOption } from './options'

/** ln(k!) for the small k the coefficient matrix needs. */
function logFactorial(k: number): number {
  let s = 0
  for (let i = 2; i <= k; i++) s += Math.log(i)
  return s
}

/**
 * (1 + τ²)·∫_s^t e^{(1+τ²)(x − t)} x^p dx for p = 0 … order−1, by the recursion of integration by parts
 * (the reference's compute_exponential_coeffs).
 */
function exponentialCoeffs(s: number, t: number, order: number, tau: number): number[] {
  const tm = 1 + tau * tau
  const h = t - s
  const decay = Math.exp(-tm * h)
  const product = Array.from({ length: order }, (_, p) => Math.pow(t, p) - Math.pow(s, p) * decay)
  const out = new Array<number>(order).fill(0)
  for (let i = 0; i < order; i++) {
    for (let j = 0; j <= i; j++) {
      const logC = logFactorial(i) - logFactorial(j) - (tau > 0 ? (i - j) * Math.log(tm) : 0)
      out[i] += ((i - j) % 2 === 0 ? 1 : -1) * Math.exp(logC) * product[j]
    }
  }
  return out
}

/** Solves A·y = b (A square, small) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length
  const m = a.map((row, i) => [...row, b[i]])
  for (let c = 0; c < n; c++) {
    let p = c
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r
    ;[m[c], m[p]] = [m[p], m[c]]
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c]
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k]
    }
  }
  const y = new Array<number>(n).fill(0)
  for (let r = n - 1; r >= 0; r--) {
    let v = m[r][n]
    for (let k = r + 1; k < n; k++) v -= m[r][k] * y[k]
    y[r] = v / m[r][r]
  }
  return y
}

/** The b coefficients for the estimates at `lambdas` (oldest first), stepping from λ_s to λ_t with strength tau. */
export function stochasticAdamsCoeffs(sigmaNext: number, lambdas: number[], ls: number, lt: number, tau: number, simpleOrder2: boolean, corrector: boolean): number[] {
  const n = lambdas.length
  const alphaT = sigmaNext * Math.exp(lt)
  if (simpleOrder2 && n === 2) {
    // The paper's simplified order-2 coefficients (appendix D).
    const tm = 1 + tau * tau
    const h = lt - ls
    const full = alphaT * -Math.expm1(-h * tm)
    if (corrector) {
      const b1 = alphaT * (0.5 * tm * h)
      return [full - b1, b1]
    }
    const b2 = (alphaT * (0.5 * tm * h * h)) / (lambdas[n - 2] - ls)
    return [b2, full - b2]
  }
  const integrals = exponentialCoeffs(ls, lt, n, tau)
  // Transposed Vandermonde: row p holds λ_k^p.
  const vT = Array.from({ length: n }, (_, p) => lambdas.map((l) => Math.pow(l, p)))
  return solve(vT, integrals).map((v) => alphaT * v)
}

function sdeInterval(name: string, ctx: SamplerContext): { start: number; end: number } {
  const given = (k: 'sde_start_sigma' | 'sde_end_sigma'): number | undefined => {
    const v = ctx.options?.[k]
    return v === undefined || v === null ? undefined : numberOption(name, ctx.options, k, 0, { min: 0 })
  }
  const fromPercent = (k: 'sde_start_percent' | 'sde_end_percent', def: number): number => {
    const p = numberOption(name, ctx.options, k, def, { min: 0, max: 1 })
    if (!ctx.percentToSigma) {
      throw new EngineInputError(`${name}: give sde_start_sigma and sde_end_sigma, or run it with the model's percentToSigma to convert ${k}`)
    }
    return ctx.percentToSigma(p)
  }
  return { start: given('sde_start_sigma') ?? fromPercent('sde_start_percent', 0.2), end: given('sde_end_sigma') ?? fromPercent('sde_end_percent', 0.8) }
}

function saSolver(name: string, pece: boolean): Sampler {
  return async (denoise, x0, sigmas, ctx) => {
    const eta = numberOption(name, ctx.options, 'eta', 1, { min: 0 })
    const sNoise = numberOption(name, ctx.options, 's_noise', 1, { min: 0 })
    const predictorOrder = intOption(name, ctx.options, 'predictor_order', 3, 1, 6)
    const correctorOrder = intOption(name, ctx.options, 'corrector_order', 4, 0, 6)
    const usePece = pece || ctx.options?.use_pece === true
    const simple = ctx.options?.simple_order_2 === true
    const { start, end } = sdeInterval(name, ctx)
    const tauAt = (sigma: number): number => (eta > 0 && start >= sigma && sigma >= end ? eta : 0)

    const len = sigmas.length
    const steps = len - 1
    const lambdas = Array.from({ length: len }, (_, i) => -Math.log(sigmas[i]))
    const maxOrder = Math.max(predictorOrder, correctorOrder)
    const lowerToEnd = sigmas[len - 1] === 0
    let x = clone(x0)
    let xPred = clone(x0)
    let h = 0
    let tau = 0
    let noise: Tensor | null = null
    const preds: Tensor[] = []
    const combine = (coeffs: number[], k: number, base: Tensor, scale: number): Tensor => {
      const out = new Float64Array(base.length)
      const used = preds.slice(preds.length - k)
      for (let j = 0; j < out.length; j++) {
        let v = scale * base[j]
        for (let q = 0; q < k; q++) v += coeffs[q] * used[q][j]
        out[j] = v
      }
      return out
    }
    for (let i = 0; i < steps; i++) {
      const sigma = sigmas[i]
      const sigmaNext = sigmas[i + 1]
      let denoised = await denoise(xPred, sigma)
      preds.push(denoised)
      if (preds.length > maxOrder) preds.shift()
      let pOrder = Math.min(predictorOrder, preds.length)
      let cOrder = i === 0 || (sigmaNext === 0 && !usePece) ? 0 : Math.min(correctorOrder, preds.length)
      if (lowerToEnd) {
        pOrder = Math.min(pOrder, len - 2 - i)
        cOrder = Math.min(cOrder, len - 1 - i)
      }
      if (cOrder === 0) {
        x = xPred
      } else {
        // Corrector over the step just taken, with the previous predictor's tau and noise.
        const b = stochasticAdamsCoeffs(sigma, lambdas.slice(i - cOrder + 1, i + 1), lambdas[i - 1], lambdas[i], tau, simple, true)
        x = combine(b, cOrder, x, (sigma / sigmas[i - 1]) * Math.exp(-(tau * tau) * h))
        if (tau > 0 && sNoise > 0 && noise) for (let j = 0; j < x.length; j++) x[j] += noise[j]
        if (usePece) {
          denoised = await denoise(x, sigma)
          preds[preds.length - 1] = denoised
        }
      }
      if (sigmaNext === 0) {
        xPred = denoised
      } else {
        tau = tauAt(sigmaNext)
        const b = stochasticAdamsCoeffs(sigmaNext, lambdas.slice(i - pOrder + 1, i + 1), lambdas[i], lambdas[i + 1], tau, simple, false)
        h = lambdas[i + 1] - lambdas[i]
        xPred = combine(b, pOrder, x, (sigmaNext / sigma) * Math.exp(-(tau * tau) * h))
        if (tau > 0 && sNoise > 0) {
          const fresh = ctx.noise.next(sigma, sigmaNext)
          const scale = sigmaNext * Math.sqrt(-Math.expm1(-2 * tau * tau * h)) * sNoise
          noise = new Float64Array(fresh.length)
          for (let j = 0; j < fresh.length; j++) noise[j] = fresh[j] * scale
          for (let j = 0; j < xPred.length; j++) xPred[j] += noise[j]
        }
      }
      ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x: xPred })
    }
    return xPred
  }
}

export const sampleSaSolver = saSolver('sa_solver', false)
export const sampleSaSolverPece = saSolver('sa_solver_pece', true)
