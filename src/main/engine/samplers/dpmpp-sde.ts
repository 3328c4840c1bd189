/**
 * DPM-Solver++ (stochastic), "dpmpp_sde": a two-stage single-step solver in lambda = −log sigma with ancestral
 * noise added after each stage. Our denoisers are in the x = x0 + sigma·n form, so alpha = 1 throughout.
 */
import { clone } from '../ops'
import type { Sampler } from '../types'
import { ancestralStep } from './ancestral'
import { numberOption, readEtaNoise } from './options'

/** DPM-Solver++ stochastic second-order single-step sampler (Lu et al. 2022; k-diffusion `sample_dpmpp_sde`), options eta, s_noise, r (default 1/2). */
export const sampleDpmppSde: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise('dpmpp_sde', ctx.options)
  const r = numberOption('dpmpp_sde', ctx.options, 'r', 0.5, { above: 0, max: 1 })
  const fac = 1 / (2 * r)
  const noisy = eta > 0 && sNoise > 0
  const x = clone(x0)
  const n = x.length
  const x2 = new Float64Array(n)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    if (sigmaNext === 0) {
      // Denoising step.
      x.set(denoised)
    } else {
      const lambdaS = -Math.log(sigma)
      const h = -Math.log(sigmaNext) - lambdaS
      const lambdaS1 = lambdaS + r * h
      const sigmaS1 = Math.exp(-lambdaS1)

      // Stage 1: deterministic part of the step to the intermediate level, plus its share of fresh noise.
      const st1 = ancestralStep(sigma, sigmaS1, eta)
      const h1 = -Math.log(st1.sigmaDown) - lambdaS
      const a1 = Math.exp(-h1)
      const b1 = -Math.expm1(-h1)
      if (noisy) {
        const noise = ctx.noise.next(sigma, sigmaS1)
        const up = sNoise * st1.sigmaUp
        for (let j = 0; j < n; j++) x2[j] = a1 * x[j] + b1 * denoised[j] + noise[j] * up
      } else {
        for (let j = 0; j < n; j++) x2[j] = a1 * x[j] + b1 * denoised[j]
      }
      const denoised2 = await denoise(x2, sigmaS1)

      // Stage 2: the full step with the estimates blended so the update is second order in h.
      const st2 = ancestralStep(sigma, sigmaNext, eta)
      const h2 = -Math.log(st2.sigmaDown) - lambdaS
      const a2 = Math.exp(-h2)
      const b2 = -Math.expm1(-h2)
      const c0 = b2 * (1 - fac)
      const c1 = b2 * fac
      if (noisy) {
        const noise = ctx.noise.next(sigma, sigmaNext)
        const up = sNoise * st2.sigmaUp
        for (let j = 0; j < n; j++) x[j] = a2 * x[j] + c0 * denoised[j] + c1 * denoised2[j] + noise[j] * up
      } else {
        for (let j = 0; j < n; j++) x[j] = a2 * x[j] + c0 * denoised[j] + c1 * denoised2[j]
      }
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
