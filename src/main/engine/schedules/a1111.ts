/**
 * Two schedules as AUTOMATIC1111 1.10 computes them (modules/sd_schedulers.py), which differ from the
 * ComfyUI schedules of the same label (`beta`, `ays_sd1`/`ays_sdxl`), so A1111 infotext can be read
 * and written exactly:
 *
 * - `beta_a1111`: t_i = ppf(1 − i/(n−1)) of Beta(alpha, beta) for i = 0..n−1 (numpy
 *   `1 - linspace(0, 1, n)`), sigma_i = sigma_min + t_i·(sigma_max − sigma_min) — linear in sigma
 *   between the model's ends, where ComfyUI's picks timesteps from the model's table — then 0.
 * - `ays_a1111_sd1`, `ays_a1111_sdxl`: A1111's 11-value tables (NVIDIA's, rounded to 3 decimals)
 *   interpolated log-linearly to n points (as is at n = 11) and 0 appended; ComfyUI's interpolates
 *   to n+1 points and replaces the last with 0, so every step but the first differs.
 */
import { EngineInputError } from '../types'
import { inverseRegularizedIncompleteBeta } from '../special/beta-inc'
import { logLinearResample } from './ays'
import type { ScheduleDef } from './types'
import { resolveRange } from './util'

/** A1111 1.10's Align Your Steps tables (sd_schedulers.py), descending. */
export const A1111_AYS_SIGMAS = {
  sd1: [14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029],
  sdxl: [14.615, 6.315, 3.771, 2.181, 1.342, 0.862, 0.555, 0.38, 0.234, 0.113, 0.029]
} as const

export const betaA1111: ScheduleDef = {
  id: 'beta_a1111',
  compute(steps, model, params) {
    const { sigmaMin, sigmaMax } = resolveRange(model, params, 'beta_a1111')
    const out = new Float64Array(steps + 1)
    for (let i = 0; i < steps; i++) {
      // numpy linspace(0, 1, n)[i] = i * (1/(n-1)) (and exactly 1 at the end); one step is linspace(0, 1, 1) = [0].
      const x = steps === 1 ? 0 : i === steps - 1 ? 1 : i * (1 / (steps - 1))
      const t = inverseRegularizedIncompleteBeta(1 - x, params.alpha, params.beta)
      out[i] = sigmaMin + t * (sigmaMax - sigmaMin)
    }
    return out
  }
}

function aysA1111(id: string, table: readonly number[]): ScheduleDef {
  return {
    id,
    compute(steps) {
      if (steps < 2) throw new EngineInputError(`schedule "${id}" needs at least 2 steps, got ${steps}`)
      const out = new Float64Array(steps + 1)
      out.set(logLinearResample(table, steps))
      return out
    }
  }
}

export const aysA1111Sd1 = aysA1111('ays_a1111_sd1', A1111_AYS_SIGMAS.sd1)
export const aysA1111Sdxl = aysA1111('ays_a1111_sdxl', A1111_AYS_SIGMAS.sdxl)
