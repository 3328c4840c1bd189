/**
 * DDIM: denoising diffusion implicit models (Song, Meng & Ermon 2021), with its eta family of
 * generalised (non-Markovian) reverse processes.
 */
import { clone } from '../ops'
import type { Sampler } from '../types'
import { ancestralStep, shrinkTowards } from './ancestral'
import { numberOption } from './options'

/**
 * DDIM (Song et al. 2021, eq. 12) in the x = x0 + sigma*n form. Options: `eta` (default 0).
 *
 * With alpha-bar = 1/(1+sigma^2), DDIM's sigma_t(eta) = eta*sqrt((1-abar_prev)/(1-abar))*sqrt(1-abar/abar_prev),
 * divided by sqrt(abar_prev) to leave VP scaling, becomes up = eta*sigmaNext*sqrt(sigma^2-sigmaNext^2)/sigma,
 * and the deterministic part keeps the predicted noise at level down = sqrt(sigmaNext^2 - up^2).
 * eta = 0 is deterministic DDIM (in sigma space the same step as Euler); eta = 1 is DDPM's posterior
 * variance. eta > 1 is capped at up = sigmaNext (the formula would otherwise ask for an imaginary down).
 * Noise is drawn only when eta > 0, once per step that does not end at sigma 0.
 */
export const sampleDdim: Sampler = async (denoise, input, sigmas, ctx) => {
  const eta = numberOption('ddim', ctx.options, 'eta', 0, { min: 0 })
  const x = clone(input)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    if (sigmaNext === 0) {
      // The last step lands on the clean estimate itself.
      x.set(denoised)
    } else {
      const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta)
      const noise = eta > 0 ? ctx.noise.next(sigma, sigmaNext) : undefined
      shrinkTowards(x, denoised, sigma, sigmaDown, noise, sigmaUp)
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
