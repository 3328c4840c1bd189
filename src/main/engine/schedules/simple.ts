/**
 * `simple` (ComfyUI): walk down the model's own table from the top in equal strides of T/steps entries,
 * truncating each position to an integer index. Every sigma is one the model was trained at.
 */
import type { ScheduleDef } from './types'
import { requireTable } from './util'

export const simple: ScheduleDef = {
  id: 'simple',
  compute(steps, model) {
    const table = requireTable(model, 'simple').sigmas
    const T = table.length
    const stride = T / steps
    const out = new Float64Array(steps + 1)
    for (let i = 0; i < steps; i++) out[i] = table[T - 1 - Math.trunc(i * stride)]
    return out
  }
}
