/**
 * Score-optimal calibration from the app (issue 8): the 'studio:calibrate' request, its progress event,
 * and what a result says about the profile its `score_optimal` schedule used.
 *
 * A calibration estimates the paper's local cost along sigma from the model's own guided denoiser on a
 * few trajectories (src/main/engine/score-optimal) and caches the profile under
 * `<library>/score-optimal/` by model hash + settings — the same cache `studio evaluate schedules`
 * uses, so a profile made by either is found by both. Later generations with schedule `score_optimal`
 * on that model use it; until one exists they use the built-in Gaussian fallback.
 */
import { MIN_SIZE_STEP, sideProblem } from './model-family'
import { LIMITS, ParamsError } from './params'

export interface CalibrateRequest {
  /** Model folder name ('' = the service's default model). */
  model: string
  /** The prompt the trajectories are conditioned on (the profile depends on it only weakly). */
  prompt: string
  negativePrompt: string
  /** CFG scale of the guided denoiser; null = the model's default. */
  cfg: number | null
  /** Image size; null = the model's default. */
  width: number | null
  height: number | null
  /** K: calibration trajectories (more = less noisy profile; each costs about 3·intervals model calls). */
  trajectories: number
  /** M: intervals of the dense log-sigma grid. */
  intervals: number
}

/** The defaults match `studio evaluate schedules`, so the app and the CLI share cached profiles. */
export const DEFAULT_CALIBRATION: Readonly<Omit<CalibrateRequest, 'model'>> = Object.freeze({
  prompt: 'red apple',
  negativePrompt: '',
  cfg: null,
  width: null,
  height: null,
  trajectories: 8,
  intervals: 100
})

/** A cached, calibrated profile as the app lists it. */
export interface ProfileInfo {
  /** Cache file stem (hex); stable for the same model and settings. */
  id: string
  modelHash: string
  prompt: string
  cfg: number
  width: number
  height: number
  trajectories: number
  intervals: number
  /** ms since the epoch when the profile was written. */
  createdAt: number
}

/** Progress and completion of a calibration job (its queue state also arrives as 'studio:job'). */
export interface CalibrationEvent {
  jobId: string
  model: string
  phase: 'progress' | 'done'
  /** Model calls made so far and in total. */
  calls: number
  totalCalls: number
  /** calls / totalCalls, 0..1. */
  fraction: number
  trajectory: number
  trajectories: number
  /** ms since the job started running; estimated ms left from the pace so far (null before any call). */
  elapsedMs: number
  remainingMs: number | null
  /** phase 'done': the profile now cached for this model. */
  profile?: ProfileInfo
}

/** Which profile a result's `score_optimal` schedule was cut from, so an artist knows. */
export type ScoreOptimalUse = { profile: 'calibrated'; id: string; calibratedCfg: number; calibratedSize: string } | { profile: 'fallback' }

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function int(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ParamsError(field, `must be a whole number from ${lo} to ${hi}, got ${JSON.stringify(v)}`)
  return v
}

function side(v: unknown, field: string): number | null {
  if (v === null || v === undefined) return null
  const n = int(v, field, MIN_SIZE_STEP, LIMITS.maxSide)
  const problem = sideProblem(field, n, MIN_SIZE_STEP)
  if (problem) throw new ParamsError(field, problem.slice(field.length + 1))
  return n
}

/** Validates an untrusted calibrate request, filling defaults; throws ParamsError naming the field. */
export function validateCalibrateRequest(raw: unknown): CalibrateRequest {
  if (raw === undefined || raw === null) raw = {}
  if (!isObj(raw)) throw new ParamsError('(request)', 'must be an object')
  const keys = ['model', ...Object.keys(DEFAULT_CALIBRATION)]
  for (const k of Object.keys(raw)) if (!keys.includes(k)) throw new ParamsError(k, `is not accepted here; expected ${keys.join(', ')}`)
  const d = DEFAULT_CALIBRATION
  const text = (v: unknown, field: string, dflt: string, max: number): string => {
    if (v === undefined) return dflt
    if (typeof v !== 'string') throw new ParamsError(field, `must be text, got ${JSON.stringify(v)}`)
    if (v.length > max) throw new ParamsError(field, `is ${v.length} characters long; the limit is ${max}`)
    return v
  }
  let cfg: number | null = null
  if (raw.cfg !== undefined && raw.cfg !== null) {
    if (typeof raw.cfg !== 'number' || !Number.isFinite(raw.cfg) || raw.cfg < 0 || raw.cfg > LIMITS.maxCfg) {
      throw new ParamsError('cfg', `must be a CFG scale from 0 to ${LIMITS.maxCfg}, or null for the model's default`)
    }
    cfg = raw.cfg
  }
  return {
    model: text(raw.model, 'model', '', 4096),
    prompt: text(raw.prompt, 'prompt', d.prompt, LIMITS.maxPromptChars),
    negativePrompt: text(raw.negativePrompt, 'negativePrompt', d.negativePrompt, LIMITS.maxPromptChars),
    cfg,
    width: side(raw.width, 'width'),
    height: side(raw.height, 'height'),
    trajectories: raw.trajectories === undefined ? d.trajectories : int(raw.trajectories, 'trajectories', 1, 256),
    intervals: raw.intervals === undefined ? d.intervals : int(raw.intervals, 'intervals', 4, 2000)
  }
}
