/** ER-SDE-Solver: extended reverse-time SDE solver (ComfyUI's `er_sde`). */
import { clone } from '../ops'
import type { Sampler, Tensor } from '../types'
import { addNoise, combineInto, intOption, numberOption } from './step-helpers'

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
  const sNoise = numberOption('er_sde', ctx.options, 's_noise', 1)
  const x = clone(input)
  const steps = sigmas.length - 1
  let oldDenoised: Tensor | undefined
  // First divided difference of the previous step, and a second buffer to swap with.
  let oldDiff: Tensor | undefined
  let diff: Tensor | undefined
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
      const fT = noiseScaler(lt)
      const r = fT / noiseScaler(ls)
      // Stage 1: Euler step of the noise-scaled ODE.
      combineInto(x, [r, 1 - r], [x, denoised])
      if (stage >= 2 && oldDenoised) {
        const dt = lt - ls
        const step = -dt / INTEGRATION_POINTS
        let sum1 = 0
        let sumU = 0
        for (let k = 0; k < INTEGRATION_POINTS; k++) {
          const pos = lt + k * step
          const f = noiseScaler(pos)
          sum1 += 1 / f
          sumU += (pos - ls) / f
        }
        const s1 = sum1 * step
        // Stage 2: first divided difference of the x0 estimates in lambda.
        diff = diff ?? new Float64Array(x.length)
        const inv = 1 / (ls - sigmas[i - 1])
        for (let k = 0; k < x.length; k++) diff[k] = (denoised[k] - oldDenoised[k]) * inv
        combineInto(x, [1, dt + s1 * fT], [x, diff])
        if (stage >= 3 && oldDiff) {
          // Stage 3: second divided difference.
          const su = sumU * step
          const inv2 = 2 / (ls - sigmas[i - 2])
          const c = ((dt * dt) / 2 + su * fT) * inv2
          combineInto(x, [1, c, -c], [x, diff, oldDiff])
        }
        const t = oldDiff
        oldDiff = diff
        diff = t
      }
      if (sNoise > 0) {
        const v = lt * lt - ls * ls * r * r
        // The reference turns a NaN square root into 0.
        addNoise(x, sNoise * (v > 0 ? Math.sqrt(v) : 0), ctx.noise.next(sigma, sigmaNext))
      }
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
    oldDenoised = denoised
  }
  return x
}
