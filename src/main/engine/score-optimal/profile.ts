/**
 * The serialisable result of a score-optimal calibration: the model's local cost along σ, summed into a
 * normalised cumulative length Λ on a dense ascending σ grid. Any step count is then cut from it
 * (schedule.ts); the coarse N-step grid is never refitted (SCHEDULES.md 1.7).
 *
 * JSON-safe (plain number arrays). {@link validateProfile} checks anything read back from disk.
 */
import { EngineInputError } from '../types'

export const PROFILE_FORMAT = 'score-optimal-profile'
export const PROFILE_VERSION = 1

/**
 * - `symmetric`: mean of the paper's one-sided finite cost (σ_lo²·E_{p_σhi}‖Δs‖²) and the backward one
 *   (σ_hi²·E_{p_σlo}‖Δs‖²); schedule bias O(1/M²), one more model call per interval.
 * - `one-sided`: the paper's estimator alone (Williams et al. 2024, Alg. 1); bias O(1/M).
 */
export type CostForm = 'symmetric' | 'one-sided'
/** The cheap sampler that carries the calibration trajectories along the dense grid (one call per interval). */
export type CalibrationIntegrator = 'euler' | 'dpmpp_2m'

export interface ScoreOptimalSettings {
  sigmaMin: number
  sigmaMax: number
  /** M: intervals of the dense log-uniform grid. */
  intervals: number
  /** K: calibration trajectories. */
  trajectories: number
  cost: CostForm
  integrator: CalibrationIntegrator
  /** Each interval cost is floored at floorRel·max(L) before cumulating, so Λ is strictly increasing. */
  floorRel: number
  /** Half-width, in grid cells, of the moving average applied to the density √L/Δlogσ (0 = none). */
  smooth: number
  /** Independent batch rows in the state; costs are reported per row. */
  rows: number
}

export interface ScoreOptimalProfile {
  format: typeof PROFILE_FORMAT
  version: typeof PROFILE_VERSION
  /** M+1 ascending sigmas of the grid. */
  sigmaAsc: number[]
  /** M+1 values of Λ(σ)/Λ from 0 (at σ_min) to 1 (at σ_max), after floor and smoothing; strictly increasing. */
  cumLambda: number[]
  /** M raw interval costs (mean over trajectories, per row); L[i] belongs to [sigmaAsc[i], sigmaAsc[i+1]]. */
  L: number[]
  /** Standard error of each L[i] over the trajectories (0 when K = 1). */
  Lse?: number[]
  /** Unnormalised total length Λ (per row), after floor and smoothing. */
  lambdaTotal: number
  K: number
  M: number
  settings: ScoreOptimalSettings
  /** Opaque identification the caller attaches (model hash, latent shape, CFG bucket, prompts hash…). */
  meta?: Record<string, string | number | boolean>
}

export const DEFAULT_SETTINGS: Readonly<Omit<ScoreOptimalSettings, 'sigmaMin' | 'sigmaMax'>> = Object.freeze({
  intervals: 100,
  trajectories: 4,
  cost: 'symmetric',
  integrator: 'dpmpp_2m',
  floorRel: 1e-12,
  smooth: 1,
  rows: 1
})

/**
 * Floors, smooths and cumulates interval costs on an ascending grid. Returns the per-interval Λ increments
 * (√L after processing) and the cumulative sums (unnormalised, cum[0] = 0).
 */
