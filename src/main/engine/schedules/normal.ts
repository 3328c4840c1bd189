/**
 * `normal` and `sgm_uniform` (ComfyUI): timesteps evenly spaced from the model's largest to its
 * smallest sigma (each end mapped to its nearest table index), turned into sigmas by log-sigma
 * interpolation in the model's table.
 * - `normal` spaces `steps` points including both ends, then appends 0;
 * - `sgm_uniform` spaces steps+1 points and drops the last (the sigma_min point), as Stability's
 *   SGM code and SDXL Turbo expect, then appends 0.
 * (ComfyUI skips the appended 0 for tables whose smallest sigma is already ~0, i.e. flow models; VP
 * tables never are, so it does not arise here.)
 */
import type { ModelSigmas } from '../model-sigmas'
import type { ScheduleDef } from './types'
import { linspace } from '../ops'
import { requireTable } from './util'

function evenTimesteps(model: ModelSigmas, steps: number, dropLast: boolean): Float64Array {
  const start = model.sigmaToT(model.sigmaMax, true)
  const end = model.sigmaToT(model.sigmaMin, true)
  const ts = dropLast ? linspace(start, end, steps + 1).subarray(0, steps) : linspace(start, end, steps)
  const out = new Float64Array(steps + 1)
  for (let i = 0; i < steps; i++) out[i] = model.tToSigma(ts[i])
  return out
}

export const normal: ScheduleDef = {
  id: 'normal',
  compute(steps, model) {
    return evenTimesteps(requireTable(model, 'normal'), steps, false)
  }
}

export const sgmUniform: ScheduleDef = {
  id: 'sgm_uniform',
  compute(steps, model) {
    return evenTimesteps(requireTable(model, 'sgm_uniform'), steps, true)
  }
}
