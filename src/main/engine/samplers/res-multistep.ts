/** RES multistep: the second-order refined exponential solver (ComfyUI's `res_multistep`). */
import { clone } from '../ops'
import type { Denoiser, SamplerContext, Sampler, Tensor } from '../types'
import { addNoise, ancestralStep, combineInto, numberOption, shrinkTowards } from './step-helpers'

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
 * of exponential integrator for diffusion models", arXiv:2308.02157) in t = -log(sigma), with ancestral
 * noise of size `eta` (the registered sampler uses eta = 0). The first step, and any step ending at 0,
 * is a first-order (Euler) step. Like the reference, a noise array is drawn on every step whose
 * sigmaNext > 0 even when its size is 0, so the noise stream stays aligned with ComfyUI.
 */
export async function resMultistep(
  name: string,
  denoise: Denoiser,
  input: Tensor,
  sigmas: ArrayLike<number>,
  ctx: SamplerContext,
  eta: number
): Promise<Tensor> {
  const sNoise = numberOption(name, ctx.options, 's_noise', 1)
  const x = clone(input)
  const steps = sigmas.length - 1
  let oldDenoised: Tensor | undefined
  let oldSigmaDown = 0
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    const { down, up } = ancestralStep(sigma, sigmaNext, eta)
    let firstOrder = down === 0 || oldDenoised === undefined
    if (!firstOrder && oldDenoised) {
      const t = -Math.log(sigma)
      const tOld = -Math.log(oldSigmaDown)
      const tNext = -Math.log(down)
      const tPrev = -Math.log(sigmas[i - 1])
      const h = tNext - t
      // c2 places the previous x0 estimate relative to this step (negative: it lies in the past).
      const c2 = (tPrev - tOld) / h
      if (c2 === 0 || !Number.isFinite(c2)) {
        // A repeated sigma (c2 = 0) or a zero-length step (h = 0) gives no usable second-order
        // coefficients; the first-order step is then exact (h = 0 leaves x unchanged, as the reference's
        // zeroed NaN coefficients do) or the safe fallback.
        firstOrder = true
      } else {
        const b2 = phi2(-h) / c2
        const b1 = phi1(-h) - b2
        combineInto(x, [Math.exp(-h), h * b1, h * b2], [x, denoised, oldDenoised])
      }
    }
    if (firstOrder) shrinkTowards(x, denoised, sigma, down)
    if (sigmaNext > 0) addNoise(x, sNoise * up, ctx.noise.next(sigma, sigmaNext))
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
    oldDenoised = denoised
    oldSigmaDown = down
  }
  return x
}

/** RES multistep with eta = 0 (ComfyUI's `res_multistep`). Options: `s_noise` (inert at eta 0). */
export const sampleResMultistep: Sampler = (denoise, x, sigmas, ctx) => resMultistep('res_multistep', denoise, x, sigmas, ctx, 0)
