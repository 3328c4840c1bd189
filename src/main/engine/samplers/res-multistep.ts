/** RES multistep: the second-order refined exponential solver (ComfyUI's `res_multistep`). */
import { clone, lincomb3 } from '../ops'
import type { Sampler, Tensor } from '../types'
import { shrinkTowards } from './ancestral'
import { numberOption } from './options'

/** phi_1(z) = (e^z - 1)/z. */
function phi1(z: number): number {
  return Math.expm1(z) / z
}

/** phi_2(z) = (phi_1(z) - 1)/z. */
function phi2(z: number): number {
  return (phi1(z) - 1) / z
}

/**
 * The RES second-order multistep update (Zhang, Cheng et al. 2023, "Improved order analysis and design
 * of exponential integrator for diffusion models", arXiv:2308.02157) in t = -log(sigma), as ComfyUI's
 * `res_multistep` runs it (eta = 0). The first step, and any step ending at 0, is a first-order (DDIM)
 * step. Like the reference, a noise array is drawn on every step whose sigmaNext > 0 even though eta = 0
 * gives it size 0, so the noise stream stays aligned with ComfyUI. Options: `s_noise` (checked; inert at eta 0).
 */
export const sampleResMultistep: Sampler = async (denoise, input, sigmas, ctx) => {
  numberOption('res_multistep', ctx.options, 's_noise', 1, { min: 0 })
  const x = clone(input)
  const steps = sigmas.length - 1
  let oldDenoised: Tensor | undefined
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    let firstOrder = true
    if (sigmaNext !== 0 && oldDenoised) {
      const t = -Math.log(sigma)
      const tNext = -Math.log(sigmaNext)
      const tPrev = -Math.log(sigmas[i - 1])
      const h = tNext - t
      // c2 places the previous x0 estimate relative to this step (negative: it lies in the past).
      const c2 = (tPrev - t) / h
      // A repeated sigma (c2 = 0) or a zero-length step (h = 0) gives no usable second-order coefficients;
      // the first-order step is then exact (h = 0 leaves x unchanged, as the reference's zeroed NaN
      // coefficients do) or the safe fallback.
      if (c2 !== 0 && Number.isFinite(c2)) {
        const b2 = phi2(-h) / c2
        const b1 = phi1(-h) - b2
        lincomb3(Math.exp(-h), x, h * b1, denoised, h * b2, oldDenoised, x)
        firstOrder = false
      }
    }
    if (firstOrder) shrinkTowards(x, denoised, sigma, sigmaNext)
    if (sigmaNext > 0) ctx.noise.next(sigma, sigmaNext)
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
    oldDenoised = denoised
  }
  return x
}
