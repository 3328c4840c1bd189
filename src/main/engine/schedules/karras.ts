/**
 * `karras`: the schedule of Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based
 * Generative Models", eq. 5): evenly spaced in sigma^(1/rho) from sigma_max down to sigma_min, then 0.
 * Larger rho puts more steps at small sigmas; rho = 7 is the paper's choice.
 */
import type { ScheduleDef } from './types'
import { linspace } from '../ops'
import { resolveRange } from './util'

export const karras: ScheduleDef = {
  id: 'karras',
  compute(steps, model, params) {
    const { sigmaMin, sigmaMax } = resolveRange(model, params, 'karras')
    const rho = params.rho
    const minInv = Math.pow(sigmaMin, 1 / rho)
    const maxInv = Math.pow(sigmaMax, 1 / rho)
    const ramp = linspace(0, 1, steps)
    const out = new Float64Array(steps + 1)
    for (let i = 0; i < steps; i++) out[i] = Math.pow(maxInv + ramp[i] * (minInv - maxInv), rho)
    return out
  }
}
