/**
 * DPM-Solver++(2S) with ancestral noise. In the data-prediction form with t = −log sigma, a first-order
 * step from t to t' is x' = (sigma'/sigma)·x − expm1(−(t' − t))·D: an exponential integrator, exact for a
 * constant x0-estimate.
 */
import { clone } from '../ops'
import type { Sampler } from '../types'
import { addNoise, ancestralStep } from './ancestral'
import { readEtaNoise } from './options'

/** Ancestral sampling with DPM-Solver++(2S) second-order single-step updates (Lu et al. 2022, "DPM-Solver++", Algorithm 1 with r = 1/2). */
export const sampleDpmpp2sAncestral: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise('dpmpp_2s_ancestral', ctx.options)
  const x = clone(x0)
  const n = x.length
  const xMid = new Float64Array(n)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta)
    // Noise is added whenever the target level is above 0, even when eta = 0 makes it a zero multiple.
    const up = sNoise * sigmaUp
    if (sigmaDown === 0) {
      // An Euler step to 0 is the x0-estimate.
      x.set(denoised)
      if (sigmaNext > 0) addNoise(x, up, ctx.noise.next(sigma, sigmaNext))
    } else {
      const t = -Math.log(sigma)
      const h = -Math.log(sigmaDown) - t
      // Intermediate point halfway in log sigma.
      const sigmaMid = Math.exp(-(t + 0.5 * h))
      const a1 = sigmaMid / sigma
      const b1 = -Math.expm1(-0.5 * h)
      for (let j = 0; j < n; j++) xMid[j] = a1 * x[j] + b1 * denoised[j]
      const denoisedMid = await denoise(xMid, sigmaMid)
      // Full step with the midpoint estimate, and the fresh noise in the same pass.
      const a = Math.exp(-h)
      const b = -Math.expm1(-h)
      if (sigmaNext > 0) {
        const noise = ctx.noise.next(sigma, sigmaNext)
        for (let j = 0; j < n; j++) x[j] = a * x[j] + b * denoisedMid[j] + noise[j] * up
      } else {
        for (let j = 0; j < n; j++) x[j] = a * x[j] + b * denoisedMid[j]
      }
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
