/**
 * Runs `model_sigmas` cases (a discrete model's beta schedule → its sigma table, ascending) and
 * `schedule` cases (schedule name, steps, model or sigma range, params → the sigma list ending in 0)
 * through the engine's model-sigma and schedule modules.
 */
import { BETA_SCHEDULES, modelSigmas, type BetaSchedule, type ModelSigmas, type SigmaRange } from '../engine/model-sigmas'
import { SCHEDULE_BY_ID } from '../../shared/schedules'
import { computeSigmas } from '../engine/schedules'
import { CaseFormatError, checkFields, num, numericResult, obj, str } from './check'
import type { CaseResult, RawCase } from './types'

/** Reads a model description in the vectors' snake_case (diffusers scheduler_config) form. */
const MODEL_FIELDS = ['beta_schedule', 'num_train_timesteps', 'beta_start', 'beta_end', 'zero_terminal_snr', 'rescale_betas_zero_snr']

function readModel(m: Record<string, unknown>, field: string, allowed: readonly string[] = MODEL_FIELDS): ModelSigmas {
  checkFields(m, allowed, field)
  const schedule = m.beta_schedule
  if (typeof schedule !== 'string' || !(BETA_SCHEDULES as readonly string[]).includes(schedule)) {
    throw new CaseFormatError(`field "${field}beta_schedule" must be one of ${BETA_SCHEDULES.join(', ')}`)
  }
  const optNum = (key: string): number | undefined => {
    const v = m[key]
    if (v === undefined) return undefined
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new CaseFormatError(`field "${field}${key}" must be a finite number`)
    return v
  }
  const zsnr = m.zero_terminal_snr ?? m.rescale_betas_zero_snr ?? false
  if (typeof zsnr !== 'boolean') throw new CaseFormatError(`field "${field}zero_terminal_snr" must be a boolean`)
  return modelSigmas({
    betaSchedule: schedule as BetaSchedule,
    numTrainTimesteps: optNum('num_train_timesteps'),
    betaStart: optNum('beta_start'),
    betaEnd: optNum('beta_end'),
    zeroTerminalSnr: zsnr
  })
}

/** A sigma range given instead of a model: top-level sigma_min/sigma_max, or a `sigma_range` object or pair. */
function readRange(c: RawCase): SigmaRange | undefined {
  const r = c.sigma_range
  if (Array.isArray(r) && r.length === 2 && r.every((v) => typeof v === 'number')) {
    return { sigmaMin: r[0] as number, sigmaMax: r[1] as number }
  }
  if (r !== undefined) {
    const o = obj(c, 'sigma_range')
    return { sigmaMin: num(o as RawCase, 'sigma_min'), sigmaMax: num(o as RawCase, 'sigma_max') }
  }
  if (c.sigma_min !== undefined || c.sigma_max !== undefined) {
    return { sigmaMin: num(c, 'sigma_min'), sigmaMax: num(c, 'sigma_max') }
  }
  return undefined
}

function readParams(c: RawCase): Record<string, number> {
  const p = obj(c, 'params')
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(p)) {
    if (typeof v !== 'number') throw new CaseFormatError(`field "params.${k}" must be a number`)
    out[k] = v
  }
  return out
}

export async function runModelSigmasCase(c: RawCase, id: string): Promise<CaseResult> {
  const table = readModel(c, '', [...MODEL_FIELDS, 'id', 'kind', 'expected', 'atol', 'rtol', 'note'])
  return numericResult(id, c, Array.from(table.sigmas), c.expected, { atol: 0, rtol: 0 })
}

export async function runScheduleCase(c: RawCase, id: string): Promise<CaseResult> {
  checkFields(c, ['id', 'kind', 'schedule', 'steps', 'params', 'model', 'sigma_min', 'sigma_max', 'sigma_range', 'expected', 'atol', 'rtol', 'note'], '')
  const name = str(c, 'schedule')
  const steps = num(c, 'steps')
  const model: ModelSigmas | SigmaRange | undefined = c.model !== undefined ? readModel(obj(c, 'model'), 'model.') : readRange(c)
  // vp needs neither.
  if (!model && SCHEDULE_BY_ID.get(name)?.input !== 'none') throw new CaseFormatError('a schedule case needs a "model" or a sigma range ("sigma_min" and "sigma_max")')
  const sigmas = computeSigmas(name, steps, model, readParams(c))
  return numericResult(id, c, Array.from(sigmas), c.expected, { atol: 0, rtol: 0 })
}
