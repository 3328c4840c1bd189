/**
 * DPM-Solver++(2M): a two-step multistep exponential integrator in t = −log sigma that reuses the previous
 * step's x0-estimate instead of a second model call.
 */
import { clone } from '../ops'
import type { Sampler, Tensor } from '../types'

/** DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic Models", Algorithm 2). */
export const sampleDpmpp2m: Sampler = async (denoise, x0, sigmas, ctx) => {
  const x = clone(x0)
  const n = x.length
  const steps = sigmas.length - 1
  let oldDenoised: Tensor | null = null
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    const t = -Math.log(sigma)
    // sigmaNext = 0 gives h = ∞: ratio 0 and weight 1, i.e. x becomes the estimate.
    const h = -Math.log(sigmaNext) - t
    const ratio = sigmaNext / sigma
    const b = -Math.expm1(-h)
    const hLast = i > 0 ? t + Math.log(sigmas[i - 1]) : 0
    // A zero-length step (repeated sigma) carries no slope information; fall back to first order there
    // rather than dividing by zero (the reference would produce NaN).
    if (oldDenoised === null || sigmaNext === 0 || !(hLast > 0) || !(h > 0)) {
      for (let j = 0; j < n; j++) x[j] = ratio * x[j] + b * denoised[j]
    } else {
      // Linear extrapolation of D in t to the step's midpoint: D_d = (1 + 1/(2r)) D − 1/(2r) D_old, r = h_last / h.
      const q = h / (2 * hLast)
      const c0 = b * (1 + q)
      const c1 = -b * q
      const old: Tensor = oldDenoised
      for (let j = 0; j < n; j++) x[j] = ratio * x[j] + c0 * denoised[j] + c1 * old[j]
    }
    // The denoiser hands over ownership of its result, so keeping it costs no copy.
    oldDenoised = denoised
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
