/**
 * Estimating the score-optimal cost from a pretrained model's own denoiser (Williams et al. 2024, Sec. 3
 * and Alg. 1; SCHEDULES.md 1.4, 1.7 and 4).
 *
 * K calibration trajectories are integrated along a dense log-uniform grid of M intervals from σ_max to
 * σ_min with a cheap one-call sampler (their states are samples of p_σ). At each grid state x_j (at σ_j)
 * the denoiser is also evaluated at the next, smaller σ_{j+1}, giving the paper's one-sided finite cost
 *   L_j = σ_{j+1}²·‖s(x_j, σ_{j+1}) − s(x_j, σ_j)‖²,   s(x,σ) = (D(x,σ) − x)/σ²,
 * and, for the symmetrised cost, the state x_{j+1} is evaluated at the larger σ_j too:
 *   L_j^b = σ_j²·‖s(x_{j+1}, σ_{j+1}) − s(x_{j+1}, σ_j)‖²,   L_j = (L_j + L_j^b)/2.
 * Costs: 2M model calls per trajectory (one-sided) or 3M + 1 (symmetrised). Arithmetic is float64.
 *
 * The costs are then floored, lightly smoothed and cumulated into Λ (profile.ts). Progress is reported per
 * model call; an AbortSignal cancels between calls; finished trajectories can be handed back to resume.
 */
import type { Denoiser, Tensor } from '../types'
import { EngineInputError } from '../types'
import { logUniformGrid } from './closed-form'
import {
  DEFAULT_SETTINGS,
  profileFromIntervalCosts,
  type CalibrationIntegrator,
  type CostForm,
  type ScoreOptimalProfile,
  type ScoreOptimalSettings
} from './profile'

export interface CalibrationProgress {
  /** Trajectory being integrated (0-based). */
  trajectory: number
  trajectories: number
  /** Model calls made so far in this run (resumed trajectories excluded) and in total for this run. */
  calls: number
  totalCalls: number
  /** calls / totalCalls. */
  fraction: number
}

export interface EstimateOptions {
  sigmaMin: number
  sigmaMax: number
  /** M, intervals of the dense grid (default 100). */
  intervals?: number
  /** K, calibration trajectories (default 4). */
  trajectories?: number
  /**
   * Unit Gaussian noise for trajectory k (the app's seeded generator; length = the latent's). The start is
   * σ_max·noise, as txt2img starts.
   */
  startNoise: (k: number) => Tensor | Promise<Tensor>
  cost?: CostForm
  integrator?: CalibrationIntegrator
  /** Independent batch rows in the state; costs are divided by it (default 1). */
  rows?: number
  floorRel?: number
  smooth?: number
  onProgress?: (p: CalibrationProgress) => void
  /** Called with each finished trajectory's interval costs (ascending σ); persist them to resume later. */
  onTrajectory?: (k: number, costs: Float64Array) => void
  /** Interval costs of trajectories already finished (k = 0, 1, …), from onTrajectory; they are not recomputed. */
  completed?: readonly ArrayLike<number>[]
  signal?: AbortSignal
  meta?: ScoreOptimalProfile['meta']
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('score-optimal calibration was cancelled', 'AbortError')
}

function sqDist(a: Tensor, b: Tensor): number {
  let s = 0
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i]
    s += d * d
  }
  return s
}

/** s(x,σ) = (D − x)/σ² into a new array. */
function score(x: Tensor, denoised: Tensor, sigma: number): Tensor {
  const out = new Float64Array(x.length)
  const k = 1 / (sigma * sigma)
  for (let i = 0; i < x.length; i++) out[i] = (denoised[i] - x[i]) * k
  return out
}

