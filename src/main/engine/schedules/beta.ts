/**
 * `beta` (ComfyUI, after Lee et al. 2024, "Beta Sampling is All You Need", arXiv 2407.12173): timesteps
 * at the quantiles of a Beta(alpha, beta) distribution, which with alpha = beta < 1 crowd both the
 * noisy start and the clean end. For i = 0..n-1 the probability is 1 - i/n; its quantile times T-1,
 * rounded half to even (numpy `rint`), indexes the model's table. An index equal to the previous one is
 * dropped, so the list can be shorter than steps+1. Then 0.
 */
import { inverseRegularizedIncompleteBeta } from '../special/beta-inc'
import type { ScheduleDef } from './types'
import { requireTable, roundHalfEven } from './util'

export const beta: ScheduleDef = {
  id: 'beta',
  compute(steps, model, params) {
    const table = requireTable(model, 'beta').sigmas
    const last = table.length - 1
    const inv = 1 / steps
    const picked: number[] = []
    let prev = -1
    for (let i = 0; i < steps; i++) {
      // Same float64 operations as numpy's 1 - linspace(0, 1, n, endpoint=False): i * (1/n), then 1 - that.
      const p = 1 - i * inv
      const t = roundHalfEven(inverseRegularizedIncompleteBeta(p, params.alpha, params.beta) * last)
      if (t !== prev) picked.push(table[t])
      prev = t
    }
    const out = new Float64Array(picked.length + 1)
    out.set(picked)
    return out
  }
}
