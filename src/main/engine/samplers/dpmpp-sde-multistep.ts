/**
 * Multistep DPM-Solver++ SDE samplers (2M SDE, 3M SDE). Each step is the exact solution of the linear part
 * of the SDE over h in lambda = −log sigma for a constant x0-estimate, plus finite-difference corrections
 * from earlier estimates, plus exactly scaled fresh noise. With eta = 0 they reduce to ODE solvers.
 * Our denoisers are in the x = x0 + sigma·n form, so alpha = 1 throughout.
 */
import { clone } from '../ops'
import type { NoiseSource, Sampler, Tensor } from '../types'
import { choiceOption, readEtaNoise } from './options'

const NONE = new Float64Array(0)

/**
 * The fresh noise of an SDE step and its size sigmaNext · sqrt(1 − e^{−2 h eta}) · s_noise (the variance the SDE
 * injects over the step). With eta or s_noise 0 nothing is drawn and `noisy` is false. The caller adds
 * scale · noise in its update pass.
 */
function sdeNoise(
  source: NoiseSource,
  sigma: number,
  sigmaNext: number,
  h: number,
  eta: number,
  sNoise: number
): { noisy: boolean; noise: Tensor; scale: number } {
  if (!(eta > 0 && sNoise > 0)) return { noisy: false, noise: NONE, scale: 0 }
  return { noisy: true, noise: source.next(sigma, sigmaNext), scale: sigmaNext * Math.sqrt(-Math.expm1(-2 * h * eta)) * sNoise }
}

/** DPM-Solver++(2M) SDE (Lu et al. 2022, "DPM-Solver++", SDE variant as in k-diffusion), options eta (1), s_noise (1), solver_type 'midpoint' | 'heun'. */
export const sampleDpmpp2mSde: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise('dpmpp_2m_sde', ctx.options)
  const solverType = choiceOption('dpmpp_2m_sde', ctx.options, 'solver_type', ['midpoint', 'heun'])
  const x = clone(x0)
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
        const { noisy, noise, scale } = sdeNoise(ctx.noise, sigma, sigmaNext, h, eta, sNoise)
        for (let j = 0; j < n; j++) {
          const v = a * x[j] + b * denoised[j] + c * (denoised[j] - old[j])
          x[j] = noisy ? v + noise[j] * scale : v
        }
      } else {
        const { noisy, noise, scale } = sdeNoise(ctx.noise, sigma, sigmaNext, h, eta, sNoise)
        for (let j = 0; j < n; j++) {
          const v = a * x[j] + b * denoised[j]
          x[j] = noisy ? v + noise[j] * scale : v
        }
      }
    }
    oldDenoised = denoised
    hLast = h
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}

/** DPM-Solver++(2M) SDE with the Heun-type weight (ComfyUI `dpmpp_2m_sde_heun`), options eta (1), s_noise (1). */
export const sampleDpmpp2mSdeHeun: Sampler = (denoise, x0, sigmas, ctx) =>
  sampleDpmpp2mSde(denoise, x0, sigmas, { ...ctx, options: { ...ctx.options, solver_type: 'heun' } })

/** DPM-Solver++(3M) SDE (Lu et al. 2022, third-order multistep, SDE variant as in k-diffusion), options eta (1), s_noise (1). */
export const sampleDpmpp3mSde: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise('dpmpp_3m_sde', ctx.options)
  const x = clone(x0)
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
      const { noisy, noise, scale } = sdeNoise(ctx.noise, sigma, sigmaNext, h, eta, sNoise)
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
          const v = a * x[j] + b * denoised[j] + phi2 * d1 - phi3 * d2
          x[j] = noisy ? v + noise[j] * scale : v
        }
      } else if (den1 !== null && h > 0 && h1 > 0) {
        // Second order with one previous estimate.
        const invR = h / h1
        const p: Tensor = den1
        for (let j = 0; j < n; j++) {
          const v = a * x[j] + b * denoised[j] + phi2 * (denoised[j] - p[j]) * invR
          x[j] = noisy ? v + noise[j] * scale : v
        }
      } else {
        for (let j = 0; j < n; j++) {
          const v = a * x[j] + b * denoised[j]
          x[j] = noisy ? v + noise[j] * scale : v
        }
      }
    }
    den2 = den1
    den1 = denoised
    h2 = h1
    h1 = h
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
