/**
 * First-order samplers: Euler on the probability-flow ODE (with optional Karras churn) and its ancestral
 * (stochastic) variant. Both update x in place in one fused loop per step, so their per-step cost is a
 * single pass over the latent.
 */
import { clone } from '../ops'
import type { Sampler } from '../types'
import { ancestralStep } from './ancestral'
import { churnStep, readChurn } from './churn'
import { readEtaNoise } from './options'

/** Euler steps with optional churn: Algorithm 2 of Karras et al. (2022), "Elucidating the Design Space of Diffusion-Based Generative Models". */
export const sampleEuler: Sampler = async (denoise, x0, sigmas, ctx) => {
  const churn = readChurn('euler', ctx.options)
  const x = clone(x0)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const sigmaHat = churnStep(churn, x, sigmas, i, ctx.noise)
    const denoised = await denoise(x, sigmaHat)
    // x += d · dt with d = (x − D) / sigmaHat and dt = sigmaNext − sigmaHat, folded into one factor.
    const k = (sigmaNext - sigmaHat) / sigmaHat
    for (let j = 0; j < x.length; j++) x[j] += (x[j] - denoised[j]) * k
    ctx.onStep?.({ i, steps, sigma, sigmaHat, denoised, x })
  }
  return x
}

/** Ancestral sampling with Euler steps (k-diffusion `sample_euler_ancestral`): an Euler step down to sigmaDown, then fresh noise up to sigmaNext. */
export const sampleEulerAncestral: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise('euler_ancestral', ctx.options)
  const x = clone(x0)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta)
    if (sigmaDown === 0) {
      // Landing on sigma 0: the step is the x0-estimate itself, and no noise is drawn.
      x.set(denoised)
    } else {
      const k = (sigmaDown - sigma) / sigma
      const noise = ctx.noise.next(sigma, sigmaNext)
      const up = sNoise * sigmaUp
      for (let j = 0; j < x.length; j++) x[j] += (x[j] - denoised[j]) * k + noise[j] * up
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