/** Resolved settings (defaults filled, validated). */
export function resolveSettings(o: Omit<EstimateOptions, 'startNoise'>): ScoreOptimalSettings {
  const s: ScoreOptimalSettings = {
    sigmaMin: o.sigmaMin,
    sigmaMax: o.sigmaMax,
    intervals: o.intervals ?? DEFAULT_SETTINGS.intervals,
    trajectories: o.trajectories ?? DEFAULT_SETTINGS.trajectories,
    cost: o.cost ?? DEFAULT_SETTINGS.cost,
    integrator: o.integrator ?? DEFAULT_SETTINGS.integrator,
    floorRel: o.floorRel ?? DEFAULT_SETTINGS.floorRel,
    smooth: o.smooth ?? DEFAULT_SETTINGS.smooth,
    rows: o.rows ?? DEFAULT_SETTINGS.rows
  }
  if (!(s.sigmaMin > 0 && s.sigmaMax > s.sigmaMin && Number.isFinite(s.sigmaMax))) {
    throw new EngineInputError(`score-optimal: need 0 < sigmaMin < sigmaMax < infinity, got [${s.sigmaMin}, ${s.sigmaMax}]`)
  }
  const int = (v: number, name: string, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) throw new EngineInputError(`score-optimal: ${name} must be a whole number in [${min}, ${max}], got ${v}`)
  }
  int(s.intervals, 'intervals (M)', 2, 100000)
  int(s.trajectories, 'trajectories (K)', 1, 100000)
  int(s.rows, 'rows', 1, 1e9)
  int(s.smooth, 'smooth', 0, Math.floor(s.intervals / 2))
  if (s.cost !== 'symmetric' && s.cost !== 'one-sided') throw new EngineInputError(`score-optimal: cost must be "symmetric" or "one-sided", got ${String(s.cost)}`)
  if (s.integrator !== 'euler' && s.integrator !== 'dpmpp_2m') {
    throw new EngineInputError(`score-optimal: integrator must be "euler" or "dpmpp_2m", got ${String(s.integrator)}`)
  }
  if (!(s.floorRel >= 0 && s.floorRel < 1)) throw new EngineInputError(`score-optimal: floorRel must be in [0, 1), got ${s.floorRel}`)
  return s
}

/** Model calls one trajectory costs. */
export function callsPerTrajectory(intervals: number, cost: CostForm): number {
  return cost === 'symmetric' ? 3 * intervals + 1 : 2 * intervals
}

/**
 * One calibration trajectory on a descending grid: returns the interval costs in ascending-σ order
 * (index i = interval [σ_asc[i], σ_asc[i+1]]), per row. `beforeCall` runs before every model call
 * (progress and cancellation).
 */
export async function trajectoryCosts(
  denoise: Denoiser,
  xStart: Tensor,
  sigmaDesc: ArrayLike<number>,
  opts: { cost: CostForm; integrator: CalibrationIntegrator; rows: number; beforeCall?: () => void }
): Promise<Float64Array> {
  const M = sigmaDesc.length - 1
  const call = async (x: Tensor, sigma: number): Promise<Tensor> => {
    opts.beforeCall?.()
    const d = await denoise(x, sigma)
    if (d.length !== x.length) throw new EngineInputError(`score-optimal: the denoiser returned ${d.length} values for a state of ${x.length}`)
    return d
  }
  const costs = new Float64Array(M)
  let x = Float64Array.from(xStart)
  let dHere = await call(x, sigmaDesc[0])
  let dOld: Tensor | null = null
  for (let j = 0; j < M; j++) {
    const sHi = sigmaDesc[j]
    const sLo = sigmaDesc[j + 1]
    // Forward (paper) cost at x_j ~ p_σhi.
    const dLo = await call(x, sLo)
    const fwd = (sLo * sLo * sqDist(score(x, dLo, sLo), score(x, dHere, sHi))) / opts.rows
    // Integrator step x_j → x_{j+1} with the sampler's own evaluation D(x_j, σ_j).
    const ratio = sLo / sHi
    const next = new Float64Array(x.length)
    if (opts.integrator === 'euler' || dOld === null) {
      if (opts.integrator === 'euler') {
        for (let i = 0; i < x.length; i++) next[i] = x[i] + (x[i] - dHere[i]) * (ratio - 1)
      } else {
        const b = -Math.expm1(-Math.log(sHi / sLo))
        for (let i = 0; i < x.length; i++) next[i] = ratio * x[i] + b * dHere[i]
      }
    } else {
      const h = Math.log(sHi / sLo)
      const hLast = Math.log(sigmaDesc[j - 1] / sHi)
      const b = -Math.expm1(-h)
      const q = h / (2 * hLast)
      for (let i = 0; i < x.length; i++) next[i] = ratio * x[i] + b * ((1 + q) * dHere[i] - q * dOld[i])
    }
    costs[M - 1 - j] = fwd
    // The next state's own evaluation: the next step needs it, and so does the backward cost.
    if (j === M - 1 && opts.cost === 'one-sided') break
    const dNext = await call(next, sLo)
    if (opts.cost === 'symmetric') {
      const dUp = await call(next, sHi)
      const bwd = (sHi * sHi * sqDist(score(next, dNext, sLo), score(next, dUp, sHi))) / opts.rows
      costs[M - 1 - j] = 0.5 * (fwd + bwd)
    }
    dOld = dHere
    dHere = dNext
    x = next
  }
  return costs
}

