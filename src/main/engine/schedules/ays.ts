/**
 * Table schedules: published sigma tables resampled to the step count, as ComfyUI's custom-sampling
 * scheduler nodes compute them — Align Your Steps (Sabour, Fidler & Kreis, ICML 2024; SD1.5, SDXL and SVD
 * tables from NVIDIA's how-to, reference/notes/SCHEDULES.md 3.1), OptimalSteps (Pei et al. 2025; FLUX, Wan
 * and Chroma) and GITS (Chen et al. 2024). They do not depend on the model table passed in.
 *
 * Other step counts: log sigma is interpolated piecewise-linearly over a uniform index grid (the m
 * published points resampled at steps+1 evenly spaced points). `denoise` < 1 keeps only the last
 * round(steps·denoise)+1 values (Python's round: halves to even), so an img2img-style partial run follows
 * the same table. The last kept value becomes 0 and the list is rounded to float32, as the nodes return it.
 */
import { linspace } from '../ops'
import { EngineInputError } from '../types'
import { GITS_TABLES } from './gits-tables'
import type { ScheduleDef } from './types'
import { roundHalfEven } from './util'

/** The published AYS timesteps, descending (SCHEDULES.md 3.1). */
export const AYS_TIMESTEPS = {
  sd1: [999, 850, 736, 645, 545, 455, 343, 233, 124, 24, 0],
  sdxl: [999, 845, 730, 587, 443, 310, 193, 116, 53, 13, 0]
} as const

/** The published 10-step sigma tables, descending (the model sigma at each timestep above; SVD's as published). */
export const AYS_SIGMAS = {
  sd1: [14.6146412293, 6.4745760956, 3.8636745985, 2.694615152, 1.8841921177, 1.3943805092, 0.9642583904, 0.6523686016, 0.3977456272, 0.1515232662, 0.0291671582],
  sdxl: [14.6146412293, 6.3184485287, 3.7681790315, 2.1811480769, 1.3405244945, 0.8620721141, 0.5550693289, 0.3798540708, 0.2332364134, 0.1114188177, 0.0291671582],
  svd: [700, 54.5, 15.886, 7.977, 4.248, 1.789, 0.981, 0.403, 0.173, 0.034, 0.002]
} as const

/** The OptimalSteps tables (flow-model sigmas in [0, 1], descending). */
export const OPTIMAL_STEPS_SIGMAS = {
  flux: [0.9968, 0.9886, 0.9819, 0.975, 0.966, 0.9471, 0.9158, 0.8287, 0.5512, 0.2808, 0.001],
  wan: [1.0, 0.997, 0.995, 0.993, 0.991, 0.989, 0.987, 0.985, 0.98, 0.975, 0.973, 0.968, 0.96, 0.946, 0.927, 0.902, 0.864, 0.776, 0.539, 0.208, 0.001],
  chroma: [
    0.992, 0.99, 0.988, 0.985, 0.982, 0.978, 0.973, 0.968, 0.961, 0.953, 0.943, 0.931, 0.917, 0.9, 0.881, 0.858, 0.832, 0.802, 0.769, 0.731, 0.69, 0.646, 0.599,
    0.55, 0.501, 0.451, 0.402, 0.355, 0.311, 0.27, 0.232, 0.199, 0.169, 0.143, 0.12, 0.101, 0.084, 0.07, 0.058, 0.048, 0.001
  ]
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

/**
 * The tail a `denoise` fraction keeps of a steps+1 list (the nodes' `sigmas[-(total+1):]`), with its last
 * value set to 0 and every value rounded to float32.
 */
export function denoisedTail(full: ArrayLike<number>, steps: number, denoise: number, id: string): Float64Array {
  const total = denoise >= 1 ? steps : roundHalfEven(steps * denoise)
  if (total < 1) {
    throw new EngineInputError(`schedule "${id}": denoise ${denoise} at ${steps} steps keeps no step (round(steps × denoise) = 0); raise denoise or steps`)
  }
  const out = Float64Array.from({ length: total + 1 }, (_, i) => Math.fround(full[full.length - total - 1 + i]))
  out[total] = 0
  return out
}

function tableSchedule(id: string, table: readonly number[], minSteps = 1): ScheduleDef {
  return {
    id,
    compute(steps, _model, params) {
      if (steps < minSteps) throw new EngineInputError(`schedule "${id}" needs at least ${minSteps} steps, got ${steps}`)
      return denoisedTail(logLinearResample(table, steps + 1), steps, params.denoise, id)
    }
  }
}

export const aysSd1 = tableSchedule('ays_sd1', AYS_SIGMAS.sd1)
export const aysSdxl = tableSchedule('ays_sdxl', AYS_SIGMAS.sdxl)
export const aysSvd = tableSchedule('ays_svd', AYS_SIGMAS.svd)
export const optimalStepsFlux = tableSchedule('optimal_steps_flux', OPTIMAL_STEPS_SIGMAS.flux, 3)
export const optimalStepsWan = tableSchedule('optimal_steps_wan', OPTIMAL_STEPS_SIGMAS.wan, 3)
export const optimalStepsChroma = tableSchedule('optimal_steps_chroma', OPTIMAL_STEPS_SIGMAS.chroma, 3)

/** GITS: the searched table for (coeff, steps) up to 20 steps; beyond, the 20-step table resampled. */
export const gits: ScheduleDef = {
  id: 'gits',
  compute(steps, _model, params) {
    const key = (Math.round(params.coeff * 20) / 20).toFixed(2)
    const family = GITS_TABLES[key]
    if (!family || Math.abs(params.coeff - Number(key)) > 1e-9) {
      throw new EngineInputError(`schedule "gits": coeff must be one of ${Object.keys(GITS_TABLES).join(', ')}, got ${params.coeff}`)
    }
    if (steps < 2) throw new EngineInputError(`schedule "gits" needs at least 2 steps, got ${steps}`)
    const full = steps <= 20 ? family[steps - 2] : logLinearResample(family[family.length - 1], steps + 1)
    return denoisedTail(full, steps, params.denoise, 'gits')
  }
}
