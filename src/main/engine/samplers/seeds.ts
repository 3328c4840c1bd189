/**
 * SEEDS (Gonzalez et al., NeurIPS 2023, "SEEDS: Exponential SDE Solvers for Fast High-Quality Sampling
 * from Diffusion Models", arXiv:2305.14267): stochastic explicit exponential derivative-free solvers in
 * data prediction and log-SNR time λ = −log sigma, with 2 (seeds_2) or 3 (seeds_3) stages per step. The
 * noise of the stages is correlated as the exact SDE solution requires: each segment's noise carries the
 * previous segment's, decayed, plus a fresh draw. exp_heun_2_x0(_sde) are seeds_2 with r = 1. As ComfyUI
 * 2026-01 runs them (sigma parameterisation, alpha = 1).
 */
import { clone } from '../ops'
import type { Sampler, Tensor } from '../types'
import { choiceOption, numberOption, readEtaNoise } from './options'

/** torch.lerp: exact at both ends (the reference's formula switches at weight 0.5). */
const lerp = (a: number, b: number, w: number): number => (w < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w))
/** h·φ2(h) = (e^h − 1 − h)/h. */
const hPhi2 = (h: number): number => (Math.expm1(h) - h) / h

interface SeedsNoise {
  /** The running SDE noise of the current step (null when no noise is injected). */
  acc: Tensor | null
}

/** Starts or continues the correlated stage noise over a segment of relative length `frac` (of h·eta). */
function stageNoise(state: SeedsNoise, fresh: Tensor, segment: number, first: boolean): Tensor {
  const acc = state.acc ?? new Float64Array(fresh.length)
  const decay = first ? 0 : Math.exp(segment)
  const scale = Math.sqrt(-Math.expm1(first ? segment : 2 * segment))
  for (let j = 0; j < acc.length; j++) acc[j] = acc[j] * decay + scale * fresh[j]
  state.acc = acc
  return acc
}

function seeds2(name: string, fixed: { eta?: number; sNoise?: number; r?: number; solverDefault: 'phi_1' | 'phi_2' }): Sampler {
  return async (denoise, x0, sigmas, ctx) => {
    const opt = fixed.eta === undefined ? readEtaNoise(name, ctx.options) : { eta: fixed.eta, sNoise: fixed.sNoise ?? 0 }
    const eta = opt.eta
    const sNoise = opt.sNoise
    const r = fixed.r ?? numberOption(name, ctx.options, 'r', 0.5, { above: 0, max: 1 })
    const solver = choiceOption(name, ctx.options, 'solver_type', fixed.solverDefault === 'phi_1' ? ['phi_1', 'phi_2'] : ['phi_2', 'phi_1'])
    const inject = eta > 0 && sNoise > 0
    const x = clone(x0)
    const n = x.length
    const x2 = new Float64Array(n)
    const steps = sigmas.length - 1
    for (let i = 0; i < steps; i++) {
      const sigma = sigmas[i]
      const sigmaNext = sigmas[i + 1]
      const denoised = await denoise(x, sigma)
      if (sigmaNext === 0) {
        x.set(denoised)
        ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
        continue
      }
      const ls = -Math.log(sigma)
      const lt = -Math.log(sigmaNext)
      const h = lt - ls
      const hEta = h * (eta + 1)
      const s1 = Math.exp(-lerp(ls, lt, r))
      // Stage 1: an exponential step to the intermediate level s1.
      const a = (s1 / sigma) * Math.exp(-r * h * eta)
      const b = Math.expm1(-r * hEta)
      for (let j = 0; j < n; j++) x2[j] = a * x[j] - b * denoised[j]
      const state: SeedsNoise = { acc: null }
      if (inject) {
        const sde = stageNoise(state, ctx.noise.next(sigma, s1), -2 * r * h * eta, true)
        for (let j = 0; j < n; j++) x2[j] += sde[j] * s1 * sNoise
      }
      const denoised2 = await denoise(x2, s1)
      // Stage 2: the full step with both estimates.
      const c = (sigmaNext / sigma) * Math.exp(-h * eta)
      if (solver === 'phi_1') {
        const fac = 1 / (2 * r)
        const e = Math.expm1(-hEta)
        for (let j = 0; j < n; j++) x[j] = c * x[j] - e * lerp(denoised[j], denoised2[j], fac)
      } else {
        const b2 = hPhi2(-hEta) / r
        const b1 = Math.expm1(-hEta) - b2
        for (let j = 0; j < n; j++) x[j] = c * x[j] - (b1 * denoised[j] + b2 * denoised2[j])
      }
      if (inject) {
        const sde = stageNoise(state, ctx.noise.next(s1, sigmaNext), (r - 1) * h * eta, false)
        for (let j = 0; j < n; j++) x[j] += sde[j] * sigmaNext * sNoise
      }
      ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
    }
    return x
  }
}