export function processCosts(
  sigmaAsc: ArrayLike<number>,
  L: ArrayLike<number>,
  floorRel: number,
  smooth: number
): { increments: Float64Array; cum: Float64Array } {
  const M = L.length
  let max = 0
  for (let i = 0; i < M; i++) {
    if (!(L[i] >= 0) || !Number.isFinite(L[i])) throw new EngineInputError(`score-optimal: interval cost ${i} is ${L[i]}; costs must be finite and >= 0`)
    if (L[i] > max) max = L[i]
  }
  if (!(max > 0)) {
    throw new EngineInputError('score-optimal: every interval cost is 0 (the denoiser output does not change with sigma); cannot build a schedule')
  }
  const floor = floorRel * max
  // Density per unit log σ, so smoothing is meaningful on non-uniform grids too.
  const du = new Float64Array(M)
  const dens = new Float64Array(M)
  for (let i = 0; i < M; i++) {
    du[i] = Math.log(sigmaAsc[i + 1]) - Math.log(sigmaAsc[i])
    dens[i] = Math.sqrt(Math.max(L[i], floor)) / du[i]
  }
  const w = Math.max(0, Math.floor(smooth))
  const sm = new Float64Array(M)
  for (let i = 0; i < M; i++) {
    let acc = 0
    let wt = 0
    for (let j = Math.max(0, i - w); j <= Math.min(M - 1, i + w); j++) {
      acc += dens[j] * du[j]
      wt += du[j]
    }
    sm[i] = acc / wt
  }
  const increments = new Float64Array(M)
  const cum = new Float64Array(M + 1)
  for (let i = 0; i < M; i++) {
    increments[i] = sm[i] * du[i]
    cum[i + 1] = cum[i] + increments[i]
  }
  return { increments, cum }
}

/** Builds a profile from interval costs on an ascending grid (the estimator's last step; also for tests). */
export function profileFromIntervalCosts(
  sigmaAsc: ArrayLike<number>,
  L: ArrayLike<number>,
  settings: Partial<ScoreOptimalSettings> & { trajectories?: number },
  extra: { Lse?: ArrayLike<number>; meta?: ScoreOptimalProfile['meta'] } = {}
): ScoreOptimalProfile {
  const M = L.length
  if (sigmaAsc.length !== M + 1) throw new EngineInputError(`score-optimal: ${M} interval costs need ${M + 1} sigmas, got ${sigmaAsc.length}`)
  checkAscending(Array.from(sigmaAsc), 'sigmaAsc')
  const full: ScoreOptimalSettings = {
    ...DEFAULT_SETTINGS,
    ...settings,
    sigmaMin: settings.sigmaMin ?? sigmaAsc[0],
    sigmaMax: settings.sigmaMax ?? sigmaAsc[M],
    intervals: M
  }
  const { cum } = processCosts(sigmaAsc, L, full.floorRel, full.smooth)
  const total = cum[M]
  const cumLambda = Array.from(cum, (c) => c / total)
  cumLambda[M] = 1
  const profile: ScoreOptimalProfile = {
    format: PROFILE_FORMAT,
    version: PROFILE_VERSION,
    sigmaAsc: Array.from(sigmaAsc),
    cumLambda,
    L: Array.from(L),
    lambdaTotal: total,
    K: full.trajectories,
    M,
    settings: full
  }
  if (extra.Lse) profile.Lse = Array.from(extra.Lse)
  if (extra.meta) profile.meta = { ...extra.meta }
  return profile
}

function checkAscending(a: readonly number[], what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!(a[i] > 0) || !Number.isFinite(a[i])) throw new EngineInputError(`score-optimal profile: ${what}[${i}] must be a positive finite number, got ${a[i]}`)
    if (i > 0 && !(a[i] > a[i - 1])) throw new EngineInputError(`score-optimal profile: ${what} must be strictly ascending (entry ${i} is ${a[i]}, entry ${i - 1} is ${a[i - 1]})`)
  }
}

function numberArray(v: unknown, what: string, length?: number): number[] {
  if (!Array.isArray(v)) throw new EngineInputError(`score-optimal profile: ${what} must be an array of numbers`)
  if (length !== undefined && v.length !== length) throw new EngineInputError(`score-optimal profile: ${what} must have ${length} entries, got ${v.length}`)
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw new EngineInputError(`score-optimal profile: ${what}[${i}] must be a finite number, got ${String(v[i])}`)
  }
  return v as number[]
}

/**
 * Checks a profile (for example parsed from JSON) and returns it typed. Every problem is an
 * {@link EngineInputError} naming the field; a profile of another version is rejected (recompute it).
 */
