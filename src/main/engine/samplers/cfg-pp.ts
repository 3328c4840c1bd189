/**
 * CFG++ samplers (Chung et al. 2024, "CFG++: Manifold-constrained Classifier Free Guidance for Diffusion
 * Models"): the step keeps the guided x0-estimate D but takes its noise direction from the unconditional
 * estimate U, x ← D + sigma'·(x − U)/sigma, which stays closer to the data manifold at low guidance scales.
 * U comes from `ctx.uncond` (the CFG wrapper's record of the evaluation just made); runSampler refuses a
 * CFG++ sampler without it. Methods as ComfyUI 2026-01 runs them; alpha = 1 (sigma parameterisation).
 */
import { clone } from '../ops'
import type { Sampler, SamplerContext, Tensor } from '../types'
import { ancestralStep } from './ancestral'
import { numberOption, readEtaNoise } from './options'

const lastUncond = (ctx: SamplerContext): Tensor => ctx.uncond!.last()

/** Ancestral Euler, CFG++ (ComfyUI `euler_ancestral_cfg_pp`): D + sigmaDown·(x − U)/sigma, then sigmaUp of fresh noise. */
export const sampleEulerAncestralCfgPp: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise('euler_ancestral_cfg_pp', ctx.options)
  return eulerCfgPp(denoise, x0, sigmas, ctx, eta, sNoise)
}

/** Euler, CFG++ (ComfyUI `euler_cfg_pp`): the ancestral form with eta 0 and no noise. */
export const sampleEulerCfgPp: Sampler = (denoise, x0, sigmas, ctx) => eulerCfgPp(denoise, x0, sigmas, ctx, 0, 0)

async function eulerCfgPp(...[denoise, x0, sigmas, ctx, eta, sNoise]: [...Parameters<Sampler>, number, number]): Promise<Tensor> {
  const x = clone(x0)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    if (sigmaNext === 0) {
      x.set(denoised)
    } else {
      const u = lastUncond(ctx)
      const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta)
      const k = sigmaDown / sigma
      for (let j = 0; j < x.length; j++) x[j] = denoised[j] + (x[j] - u[j]) * k
      if (eta > 0 && sNoise > 0) {
        const noise = ctx.noise.next(sigma, sigmaNext)
        const up = sNoise * sigmaUp
        for (let j = 0; j < x.length; j++) x[j] += noise[j] * up
      }
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}

/**
 * DPM-Solver++(2S) ancestral, CFG++ (ComfyUI `dpmpp_2s_ancestral_cfg_pp` at the 2026-01 reference): the
 * midpoint and the full step both move x by (D1 − U) first; the full step uses the U of the most recent
 * evaluation — the midpoint's — as ComfyUI's hook leaves it (FORMAT-v3 §5). Noise is drawn whenever
 * sigmaNext > 0, also when eta = 0 makes it a zero multiple.
 */
export const sampleDpmpp2sAncestralCfgPp: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { eta, sNoise } = readEtaNoise('dpmpp_2s_ancestral_cfg_pp', ctx.options)
  const x = clone(x0)
  const n = x.length
  const xMid = new Float64Array(n)
  const steps = sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const d1 = await denoise(x, sigma)
    const u1 = lastUncond(ctx)
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta)
    if (sigmaDown === 0) {
      for (let j = 0; j < n; j++) x[j] = d1[j] + ((x[j] - u1[j]) / sigma) * sigmaDown
    } else {
      const t = -Math.log(sigma)
      const h = -Math.log(sigmaDown) - t
      const sigmaMid = Math.exp(-(t + 0.5 * h))
      const a1 = sigmaMid / sigma
      const b1 = Math.expm1(-0.5 * h)
      for (let j = 0; j < n; j++) xMid[j] = a1 * (x[j] + (d1[j] - u1[j])) - b1 * d1[j]
      const d2 = await denoise(xMid, sigmaMid)
      const u2 = lastUncond(ctx)
      const a = sigmaDown / sigma
      const b = Math.expm1(-h)
      for (let j = 0; j < n; j++) x[j] = a * (x[j] + (d1[j] - u2[j])) - b * d2[j]
    }
    if (sigmaNext > 0) {
      const noise = ctx.noise.next(sigma, sigmaNext)
      const up = sNoise * sigmaUp
      for (let j = 0; j < n; j++) x[j] += noise[j] * up
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised: d1, x })
  }
  return x
}

/** DPM-Solver++(2M), CFG++ (ComfyUI `dpmpp_2m_cfg_pp`): the exponential step from U, plus the 2M correction D − U_old. */
export const sampleDpmpp2mCfgPp: Sampler = async (denoise, x0, sigmas, ctx) => {
  const x = clone(x0)
  const n = x.length
  const steps = sigmas.length - 1
  let oldU: Tensor | null = null
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    const u = lastUncond(ctx)
    const t = -Math.log(sigma)
    // sigmaNext = 0: h = ∞, e^{−h} = 0 and x becomes D.
    const h = -Math.log(sigmaNext) - t
    const e = Math.exp(-h)
    if (oldU === null || sigmaNext === 0) {
      for (let j = 0; j < n; j++) x[j] = denoised[j] - e * u[j] + e * x[j]
    } else {
      const hLast = t + Math.log(sigmas[i - 1])
      const c = -Math.expm1(-h) * (1 / (2 * (hLast / h)))
      const old: Tensor = oldU
      for (let j = 0; j < n; j++) x[j] = denoised[j] + (-e * u[j] + c * (denoised[j] - old[j])) + e * x[j]
    }
    oldU = u
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}

/**
 * Gradient estimation (Permenter & Yuan 2024, "Interpreting and Improving Diffusion Models from an
 * Optimization Perspective"): an Euler step plus (ge_gamma − 1)·(d − d_prev)·dt, i.e. the slope
 * extrapolated from the last two; the CFG++ form takes d from U and steps from D.
 */
function gradientEstimation(cfgPp: boolean): Sampler {
  const name = cfgPp ? 'gradient_estimation_cfg_pp' : 'gradient_estimation'
  return async (denoise, x0, sigmas, ctx) => {
    const gamma = numberOption(name, ctx.options, 'ge_gamma', 2)
    const x = clone(x0)
    const n = x.length
    const steps = sigmas.length - 1
    let oldD: Tensor | null = null
    for (let i = 0; i < steps; i++) {
      const sigma = sigmas[i]
      const sigmaNext = sigmas[i + 1]
      const denoised = await denoise(x, sigma)
      const ref = cfgPp ? lastUncond(ctx) : denoised
      const d = new Float64Array(n)
      for (let j = 0; j < n; j++) d[j] = (x[j] - ref[j]) / sigma
      const dt = sigmaNext - sigma
      if (sigmaNext === 0) {
        x.set(denoised)
      } else {
        if (cfgPp) for (let j = 0; j < n; j++) x[j] = denoised[j] + d[j] * sigmaNext
        else for (let j = 0; j < n; j++) x[j] += d[j] * dt
        if (oldD !== null) {
          const old: Tensor = oldD
          for (let j = 0; j < n; j++) x[j] += (gamma - 1) * (d[j] - old[j]) * dt
        }
      }
      oldD = d
      ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
    }
    return x
  }
}

export const sampleGradientEstimation = gradientEstimation(false)
export const sampleGradientEstimationCfgPp = gradientEstimation(true)
