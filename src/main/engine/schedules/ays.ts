/**
 * Align Your Steps (Sabour, Fidler & Kreis, ICML 2024, arXiv 2404.14507): 10-step schedules optimised
 * per model by minimising a KL upper bound on the solver's error. NVIDIA published them as timesteps;
 * the tables below are the SD1.5 / SDXL model sigmas at those timesteps, to 10 decimals, as ComfyUI ships
 * them (comfy_extras/nodes_align_your_steps.py; reference/notes/SCHEDULES.md 3.1). They are fixed: they do not
 * depend on the model table passed in (both models share the scaled_linear 0.00085–0.012 table).
 *
 * Other step counts: log sigma is interpolated piecewise-linearly over a uniform index grid (the 11
 * published points at 0, 0.1, …, 1 resampled at steps+1 evenly spaced points). In every case the last
 * value (the table's sigma_min) is replaced by 0 rather than having a 0 appended.
 */
import type { ScheduleDef } from './types'
import { linspace } from '../ops'

/** The published timesteps, descending (SCHEDULES.md 3.1). */
export const AYS_TIMESTEPS = {
  sd1: [999, 850, 736, 645, 545, 455, 343, 233, 124, 24, 0],
  sdxl: [999, 845, 730, 587, 443, 310, 193, 116, 53, 13, 0]
} as const

/** The published 10-step sigma tables, descending (the model sigma at each timestep above). */
export const AYS_SIGMAS = {
  sd1: [14.6146412293, 6.4745760956, 3.8636745985, 2.694615152, 1.8841921177, 1.3943805092, 0.9642583904, 0.6523686016, 0.3977456272, 0.1515232662, 0.0291671582],
  sdxl: [14.6146412293, 6.3184485287, 3.7681790315, 2.1811480769, 1.3405244945, 0.8620721141, 0.5550693289, 0.3798540708, 0.2332364134, 0.1114188177, 0.0291671582]
} as const

/**
 * Resamples a descending sigma table to `count` points, linear in log sigma over a uniform index grid
 * (ComfyUI `loglinear_interp`).
 */
export function logLinearResample(table: readonly number[], count: number): Float64Array {
  const n = table.length
  const out = new Float64Array(count)
  if (count === n) {
    out.set(table)
    return out
  }
  // Work ascending in x = position/(n-1) from 0 to 1, with y = log sigma of the reversed table.
  const ys = table.map((_, i) => Math.log(table[n - 1 - i]))
  const xs = linspace(0, 1, n)
  const grid = linspace(0, 1, count)
  let j = 0
  for (let k = 0; k < count; k++) {
    const x = grid[k]
    while (j < n - 2 && x >= xs[j + 1]) j++
    const slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
    const y = x >= xs[n - 1] ? ys[n - 1] : slope * (x - xs[j]) + ys[j]
    out[count - 1 - k] = Math.exp(y)
  }
  return out
}

function aysSchedule(id: string, table: readonly number[], modelName: string): ScheduleDef {
  return {
    id,
    description: `NVIDIA's optimised 10-step table for ${modelName} (Sabour et al. 2024), log-linearly interpolated to other step counts.`,
    input: 'fixed',
    params: [],
    compute(steps) {
      const out = logLinearResample(table, steps + 1)
      out[steps] = 0
      return out
    }
  }
}

export const aysSd1 = aysSchedule('ays_sd1', AYS_SIGMAS.sd1, 'SD1.5')
export const aysSdxl = aysSchedule('ays_sdxl', AYS_SIGMAS.sdxl, 'SDXL')
