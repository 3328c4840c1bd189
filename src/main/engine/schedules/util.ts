/** Small numeric helpers shared by the schedule modules. */
import { ModelSigmas, type SigmaRange } from '../model-sigmas'
import { EngineInputError } from '../types'
import type { ScheduleModel } from './types'

/** A copy of `values` with a final 0 appended (k-diffusion `append_zero`). */
export function appendZero(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length + 1)
  for (let i = 0; i < values.length; i++) out[i] = values[i]
  return out
}

/** Round half to even, as numpy `rint` / `round` do (Math.round rounds halves up). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v)
  const d = v - f
  if (d < 0.5) return f
  if (d > 0.5) return f + 1
  return f % 2 === 0 ? f : f + 1
}

/** The model's table, or an error saying this schedule needs one. */
export function requireTable(model: ScheduleModel, scheduleId: string): ModelSigmas {
  if (model instanceof ModelSigmas) return model
  throw new EngineInputError(
    `schedule "${scheduleId}" reads the model's sigma table, but only a sigma range was given; pass the model's ModelSigmas (e.g. from modelSigmas(config))`
  )
}

/**
 * The sigma range a range-based schedule spans: the model's ends unless params override sigma_min or
 * sigma_max. Checks 0 < sigma_min < sigma_max.
 */
export function resolveRange(model: ScheduleModel, params: Readonly<Record<string, number>>, scheduleId: string): SigmaRange {
  const sigmaMin = params.sigma_min ?? model.sigmaMin
  const sigmaMax = params.sigma_max ?? model.sigmaMax
  if (!(sigmaMin > 0) || !Number.isFinite(sigmaMin)) {
    throw new EngineInputError(`schedule "${scheduleId}": sigma_min must be a positive finite number, got ${sigmaMin}`)
  }
  if (!(sigmaMax > sigmaMin) || !Number.isFinite(sigmaMax)) {
    throw new EngineInputError(`schedule "${scheduleId}": sigma_max (${sigmaMax}) must be finite and larger than sigma_min (${sigmaMin})`)
  }
  return { sigmaMin, sigmaMax }
}
