/**
 * Heun-type samplers: Karras et al.'s second-order Heun method and Heun++ ("heunpp2"), which averages the
 * slopes at up to three points with weights that depend on the noise level. Work buffers are allocated once
 * per run and reused every step.
 */
import { clone, eulerPredict } from '../ops'
import type { Sampler } from '../types'
import { addChurnNoise, churnGamma, churnStep, readChurn } from './churn'

/** Heun steps with optional churn: Algorithm 2 of Karras et al. (2022), "Elucidating the Design Space of Diffusion-Based Generative Models". */
export const sampleHeun: Sampler = async (denoise, x0, sigmas, ctx) => {
  const churn = readChurn('heun', ctx.options)
  const x = clone(x0)
  const n = x.length
  const d = new Float64Array(n)
  const x2 = new Float64Array(n)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const sigmaHat = churnStep(churn, x, sigmas, i, ctx.noise)
    const denoised = await denoise(x, sigmaHat)
    const dt = sigmaNext - sigmaHat
    if (sigmaNext === 0) {
      // The slope at sigma 0 is undefined, so the last step is a plain Euler step.
      const k = dt / sigmaHat
      for (let j = 0; j < n; j++) x[j] += (x[j] - denoised[j]) * k
    } else {
      // Heun's method: Euler predictor to sigmaNext, then the average of both slopes.
      eulerPredict(x, denoised, sigmaHat, dt, d, x2)
      const denoised2 = await denoise(x2, sigmaNext)
      const inv2 = 1 / sigmaNext
      const half = 0.5 * dt
      for (let j = 0; j < n; j++) x[j] += (d[j] + (x2[j] - denoised2[j]) * inv2) * half
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat, denoised, x })
  }
  return x
}

/**
 * Heun++ (Carzit's sd-webui-samplers-scheduler "heunpp2", as in ComfyUI): Euler on the last step, a
 * weighted two-slope step on the one before, and a three-slope step elsewhere, with weights sigma_k / (m · sigma_0).
 * Draws one noise array every step, churn or not: that reference quirk keeps seeds comparable with ComfyUI.
 */
export const sampleHeunpp2: Sampler = async (denoise, x0, sigmas, ctx) => {
  const churn = readChurn('heunpp2', ctx.options)
  const x = clone(x0)
  const n = x.length
  const d = new Float64Array(n)
  const x2 = new Float64Array(n)
  const d2 = new Float64Array(n)
  const x3 = new Float64Array(n)
  const steps = sigmas.length - 1
  // The branches compare against the list's last value, which need not be 0.
  const sEnd = sigmas[steps]
  const sigma0 = sigmas[0]
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const s1 = sigmas[i + 1]
    const gamma = churnGamma(churn, sigmas, i)
    const eps = ctx.noise.next(sigma, s1)
    const sigmaHat = sigma * (gamma + 1)
    if (gamma > 0) addChurnNoise(x, eps, churn.sNoise, sigma, sigmaHat)
    const denoised = await denoise(x, sigmaHat)
    const dt = s1 - sigmaHat
    if (s1 === sEnd) {
      // Euler method on the final step.
      const k = dt * (1 / sigmaHat)
      for (let j = 0; j < n; j++) x[j] += (x[j] - denoised[j]) * k
    } else if (sigmas[i + 2] === sEnd) {
      // Two slopes, the later one weighted by how much noise is left relative to the start.
      eulerPredict(x, denoised, sigmaHat, dt, d, x2)
      const den2 = await denoise(x2, s1)
      const w2 = s1 / (2 * sigma0)
      const w1 = 1 - w2
      const inv1 = 1 / s1
      for (let j = 0; j < n; j++) x[j] += (d[j] * w1 + (x2[j] - den2[j]) * inv1 * w2) * dt
    } else {
      // Heun++: Euler predictors to sigma_{i+1} and on to sigma_{i+2}, then three slopes combined.
      const s2 = sigmas[i + 2]
      eulerPredict(x, denoised, sigmaHat, dt, d, x2)
      const den2 = await denoise(x2, s1)
      eulerPredict(x2, den2, s1, s2 - s1, d2, x3)
      const den3 = await denoise(x3, s2)
      const w = 3 * sigma0
      const w2 = s1 / w
      const w3 = s2 / w
      const w1 = 1 - w2 - w3
      const inv2 = 1 / s2
      for (let j = 0; j < n; j++) x[j] += (w1 * d[j] + w2 * d2[j] + w3 * (x3[j] - den3[j]) * inv2) * dt
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat, denoised, x })
  }
  return x
}
