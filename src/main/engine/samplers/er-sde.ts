/** ER-SDE-Solver: extended reverse-time SDE solver (ComfyUI's `er_sde`). */
import { clone } from '../ops'
import type { Sampler, Tensor } from '../types'
import { intOption, numberOption } from './options'

/** Points of the reference's Riemann sums for the stage-2 and stage-3 integrals. */
const INTEGRATION_POINTS = 200

/** ComfyUI's default noise scaler function for ER-SDE, f(x) = x (e^(x^0.3) + 10). */
function noiseScaler(v: number): number {
  return v * (Math.exp(v ** 0.3) + 10)
}

/**
 * VP ER-SDE-Solver-3 (Cui et al. 2023, "Elucidating the solution space of extended reverse-time SDEs
 * for diffusion models", arXiv:2309.06169). In the x = x0 + sigma*n form its lambda = sigma/alpha is
 * sigma itself and alpha = 1. Stage 1 is the noise-scaled Euler step, stages 2 and 3 add first and
 * second divided differences of the x0 estimates, weighted by integrals of 1/f (Riemann sums over
 * 200 points as in the reference). Options: `max_stage` 1..3 (default 3), `s_noise` (default 1).
 * One noise array per step not ending at 0 (none when s_noise is 0).
 */
export const sampleErSde: Sampler = async (denoise, input, sigmas, ctx) => {
  const maxStage = intOption('er_sde', ctx.options, 'max_stage', 3, 1, 3)
  const sNoise = numberOption('er_sde', ctx.options, 's_noise', 1, { min: 0 })
  const x = clone(input)
  const n = x.length
  const steps = sigmas.length - 1
  let oldDenoised: Tensor | undefined
  // First divided difference of this step and of the previous one; the two buffers swap every step.
  let diff: Tensor | undefined
  let oldDiff: Tensor | undefined
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    const stage = Math.min(maxStage, i + 1)
    if (sigmaNext === 0) {
      x.set(denoised)
    } else {
      const ls = sigma
      const lt = sigmaNext
      const dt = lt - ls
      const fT = noiseScaler(lt)
      // Stage 1: Euler step of the noise-scaled ODE, x <- r x + (1 - r) D.
      const r = fT / noiseScaler(ls)
      const q = 1 - r
      // Stage 2 adds c2 times the first divided difference of the x0 estimates in lambda, stage 3 c3 times
      // the second; the weights are the reference's Riemann sums of 1/f.
      const old = stage >= 2 ? oldDenoised : undefined
      const older = old && stage >= 3 ? oldDiff : undefined
      let c2 = 0
      let c3 = 0
      let inv = 0
      if (old) {
        const step = -dt / INTEGRATION_POINTS
        let sum1 = 0
        let sumU = 0
        for (let k = 0; k < INTEGRATION_POINTS; k++) {
          const pos = lt + k * step
          const f = noiseScaler(pos)
          sum1 += 1 / f
          sumU += (pos - ls) / f
        }
        c2 = dt + sum1 * step * fT
        if (older) c3 = ((dt * dt) / 2 + sumU * step * fT) * (2 / (ls - sigmas[i - 2]))
        inv = 1 / (ls - sigmas[i - 1])
        diff = diff ?? new Float64Array(n)
      }
      let noise: Tensor | undefined
      let noiseScale = 0
      if (sNoise > 0) {
        const v = lt * lt - ls * ls * r * r
        // The reference turns a NaN square root into 0.
        noiseScale = sNoise * (v > 0 ? Math.sqrt(v) : 0)
        noise = ctx.noise.next(sigma, sigmaNext)
      }
      // All stages and the noise in one pass, added in the reference's order.
      const d1 = diff
      for (let k = 0; k < n; k++) {
        let v = r * x[k] + q * denoised[k]
        if (old && d1) {
          const dk = (denoised[k] - old[k]) * inv
          d1[k] = dk
          v += c2 * dk
          if (older) v = v + c3 * dk - c3 * older[k]
        }
        if (noise) v += noiseScale * noise[k]
        x[k] = v
      }
      if (old) {
        const t = oldDiff
        oldDiff = diff
        diff = t
      }
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
    oldDenoised = denoised
  }
  return x
}
