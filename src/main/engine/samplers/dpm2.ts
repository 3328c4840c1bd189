/**
 * DPM-Solver-2-style samplers in the Karras ODE form: the slope is re-evaluated at the geometric midpoint of
 * the step (the midpoint in log sigma) and used for the whole step.
 */
import { clone, eulerPredict } from '../ops'
import type { Denoiser, Sampler, Tensor } from '../types'
import { ancestralStep } from './ancestral'
import { churnStep, readChurn } from './churn'
import { readEtaNoise } from './options'

/** exp(lerp(log a, log b, 1/2)): the midpoint of [b, a] in log sigma, computed as the reference does. */
function logMidpoint(a: number, b: number): number {
  const la = Math.log(a)
  return Math.exp(la + 0.5 * (Math.log(b) - la))
}

/**
 * One midpoint step from sigmaFrom to sigmaTo (> 0) given D(x, sigmaFrom), in place on x:
 * d = (x − D)/sigmaFrom, x_mid = x + d·(sigmaMid − sigmaFrom), then x += d_mid·(sigmaTo − sigmaFrom),
 * plus noiseScale · drawNoise() in the same pass when `drawNoise` is given (the ancestral variant). The noise
 * is drawn after the midpoint's model call, as the reference does: a denoiser may draw from the same stream.
 */
async function midpointStep(
  denoise: Denoiser,
  x: Tensor,
  denoised: Tensor,
  sigmaFrom: number,
  sigmaTo: number,
  d: Tensor,
  xMid: Tensor,
  drawNoise?: () => Tensor,
  noiseScale = 0
): Promise<void> {
  const n = x.length
  const sigmaMid = logMidpoint(sigmaFrom, sigmaTo)
  eulerPredict(x, denoised, sigmaFrom, sigmaMid - sigmaFrom, d, xMid)
  const denMid = await denoise(xMid, sigmaMid)
  const k = (sigmaTo - sigmaFrom) / sigmaMid
  if (drawNoise) {
    const noise = drawNoise()
    for (let j = 0; j < n; j++) x[j] = x[j] + (xMid[j] - denMid[j]) * k + noise[j] * noiseScale
  } else {
    for (let j = 0; j < n; j++) x[j] += (xMid[j] - denMid[j]) * k
  }
}

/** DPM-Solver-2 steps (Lu et al. 2022) in the form of Algorithm 2 of Karras et al. (2022), with optional churn. */
export const sampleDpm2: Sampler = async (denoise, x0, sigmas, ctx) => {
  const churn = readChurn('dpm_2', ctx.options)
  const x = clone(x0)
  const d = new Float64Array(x.length)
  const xMid = new Float64Array(x.length)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const sigmaHat = churnStep(churn, x, sigmas, i, ctx.noise)
    const denoised = await denoise(x, sigmaHat)
    if (sigmaNext === 0) {
      // log 0 has no midpoint: the last step is an Euler step.
      const k = (sigmaNext - sigmaHat) / sigmaHat
      for (let j = 0; j < x.length; j++) x[j] += (x[j] - denoised[j]) * k
    } else {
      await midpointStep(denoise, x, denoised, sigmaHat, sigmaNext, d, xMid)
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat, denoised, x })
  }
  return x
}

/** Ancestral sampling with DPM-Solver-2 steps (k-diffusion `sample_dpm_2_ancestral`): a midpoint step down to sigmaDown, then fresh noise. */
export const sampleDpm2Ancestral: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise('dpm_2_ancestral', ctx.options)
  const x = clone(x0)
  const d = new Float64Array(x.length)
  const xMid = new Float64Array(x.length)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta)
    if (sigmaDown === 0) {
      // An Euler step all the way to 0 lands exactly on the x0-estimate; no noise is drawn.
      x.set(denoised)
    } else {
      const drawNoise = (): Tensor => ctx.noise.next(sigma, sigmaNext)
      await midpointStep(denoise, x, denoised, sigma, sigmaDown, d, xMid, drawNoise, sNoise * sigmaUp)
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
