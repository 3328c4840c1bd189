/**
 * `linear_quadratic` (ComfyUI, from Genmo's Mochi sampler): in noise fraction s = 1 - sigma/sigma_max,
 * the first `linear_steps` steps rise linearly from 0 to threshold_noise, the rest follow the quadratic
 * that continues with the same value and slope and reaches 1 at the last step. The list is then scaled by
 * the model's sigma_max, so it starts at sigma_max and ends at 0. Defaults as ComfyUI: threshold_noise
 * 0.025 and linear_steps = floor(steps/2). One step is [sigma_max, 0].
 */
import { EngineInputError } from '../types'
import type { ScheduleDef } from './types'

export const linearQuadratic: ScheduleDef = {
  id: 'linear_quadratic',
  compute(steps, model, params) {
    const sigmaMax = model.sigmaMax
    const out = new Float64Array(steps + 1)
    if (steps === 1) {
      out[0] = sigmaMax
      return out
    }
    const threshold = params.threshold_noise
    const L = params.linear_steps ?? Math.floor(steps / 2)
    if (L > steps - 1) {
      throw new EngineInputError(`schedule "linear_quadratic": linear_steps must be between 1 and steps - 1 (${steps - 1}), got ${L}`)
    }
    const Q = steps - L
    const diff = L - threshold * steps
    const quadCoef = diff / (L * Q * Q)
    const linCoef = threshold / L - (2 * diff) / (Q * Q)
    const constant = quadCoef * L * L
    const frac = (i: number): number => (i < L ? (i * threshold) / L : quadCoef * i * i + linCoef * i + constant)
    for (let i = 0; i < steps; i++) out[i] = (1 - frac(i)) * sigmaMax
    for (let i = 1; i <= steps; i++) {
      if (out[i] > out[i - 1]) {
        throw new EngineInputError(
          `schedule "linear_quadratic": threshold_noise ${threshold} with linear_steps ${L} at ${steps} steps gives a schedule that rises; use a smaller threshold_noise (at most linear_steps/steps = ${(L / steps).toPrecision(3)} is always safe)`
        )
      }
    }
    return out
  }
}
