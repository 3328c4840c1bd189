/**
 * `ddim_uniform` (ComfyUI, after the original DDIM sampler's "uniform" timestep selection, Song et al.
 * 2021): table entries 1, 1+s, 1+2s, … below T with stride s = max(floor(T/steps), 1), taken from the
 * top down, then 0. Because the stride is floored, the list can hold more than steps+1 values (15 steps
 * on a 1000-entry table give 16 sigmas plus 0), and at 1 step it is the model's second-smallest sigma
 * followed by 0. Both quirks are what ComfyUI users get, so they are kept.
 */
import type { ScheduleDef } from './types'
import { requireTable } from './util'

export const ddimUniform: ScheduleDef = {
  id: 'ddim_uniform',
  compute(steps, model) {
    const table = requireTable(model, 'ddim_uniform').sigmas
    const T = table.length
    const stride = Math.max(Math.floor(T / steps), 1)
    const picked: number[] = []
    for (let t = 1; t < T; t += stride) picked.push(table[t])
    const out = new Float64Array(picked.length + 1)
    for (let i = 0; i < picked.length; i++) out[i] = picked[picked.length - 1 - i]
    return out
  }
}
