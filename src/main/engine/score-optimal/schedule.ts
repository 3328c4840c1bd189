/**
 * `score_optimal`: the step schedule of Williams, Campbell, Doucet & Syed (NeurIPS 2024, arXiv 2412.07877),
 * cut from a per-model {@link ScoreOptimalProfile}: N sigmas at equal steps of the cumulative length Λ
 * from σ_max down to σ_min, then 0 (Karras semantics: N model evaluations, the last one jumping to 0).
 *
 * The inverse map Λ → log σ is a monotone cubic (PCHIP, Fritsch–Carlson), as the paper's released schedule
 * update reportedly uses; `linear` is available for comparison. Without a profile, the schedule is the
 * closed form for Gaussian data N(0, σ_data² I) (SCHEDULES.md 2.2), σ_data = 1 for SD latents.
 *
 * A requested range inside the profile's grid is cut from it; outside the grid, Λ is extended linearly in
 * log σ with the end cells' density (the asymptotics there are log-uniform at the top, and near-free at the
 * bottom, so this is conservative).
 */
import type { SigmaRange } from '../model-sigmas'
import type { ScheduleDef, ScheduleModel } from '../schedules/types'
import { resolveRange } from '../schedules/util'
import { EngineInputError } from '../types'
import { gaussianLambda, gaussianOptimalSigmas, logUniformGrid } from './closed-form'
import { profileFromIntervalCosts, type ScoreOptimalProfile } from './profile'

export type Interpolation = 'pchip' | 'linear'

/** PCHIP derivatives (Fritsch–Carlson with the SciPy endpoint rule) for strictly increasing x. */
export function pchipSlopes(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const n = x.length
  const h = new Float64Array(n - 1)
  const delta = new Float64Array(n - 1)
  for (let i = 0; i < n - 1; i++) {
    h[i] = x[i + 1] - x[i]
    delta[i] = (y[i + 1] - y[i]) / h[i]
  }
  const d = new Float64Array(n)
  if (n === 2) {
    d[0] = d[1] = delta[0]
    return d
  }
  for (let i = 1; i < n - 1; i++) {
    if (delta[i - 1] * delta[i] <= 0) d[i] = 0
    else {
      const w1 = 2 * h[i] + h[i - 1]
      const w2 = h[i] + 2 * h[i - 1]
      d[i] = (w1 + w2) / (w1 / delta[i - 1] + w2 / delta[i])
    }
  }
  const end = (h0: number, h1: number, m0: number, m1: number): number => {
    let e = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if (Math.sign(e) !== Math.sign(m0)) e = 0
    else if (Math.sign(m0) !== Math.sign(m1) && Math.abs(e) > Math.abs(3 * m0)) e = 3 * m0
    return e
  }
  d[0] = end(h[0], h[1], delta[0], delta[1])
  d[n - 1] = end(h[n - 2], h[n - 3], delta[n - 2], delta[n - 3])
  return d
}

/** A monotone interpolant through (x_i, y_i), x strictly increasing; linear extrapolation outside with the end slopes. */
export function monotoneInterpolant(x: ArrayLike<number>, y: ArrayLike<number>, kind: Interpolation = 'pchip'): (t: number) => number {
  const n = x.length
  const d = kind === 'pchip' ? pchipSlopes(x, y) : null
  const loSlope = (y[1] - y[0]) / (x[1] - x[0])
  const hiSlope = (y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2])
  return (t: number): number => {
    if (t <= x[0]) return y[0] + (t - x[0]) * loSlope
    if (t >= x[n - 1]) return y[n - 1] + (t - x[n - 1]) * hiSlope
    let lo = 0
    let hi = n - 1
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1
      if (x[mid] <= t) lo = mid
      else hi = mid
    }
    const h = x[hi] - x[lo]
    const s = (t - x[lo]) / h
    if (!d) return y[lo] + s * (y[hi] - y[lo])
    const s2 = s * s
    const s3 = s2 * s
    return (2 * s3 - 3 * s2 + 1) * y[lo] + (s3 - 2 * s2 + s) * h * d[lo] + (-2 * s3 + 3 * s2) * y[hi] + (s3 - s2) * h * d[hi]
  }
}

/**
 * The descending sigma list for `steps` steps from a profile: `steps` sigmas at equal Λ from σ_max to σ_min
 * (the profile's own range unless `range` is given), then 0. `steps` = 1 gives [σ_max, 0].
 */