/**
 * Estimates a model's score-optimal profile from its denoiser (see the module comment). The denoiser is
 * used as given: pass the guided one (same CFG as generation) for a per-CFG profile.
 */
export async function estimateScoreOptimalProfile(denoise: Denoiser, options: EstimateOptions): Promise<ScoreOptimalProfile> {
  const settings = resolveSettings(options)
  const { intervals: M, trajectories: K, cost } = settings
  const grid = logUniformGrid(settings.sigmaMin, settings.sigmaMax, M)
  const desc = Float64Array.from(grid).reverse()
  const completed = options.completed ?? []
  if (completed.length > K) throw new EngineInputError(`score-optimal: ${completed.length} completed trajectories given, but only ${K} were asked for`)
  for (const [k, c] of completed.entries()) {
    if (c.length !== M) throw new EngineInputError(`score-optimal: completed trajectory ${k} has ${c.length} costs, expected ${M} (other settings?)`)
  }
  const per: Float64Array[] = completed.map((c) => Float64Array.from(c))
  const perTraj = callsPerTrajectory(M, cost)
  const totalCalls = (K - per.length) * perTraj
  let calls = 0
  const signal = options.signal
  if (signal?.aborted) throw abortError(signal)
  for (let k = per.length; k < K; k++) {
    const noise = await options.startNoise(k)
    if (!noise || noise.length === 0) throw new EngineInputError(`score-optimal: startNoise(${k}) returned an empty array`)
    const xStart = new Float64Array(noise.length)
    for (let i = 0; i < noise.length; i++) xStart[i] = settings.sigmaMax * noise[i]
    const c = await trajectoryCosts(denoise, xStart, desc, {
      cost,
      integrator: settings.integrator,
      rows: settings.rows,
      beforeCall: () => {
        if (signal?.aborted) throw abortError(signal)
        options.onProgress?.({ trajectory: k, trajectories: K, calls, totalCalls, fraction: totalCalls ? calls / totalCalls : 1 })
        calls++
      }
    })
    per.push(c)
    options.onTrajectory?.(k, c)
  }
  options.onProgress?.({ trajectory: K - 1, trajectories: K, calls, totalCalls, fraction: 1 })
  const mean = new Float64Array(M)
  const se = new Float64Array(M)
  for (let i = 0; i < M; i++) {
    let s = 0
    for (const c of per) s += c[i]
    const m = s / K
    mean[i] = m
    if (K > 1) {
      let v = 0
      for (const c of per) v += (c[i] - m) ** 2
      se[i] = Math.sqrt(v / (K - 1) / K)
    }
  }
  return profileFromIntervalCosts(grid, mean, settings, { Lse: se, meta: options.meta })
}
