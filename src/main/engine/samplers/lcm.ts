/** Latent Consistency Model multistep sampling (ComfyUI's `lcm`). */
import { clone } from '../ops'
import type { Sampler } from '../types'
import { addNoise, numberOption } from './step-helpers'

/**
 * LCM multistep sampling (Luo et al. 2023, Algorithm 1): each step jumps straight to the model's x0
 * estimate and re-noises it to the next sigma with fresh noise (x = x0 + sigmaNext*s_noise*z).
 * Options: `s_noise` (default 1). One noise array per step not ending at 0.
 */
export const sampleLcm: Sampler = async (denoise, input, sigmas, ctx) => {
  const sNoise = numberOption('lcm', ctx.options, 's_noise', 1)
  const x = clone(input)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    x.set(denoised)
    if (sigmaNext > 0) addNoise(x, sigmaNext * sNoise, ctx.noise.next(sigma, sigmaNext))
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