export function scoreOptimalSigmas(
  profile: ScoreOptimalProfile,
  steps: number,
  range?: SigmaRange,
  interpolation: Interpolation = 'pchip'
): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new EngineInputError(`score_optimal: steps must be a whole number >= 1, got ${steps}`)
  const sigmaMin = range?.sigmaMin ?? profile.sigmaAsc[0]
  const sigmaMax = range?.sigmaMax ?? profile.sigmaAsc[profile.sigmaAsc.length - 1]
  if (!(sigmaMin > 0 && sigmaMax > sigmaMin && Number.isFinite(sigmaMax))) {
    throw new EngineInputError(`score_optimal: the sigma range must satisfy 0 < sigma_min < sigma_max, got [${sigmaMin}, ${sigmaMax}]`)
  }
  const out = new Float64Array(steps + 1)
  out[0] = sigmaMax
  if (steps === 1) return out
  const logS = profile.sigmaAsc.map(Math.log)
  const lamOf = monotoneInterpolant(logS, profile.cumLambda, interpolation)
  const logOf = monotoneInterpolant(profile.cumLambda, logS, interpolation)
  const lTop = lamOf(Math.log(sigmaMax))
  const lBot = lamOf(Math.log(sigmaMin))
  const n = steps - 1
  out[n] = sigmaMin
  for (let i = 1; i < n; i++) {
    const s = Math.exp(logOf(lTop - (i / n) * (lTop - lBot)))
    // Monotone interpolants keep order; clamp against rounding at the ends.
    out[i] = Math.min(out[i - 1], Math.max(sigmaMin, s))
  }
  return out
}

/** The built-in fallback: the Gaussian closed form with data variance v (σ_data²), `steps` sigmas then 0. */
export function fallbackSigmas(v: number, steps: number, range: SigmaRange): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new EngineInputError(`score_optimal: steps must be a whole number >= 1, got ${steps}`)
  const out = new Float64Array(steps + 1)
  out[0] = range.sigmaMax
  if (steps === 1) return out
  out.set(gaussianOptimalSigmas(v, range.sigmaMin, range.sigmaMax, steps - 1))
  return out
}

/**
 * The fallback as a profile (for plotting the Λ curve before calibration, and as a default object):
 * the exact Gaussian Λ on a log-uniform grid of M intervals. d only scales lambdaTotal.
 */
export function gaussianFallbackProfile(v: number, range: SigmaRange, intervals = 256, d = 1): ScoreOptimalProfile {
  const grid = logUniformGrid(range.sigmaMin, range.sigmaMax, intervals)
  const L = new Float64Array(intervals)
  for (let i = 0; i < intervals; i++) L[i] = (gaussianLambda(grid[i + 1], v, d) - gaussianLambda(grid[i], v, d)) ** 2
  return profileFromIntervalCosts(grid, L, { trajectories: 1, smooth: 0, floorRel: 1e-300 }, { meta: { fallback: 'gaussian', dataVariance: v } })
}

/** Extra input a schedule may need beyond steps, model and params. */
export interface ScoreOptimalScheduleContext {
  /** The model's calibrated profile; without it the Gaussian fallback is used. */
  readonly profile?: ScoreOptimalProfile
}

/**
 * The registry entry for `score_optimal` (to be listed in schedules/index.ts). Its `compute` takes an
 * optional fourth argument with the profile; computeSigmas passes it through.
 */
export interface ScoreOptimalScheduleDef extends Omit<ScheduleDef, 'compute'> {
  compute(steps: number, model: ScheduleModel, params: Readonly<Record<string, number>>, ctx?: ScoreOptimalScheduleContext): Float64Array
}

export const scoreOptimal: ScoreOptimalScheduleDef = {
  id: 'score_optimal',
  compute(steps: number, model: ScheduleModel, params: Readonly<Record<string, number>>, ctx?: ScoreOptimalScheduleContext): Float64Array {
    const range = resolveRange(model, params, 'score_optimal')
    if (ctx?.profile) return scoreOptimalSigmas(ctx.profile, steps, range)
    const sd = params.sigma_data ?? 0.1
    return fallbackSigmas(sd * sd, steps, range)
  }
}

// The entry stays assignable to the registry's ScheduleDef (an extra optional parameter is allowed).
export const scoreOptimalAsScheduleDef: ScheduleDef = scoreOptimal