export function validateProfile(value: unknown): ScoreOptimalProfile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EngineInputError('score-optimal profile: expected an object')
  const p = value as Record<string, unknown>
  if (p.format !== PROFILE_FORMAT) throw new EngineInputError(`score-optimal profile: format must be "${PROFILE_FORMAT}", got ${JSON.stringify(p.format)}`)
  if (p.version !== PROFILE_VERSION) {
    throw new EngineInputError(`score-optimal profile: version ${JSON.stringify(p.version)} is not supported (expected ${PROFILE_VERSION}); recompute the profile`)
  }
  const M = p.M
  if (typeof M !== 'number' || !Number.isInteger(M) || M < 2) throw new EngineInputError(`score-optimal profile: M must be a whole number >= 2, got ${String(M)}`)
  const K = p.K
  if (typeof K !== 'number' || !Number.isInteger(K) || K < 1) throw new EngineInputError(`score-optimal profile: K must be a whole number >= 1, got ${String(K)}`)
  const sigmaAsc = numberArray(p.sigmaAsc, 'sigmaAsc', M + 1)
  checkAscending(sigmaAsc, 'sigmaAsc')
  const cumLambda = numberArray(p.cumLambda, 'cumLambda', M + 1)
  if (cumLambda[0] !== 0 || cumLambda[M] !== 1) throw new EngineInputError('score-optimal profile: cumLambda must run from exactly 0 to exactly 1')
  for (let i = 1; i <= M; i++) {
    if (!(cumLambda[i] > cumLambda[i - 1])) throw new EngineInputError(`score-optimal profile: cumLambda must be strictly increasing (entry ${i})`)
  }
  const L = numberArray(p.L, 'L', M)
  for (let i = 0; i < M; i++) if (L[i] < 0) throw new EngineInputError(`score-optimal profile: L[${i}] must be >= 0, got ${L[i]}`)
  if (p.Lse !== undefined) numberArray(p.Lse, 'Lse', M)
  if (typeof p.lambdaTotal !== 'number' || !(p.lambdaTotal > 0) || !Number.isFinite(p.lambdaTotal)) {
    throw new EngineInputError(`score-optimal profile: lambdaTotal must be a positive finite number, got ${String(p.lambdaTotal)}`)
  }
  const s = p.settings
  if (typeof s !== 'object' || s === null) throw new EngineInputError('score-optimal profile: settings must be an object')
  const st = s as Record<string, unknown>
  if (st.cost !== 'symmetric' && st.cost !== 'one-sided') throw new EngineInputError(`score-optimal profile: settings.cost must be "symmetric" or "one-sided", got ${JSON.stringify(st.cost)}`)
  if (st.integrator !== 'euler' && st.integrator !== 'dpmpp_2m') {
    throw new EngineInputError(`score-optimal profile: settings.integrator must be "euler" or "dpmpp_2m", got ${JSON.stringify(st.integrator)}`)
  }
  for (const k of ['sigmaMin', 'sigmaMax', 'intervals', 'trajectories', 'floorRel', 'smooth', 'rows']) {
    if (typeof st[k] !== 'number' || !Number.isFinite(st[k] as number)) throw new EngineInputError(`score-optimal profile: settings.${k} must be a finite number`)
  }
  if (p.meta !== undefined) {
    if (typeof p.meta !== 'object' || p.meta === null || Array.isArray(p.meta)) throw new EngineInputError('score-optimal profile: meta must be an object')
    for (const [k, v] of Object.entries(p.meta)) {
      if (!['string', 'number', 'boolean'].includes(typeof v)) throw new EngineInputError(`score-optimal profile: meta.${k} must be a string, number or boolean`)
    }
  }
  return value as ScoreOptimalProfile
}

/** Stable JSON with sorted keys (for cache keys). */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}

/**
 * The cache key of a profile: what it depends on. The caller supplies the model hash and whatever
 * changes the denoiser (latent shape, CFG bucket, prompts/seeds hash); the settings are the calibration's.
 * Equal inputs give an equal string; use it (or a hash of it) as the file name.
 */
export function profileCacheKey(
  identity: { modelHash: string } & Record<string, string | number | boolean | readonly number[] | undefined>,
  settings: ScoreOptimalSettings
): string {
  return `score-optimal/v${PROFILE_VERSION}:${stableJson({ identity, settings })}`
}
