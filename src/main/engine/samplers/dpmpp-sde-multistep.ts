/**
 * Multistep DPM-Solver++ SDE samplers (2M SDE, 3M SDE). Each step is the exact solution of the linear part
 * of the SDE over h in lambda = −log sigma for a constant x0-estimate, plus finite-difference corrections
 * from earlier estimates, plus exactly scaled fresh noise. With eta = 0 they reduce to ODE solvers.
 * Our denoisers are in the x = x0 + sigma·n form, so alpha = 1 throughout.
 */
import type { Sampler, Tensor } from '../types'
import { EngineInputError } from '../types'
import { readEtaNoise } from './options'

/** x += noise · sigmaNext · sqrt(1 − e^{−2 h eta}) · s_noise: the variance the SDE injects over the step. */
function addSdeNoise(x: Tensor, noise: Tensor, sigmaNext: number, h: number, eta: number, sNoise: number): void {
  const scale = sigmaNext * Math.sqrt(-Math.expm1(-2 * h * eta)) * sNoise
  for (let j = 0; j < x.length; j++) x[j] += noise[j] * scale
}

/** DPM-Solver++(2M) SDE (Lu et al. 2022, "DPM-Solver++", SDE variant as in k-diffusion), options eta (1), s_noise (1), solver_type 'midpoint' | 'heun'. */
export const sampleDpmpp2mSde: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise(ctx.options)
  const solverType = ctx.options?.solver_type ?? 'midpoint'
  if (solverType !== 'midpoint' && solverType !== 'heun') {
    throw new EngineInputError(`sampler option solver_type must be 'midpoint' or 'heun', got ${String(solverType)}`)
  }
  const x = Float64Array.from(x0)
  const n = x.length
  const steps = sigmas.length - 1
  let oldDenoised: Tensor | null = null
  let hLast = 0
  let h = 0
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    if (sigmaNext === 0) {
      // Denoising step.
      x.set(denoised)
    } else {
      h = Math.log(sigma) - Math.log(sigmaNext)
      const hEta = h * (eta + 1)
      const a = (sigmaNext / sigma) * Math.exp(-h * eta)
      const b = -Math.expm1(-hEta)
      // The correction needs a previous estimate and two non-degenerate steps (a repeated sigma gives h = 0,
      // where the reference would divide by zero).
      if (oldDenoised !== null && hLast > 0 && h > 0) {
        const invR = h / hLast
        // midpoint: half the first-order weight; heun: the exact phi_2-type weight for a linear D in lambda.
        const c = solverType === 'heun' ? (b / -hEta + 1) * invR : 0.5 * b * invR
        const old: Tensor = oldDenoised
        for (let j = 0; j < n; j++) x[j] = a * x[j] + b * denoised[j] + c * (denoised[j] - old[j])
      } else {
        for (let j = 0; j < n; j++) x[j] = a * x[j] + b * denoised[j]
      }
      if (eta > 0 && sNoise > 0) addSdeNoise(x, ctx.noise.next(sigma, sigmaNext), sigmaNext, h, eta, sNoise)
    }
    oldDenoised = denoised
    hLast = h
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}

/** DPM-Solver++(3M) SDE (Lu et al. 2022, third-order multistep, SDE variant as in k-diffusion), options eta (1), s_noise (1). */
export const sampleDpmpp3mSde: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise(ctx.options)
  const x = Float64Array.from(x0)
  const n = x.length
  const steps = sigmas.length - 1
  // The two previous estimates and step sizes (0 = none yet).
  let den1: Tensor | null = null
  let den2: Tensor | null = null
  let h = 0
  let h1 = 0
  let h2 = 0
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    if (sigmaNext === 0) {
      // Denoising step.
      x.set(denoised)
    } else {
      h = Math.log(sigma) - Math.log(sigmaNext)
      const hEta = h * (eta + 1)
      const a = (sigmaNext / sigma) * Math.exp(-h * eta)
      const b = -Math.expm1(-hEta)
      // phi_2 and phi_3 weights of the exponential integrator for the first and second divided differences.
      const phi2 = Math.expm1(-hEta) / hEta + 1
      const phi3 = phi2 / hEta - 0.5
      if (den1 !== null && den2 !== null && h > 0 && h1 > 0 && h2 > 0) {
        // Third order: first and second divided differences of D in lambda, scaled to the current step.
        const r0 = h1 / h
        const r1 = h2 / h
        const q = r0 / (r0 + r1)
        const inv01 = 1 / (r0 + r1)
        const p: Tensor = den1
        const pp: Tensor = den2
        for (let j = 0; j < n; j++) {
          const d10 = (denoised[j] - p[j]) / r0
          const d11 = (p[j] - pp[j]) / r1
          const d1 = d10 + (d10 - d11) * q
          const d2 = (d10 - d11) * inv01
          x[j] = a * x[j] + b * denoised[j] + phi2 * d1 - phi3 * d2
        }
      } else if (den1 !== null && h > 0 && h1 > 0) {
        // Second order with one previous estimate.
        const invR = h / h1
        const p: Tensor = den1
        for (let j = 0; j < n; j++) x[j] = a * x[j] + b * denoised[j] + phi2 * (denoised[j] - p[j]) * invR
      } else {
        for (let j = 0; j < n; j++) x[j] = a * x[j] + b * denoised[j]
      }
      if (eta > 0 && sNoise > 0) addSdeNoise(x, ctx.noise.next(sigma, sigmaNext), sigmaNext, h, eta, sNoise)
    }
    den2 = den1
    den1 = denoised
    h2 = h1
    h1 = h
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
