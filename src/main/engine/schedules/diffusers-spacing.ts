/**
 * diffusers' timestep spacings (`timestep_spacing` of EulerDiscreteScheduler and friends; see Lin et al.
 * 2023, Table 2, for why the choice matters): integer or fractional timesteps are chosen, the model's
 * table is interpolated linearly in sigma at them (numpy `interp`, diffusers' default
 * `interpolation_type="linear"`), and 0 is appended.
 * - `linspace`: steps points evenly from T-1 down to 0, stored as float32 (at 1 step that is timestep 0,
 *   i.e. the model's sigma_min, as diffusers gives);
 * - `leading`: stride floor(T/steps) from timestep 0, plus `steps_offset` (SD 1.x configs use 1);
 * - `trailing`: stride T/steps counted down from T, rounded half to even, minus 1, so it always starts
 *   at the last timestep (needed for zero-terminal-SNR models). Exactly `steps` timesteps are made;
 *   numpy's arange in diffusers can emit one extra (timestep -1) for some step counts, which we do not copy.
 */
import type { ModelSigmas } from '../model-sigmas'
import { EngineInputError } from '../types'
import type { ScheduleDef } from './types'
import { linspace } from '../ops'
import { requireTable, roundHalfEven } from './util'

/** The table interpolated linearly in sigma at a (fractional) timestep, clamped to the table. */
function interpSigma(model: ModelSigmas, t: number): number {
  const table = model.sigmas
  const last = table.length - 1
  if (t <= 0) return table[0]
  if (t >= last) return table[last]
  const low = Math.floor(t)
  const w = t - low
  return w === 0 ? table[low] : table[low] + w * (table[low + 1] - table[low])
}

function fromTimesteps(model: ModelSigmas, timesteps: ArrayLike<number>): Float64Array {
  const out = new Float64Array(timesteps.length + 1)
  for (let i = 0; i < timesteps.length; i++) out[i] = Math.fround(interpSigma(model, timesteps[i]))
  return out
}

function checkSteps(id: string, steps: number, T: number): void {
  if (steps > T) {
    throw new EngineInputError(`schedule "${id}": steps (${steps}) cannot exceed the model's training timesteps (${T})`)
  }
}

export const linspaceSpacing: ScheduleDef = {
  id: 'linspace',
  compute(steps, model) {
    const m = requireTable(model, 'linspace')
    const T = m.length
    checkSteps('linspace', steps, T)
    const asc = linspace(0, T - 1, steps)
    const ts = new Float64Array(steps)
    for (let i = 0; i < steps; i++) ts[i] = Math.fround(asc[steps - 1 - i])
    return fromTimesteps(m, ts)
  }
}

export const leadingSpacing: ScheduleDef = {
  id: 'leading',
  compute(steps, model, params) {
    const m = requireTable(model, 'leading')
    const T = m.length
    checkSteps('leading', steps, T)
    const stride = Math.floor(T / steps)
    const offset = params.steps_offset
    const top = (steps - 1) * stride + offset
    if (top > T - 1) {
      throw new EngineInputError(
        `schedule "leading": steps_offset ${offset} pushes the first timestep to ${top}, past the model's last (${T - 1}); use steps_offset <= ${T - 1 - (steps - 1) * stride}`
      )
    }
    const ts = new Float64Array(steps)
    for (let i = 0; i < steps; i++) ts[i] = (steps - 1 - i) * stride + offset
    return fromTimesteps(m, ts)
  }
}

export const trailingSpacing: ScheduleDef = {
  id: 'trailing',
  compute(steps, model) {
    const m = requireTable(model, 'trailing')
    const T = m.length
    checkSteps('trailing', steps, T)
    const stride = T / steps
    const ts = new Float64Array(steps)
    for (let i = 0; i < steps; i++) ts[i] = roundHalfEven(T - i * stride) - 1
    return fromTimesteps(m, ts)
  }
}