/** SEEDS-2: options eta (1), s_noise (1), r (0.5), solver_type ('phi_1'). */
export const sampleSeeds2 = seeds2('seeds_2', { solverDefault: 'phi_1' })
/** Deterministic exponential Heun in x0 and log-SNR: SEEDS-2 with eta 0, r 1; solver_type ('phi_2'). */
export const sampleExpHeun2X0 = seeds2('exp_heun_2_x0', { eta: 0, sNoise: 0, r: 1, solverDefault: 'phi_2' })
/** Stochastic exponential Heun: SEEDS-2 with r 1; eta (1), s_noise (1), solver_type ('phi_2'). */
export const sampleExpHeun2X0Sde = seeds2('exp_heun_2_x0_sde', { r: 1, solverDefault: 'phi_2' })

/** SEEDS-3: options eta (1), s_noise (1), r_1 (1/3), r_2 (2/3). */
export const sampleSeeds3: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise('seeds_3', ctx.options)
  const r1 = numberOption('seeds_3', ctx.options, 'r_1', 1 / 3, { above: 0, max: 1 })
  const r2 = numberOption('seeds_3', ctx.options, 'r_2', 2 / 3, { above: 0, max: 1 })
  const inject = eta > 0 && sNoise > 0
  const x = clone(x0)
  const n = x.length
  const x2 = new Float64Array(n)
  const x3 = new Float64Array(n)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    if (sigmaNext === 0) {
      x.set(denoised)
      ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
      continue
    }
    const ls = -Math.log(sigma)
    const lt = -Math.log(sigmaNext)
    const h = lt - ls
    const hEta = h * (eta + 1)
    const s1 = Math.exp(-lerp(ls, lt, r1))
    const s2 = Math.exp(-lerp(ls, lt, r2))
    const state: SeedsNoise = { acc: null }
    // Stage 1
    const a1 = (s1 / sigma) * Math.exp(-r1 * h * eta)
    const e1 = Math.expm1(-r1 * hEta)
    for (let j = 0; j < n; j++) x2[j] = a1 * x[j] - e1 * denoised[j]
    if (inject) {
      const sde = stageNoise(state, ctx.noise.next(sigma, s1), -2 * r1 * h * eta, true)
      for (let j = 0; j < n; j++) x2[j] += sde[j] * s1 * sNoise
    }
    const denoised2 = await denoise(x2, s1)
    // Stage 2
    const a32 = (r2 / r1) * hPhi2(-r2 * hEta)
    const a31 = Math.expm1(-r2 * hEta) - a32
    const a2 = (s2 / sigma) * Math.exp(-r2 * h * eta)
    for (let j = 0; j < n; j++) x3[j] = a2 * x[j] - (a31 * denoised[j] + a32 * denoised2[j])
    if (inject) {
      const sde = stageNoise(state, ctx.noise.next(s1, s2), (r1 - r2) * h * eta, false)
      for (let j = 0; j < n; j++) x3[j] += sde[j] * s2 * sNoise
    }
    const denoised3 = await denoise(x3, s2)
    // Stage 3
    const b3 = hPhi2(-hEta) / r2
    const b1 = Math.expm1(-hEta) - b3
    const c = (sigmaNext / sigma) * Math.exp(-h * eta)
    for (let j = 0; j < n; j++) x[j] = c * x[j] - (b1 * denoised[j] + b3 * denoised3[j])
    if (inject) {
      const sde = stageNoise(state, ctx.noise.next(s2, sigmaNext), (r2 - 1) * h * eta, false)
      for (let j = 0; j < n; j++) x[j] += sde[j] * sigmaNext * sNoise
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
