/**
 * The shape every step schedule shares. A schedule turns a step count (and the model's noise levels)
 * into a descending sigma list ending in 0, ComfyUI's convention; samplers integrate along it.
 */
import type { ModelSigmas, SigmaRange } from '../model-sigmas'
import type { ScoreOptimalProfile } from '../score-optimal/profile'

/** What a schedule reads its noise levels from: a full model table or just its two ends. */
export type ScheduleModel = ModelSigmas | SigmaRange

/** One numeric parameter a schedule accepts, with its default and valid range. */
export interface ParamSpec {
  readonly name: string
  /** Used when the parameter is not given; absent when the default comes from the model (sigma_min, sigma_max). */
  readonly default?: number
  /** Lower bound; exclusive unless `minInclusive`. */
  readonly min?: number
  readonly minInclusive?: boolean
  /** Upper bound, inclusive. */
  readonly max?: number
  readonly integer?: boolean
  readonly description: string
}

/**
 * - `table`: reads entries of the model's sigma table (needs a {@link ModelSigmas});
 * - `range`: uses only sigma_min and sigma_max (a {@link SigmaRange} is enough);
 * - `fixed`: a published table that does not depend on the model.
 */
export type ScheduleInput = 'table' | 'range' | 'fixed'

/** Extra input a schedule may need beyond steps, model and params. */
export interface ScheduleContext {
  /** score_optimal: the model's calibrated profile; without it the schedule uses its Gaussian fallback. */
  readonly profile?: ScoreOptimalProfile
}

export interface ScheduleDef {
  readonly id: string
  /** One line for pickers and the shared catalogue. */
  readonly description: string
  readonly input: ScheduleInput
  readonly params: readonly ParamSpec[]
  /**
   * Computes the sigmas. `steps` is a validated integer >= 1 and `params` holds every parameter with a
   * default, validated against its spec; parameters without a default appear only when given.
   */
  compute(steps: number, model: ScheduleModel, params: Readonly<Record<string, number>>, ctx?: ScheduleContext): Float64Array
}
