/** DDPM ancestral sampling on an arbitrary sigma list (ComfyUI's `ddpm`). */
import { clone } from '../ops'
import type { Sampler } from '../types'

/**
 * DDPM (Ho, Jain & Abbeel 2020, Algorithm 2): one step of the Gaussian posterior
 * q(x_prev | x_t, x0) with x0 replaced by the model's estimate, with alpha-bar = 1/(1+sigma^2) at both
 * ends of the step so any sigma list works. The state is moved to VP scale (x/sqrt(1+sigma^2)) for the
 * step and back (times sqrt(1+sigmaNext^2)) afterwards. One noise array per step not ending at 0.
 */
export const sampleDdpm: Sampler = async (denoise, input, sigmas, ctx) => {
  const x = clone(input)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    if (sigmaNext === 0) {
      // With alpha-bar_prev = 1 the posterior mean is exactly the x0 estimate and its variance is 0.
      x.set(denoised)
    } else {
      const s2 = sigma * sigma
      const p2 = sigmaNext * sigmaNext
      const abar = 1 / (1 + s2)
      const abarPrev = 1 / (1 + p2)
      const alpha = abar / abarPrev
      // 1 - alpha-bar written as s2/(1+s2) so small sigmas do not lose digits to cancellation.
      const oneMinusAbar = s2 / (1 + s2)
      const oneMinusAbarPrev = p2 / (1 + p2)
      // mu = (x_vp - (1 - alpha)/sqrt(1 - abar) * eps) / sqrt(alpha), x_vp = x/sqrt(1+s2), eps = (x - denoised)/sigma;
      // then back to the x = x0 + sigma*n scale by sqrt(1 + p2).
      const back = Math.sqrt(1 + p2)
      const cVp = back / (Math.sqrt(alpha) * Math.sqrt(1 + s2))
      const cEps = (-back * (1 - alpha)) / (Math.sqrt(oneMinusAbar) * Math.sqrt(alpha))
      const cx = cVp + cEps / sigma
      const cd = -cEps / sigma
      // Posterior standard deviation (beta-tilde), in the same rescaled units; added in the same pass.
      const std = Math.sqrt(((1 - alpha) * oneMinusAbarPrev) / oneMinusAbar)
      const scale = back * std
      const noise = ctx.noise.next(sigma, sigmaNext)
      for (let j = 0; j < x.length; j++) x[j] = cx * x[j] + cd * denoised[j] + scale * noise[j]
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
