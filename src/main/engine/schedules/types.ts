/**
 * The shape every step schedule shares. A schedule turns a step count (and the model's noise levels)
 * into a descending sigma list ending in 0, ComfyUI's convention; samplers integrate along it.
 */
import type { ModelSigmas, SigmaRange } from '../model-sigmas'
import type { ScoreOptimalProfile } from '../score-optimal/profile'

/** What a schedule reads its noise levels from: a full model table or just its two ends. */
export type ScheduleModel = ModelSigmas | SigmaRange

/** One numeric parameter a schedule accepts, declared in the shared descriptor (src/shared/schedules.ts). */
export type { NumberSpec as ParamSpec } from '../../../shared/option-spec'

/** Extra input a schedule may need beyond steps, model and params. */
export interface ScheduleContext {
  /** score_optimal: the model's calibrated profile; without it the schedule uses its Gaussian fallback. */
  readonly profile?: ScoreOptimalProfile
}

/**
 * A schedule's implementation; its name, description and parameters live in the shared descriptor of the
 * same id (src/shared/schedules.ts).
 */
export interface ScheduleDef {
  readonly id: string
  /**
   * Computes the sigmas. `steps` is a validated integer >= 1 and `params` holds every parameter with a
   * default, validated against its spec; parameters without a default appear only when given.
   */
  compute(steps: number, model: ScheduleModel, params: Readonly<Record<string, number>>, ctx?: ScheduleContext): Float64Array
}
