/**
 * `kl_optimal` (ComfyUI, from A1111 PR #15608): sigma_i = tan((1 - r_i)·atan(sigma_max) + r_i·atan(sigma_min))
 * with r going evenly from 0 to 1. This is the closed-form optimum of Align Your Steps (Sabour et al.
 * 2024) for Euler on Gaussian data with unit variance: evenly spaced in atan(sigma).
 * At 1 step the reference divides by zero (NaN); we return [sigma_max, 0], the only sensible one-step list.
 */
import type { ScheduleDef } from './types'
import { resolveRange } from './util'

export const klOptimal: ScheduleDef = {
  id: 'kl_optimal',
  compute(steps, model, params) {
    const { sigmaMin, sigmaMax } = resolveRange(model, params, 'kl_optimal')
    const out = new Float64Array(steps + 1)
    if (steps === 1) {
      out[0] = sigmaMax
      return out
    }
    const aMin = Math.atan(sigmaMin)
    const aMax = Math.atan(sigmaMax)
    for (let i = 0; i < steps; i++) {
      const r = i / (steps - 1)
      out[i] = Math.tan(r * aMin + (1 - r) * aMax)
    }
    return out
  }
}
