/** Latent Consistency Model multistep sampling (ComfyUI's `lcm`). */
import { clone } from '../ops'
import type { Sampler } from '../types'
import { numberOption } from './options'

/**
 * LCM multistep sampling (Luo et al. 2023, Algorithm 1): each step jumps straight to the model's x0
 * estimate and re-noises it to the next sigma with fresh noise (x = x0 + sigmaNext*s_noise*z).
 * Options: `s_noise` (default 1). One noise array per step not ending at 0.
 */
export const sampleLcm: Sampler = async (denoise, input, sigmas, ctx) => {
  const sNoise = numberOption('lcm', ctx.options, 's_noise', 1, { min: 0 })
  const x = clone(input)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    if (sigmaNext > 0) {
      const scale = sigmaNext * sNoise
      const noise = ctx.noise.next(sigma, sigmaNext)
      for (let j = 0; j < x.length; j++) x[j] = denoised[j] + scale * noise[j]
    } else {
      x.set(denoised)
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
