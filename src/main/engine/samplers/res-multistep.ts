/**
 * RES multistep (ComfyUI `res_multistep` and its ancestral and CFG++ forms): the second-order refined
 * exponential solver of Zhang, Cheng et al. 2023 ("Improved order analysis and design of exponential
 * integrator for diffusion models", arXiv:2308.02157) in t = −log sigma, stepping to the ancestral
 * sigmaDown and adding sigmaUp of fresh noise. The first step, and a step landing on 0, is first order.
 * Like the reference, a noise array is drawn on every step whose sigmaNext > 0 even where eta = 0 gives
 * it size 0, so the noise stream stays aligned with ComfyUI.
 */
import { clone } from '../ops'
import type { Sampler, Tensor } from '../types'
import { ancestralStep } from './ancestral'
import { numberOption, readEtaNoise } from './options'

/** torch.nan_to_num: NaN → 0, ±∞ → ±the largest double (how the reference keeps its coefficients finite). */
function nanToNum(v: number): number {
  if (Number.isNaN(v)) return 0
  if (v === Infinity) return Number.MAX_VALUE
  if (v === -Infinity) return -Number.MAX_VALUE
  return v
}

function resMultistep(name: string, ancestral: boolean, cfgPp: boolean): Sampler {
  return async (denoise, input, sigmas, ctx) => {
    const { eta, sNoise } = ancestral ? readEtaNoise(name, ctx.options) : { eta: 0, sNoise: numberOption(name, ctx.options, 's_noise', 1, { min: 0 }) }
    const x = clone(input)
    const n = x.length
    const steps = sigmas.length - 1
    let oldDenoised: Tensor | undefined
    let oldSigmaDown = 0
    for (let i = 0; i < steps; i++) {
      const sigma = sigmas[i]
      const sigmaNext = sigmas[i + 1]
      const denoised = await denoise(x, sigma)
      const u = cfgPp ? ctx.uncond!.last() : denoised
      const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta)
      let firstOrder = sigmaDown === 0 || oldDenoised === undefined
      if (!firstOrder) {
        const t = -Math.log(sigma)
        const tOld = -Math.log(oldSigmaDown)
        const h = -Math.log(sigmaDown) - t
        const tPrev = -Math.log(sigmas[i - 1])
        // c2 places the previous estimate relative to this step. σ_down = 0 at an earlier step (eta > 1) gives
        // t_old = ∞ and c2 = −∞, which the reference's nan_to_num turns into b2 = −0, b1 = φ1.
        const c2 = (tPrev - tOld) / h
        if (c2 === 0) {
          // A repeated sigma: no usable second-order coefficients (the reference would overflow); first order.
          firstOrder = true
        } else {
          const phi1 = Math.expm1(-h) / -h
          const phi2 = (phi1 - 1) / -h
          const b1 = nanToNum(phi1 - phi2 / c2)
          const b2 = nanToNum(phi2 / c2)
          const e = Math.exp(-h)
          const old: Tensor = oldDenoised!
          if (cfgPp) for (let j = 0; j < n; j++) x[j] = e * (x[j] + (denoised[j] - u[j])) + h * (b1 * u[j] + b2 * old[j])
          else for (let j = 0; j < n; j++) x[j] = e * x[j] + h * (b1 * denoised[j] + b2 * old[j])
        }
      }
      if (firstOrder) {
        if (cfgPp) {
          const k = sigmaDown / sigma
          for (let j = 0; j < n; j++) x[j] = denoised[j] + (x[j] - u[j]) * k
        } else {
          const k = (sigmaDown - sigma) / sigma
          for (let j = 0; j < n; j++) x[j] += (x[j] - denoised[j]) * k
        }
      }
      if (sigmaNext > 0) {
        const noise = ctx.noise.next(sigma, sigmaNext)
        const up = sNoise * sigmaUp
        if (up !== 0) for (let j = 0; j < n; j++) x[j] += noise[j] * up
      }
      ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
      oldDenoised = u
      oldSigmaDown = sigmaDown
    }
    return x
  }
}

export const sampleResMultistep = resMultistep('res_multistep', false, false)
export const sampleResMultistepCfgPp = resMultistep('res_multistep_cfg_pp', false, true)
export const sampleResMultistepAncestral = resMultistep('res_multistep_ancestral', true, false)
export const sampleResMultistepAncestralCfgPp = resMultistep('res_multistep_ancestral_cfg_pp', true, true)
