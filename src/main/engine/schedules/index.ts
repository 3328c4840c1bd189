/**
 * The schedule registry: an implementation for each schedule descriptor of src/shared/schedules.ts (ids,
 * names, parameters with defaults and ranges live there; a test checks both list the same ids), one module
 * per family.
 *
 * `computeSigmas` is the one entry point: it validates the name, step count and parameters, runs the
 * schedule and checks that the result is a non-increasing list of finite sigmas ending in 0 (`laplace`
 * alone ends at sigma_min, as ComfyUI's node does).
 */
import { SCHEDULE_BY_ID } from '../../../shared/schedules'
import { EngineInputError } from '../types'
import { aysSd1, aysSdxl, aysSvd, gits, optimalStepsChroma, optimalStepsFlux, optimalStepsWan } from './ays'
import { laplace, sdTurbo, vp } from './formula-extra'
import { beta } from './beta'
import { aysA1111Sd1, aysA1111Sdxl, betaA1111 } from './a1111'
import { ddimUniform } from './ddim-uniform'
import { leadingSpacing, linspaceSpacing, trailingSpacing } from './diffusers-spacing'
import { exponential, polyexponential } from './exponential'
import { karras } from './karras'
import { klOptimal } from './kl-optimal'
import { linearQuadratic } from './linear-quadratic'
import { normal, sgmUniform } from './normal'
import { scoreOptimal } from '../score-optimal/schedule'
import { simple } from './simple'
import { optionProblem } from '../../../shared/option-spec'
import type { ParamSpec, ScheduleContext, ScheduleDef, ScheduleModel } from './types'

export type { ParamSpec, ScheduleContext, ScheduleDef, ScheduleModel } from './types'

export const SCHEDULES = Object.freeze({
  simple,
  sgm_uniform: sgmUniform,
  normal,
  ddim_uniform: ddimUniform,
  karras,
  exponential,
  polyexponential,
  beta,
  linear_quadratic: linearQuadratic,
  kl_optimal: klOptimal,
  ays_sd1: aysSd1,
  ays_sdxl: aysSdxl,
  ays_svd: aysSvd,
  gits,
  optimal_steps_flux: optimalStepsFlux,
  optimal_steps_wan: optimalStepsWan,
  optimal_steps_chroma: optimalStepsChroma,
  beta_a1111: betaA1111,
  ays_a1111_sd1: aysA1111Sd1,
  ays_a1111_sdxl: aysA1111Sdxl,
  laplace,
  vp,
  sd_turbo: sdTurbo,
  score_optimal: scoreOptimal,
  linspace: linspaceSpacing,
  leading: leadingSpacing,
  trailing: trailingSpacing
} as const satisfies Record<string, ScheduleDef>)

export type ScheduleName = keyof typeof SCHEDULES
export const SCHEDULE_NAMES = Object.freeze(Object.keys(SCHEDULES)) as readonly ScheduleName[]

/** The most steps any schedule accepts (a guard against runaway allocations). */
export const MAX_STEPS = 10000

/** Looks a schedule up by id; an unknown id is an error that lists the known ones. */
export function getSchedule(name: string): ScheduleDef {
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(SCHEDULES, name)) return SCHEDULES[name as ScheduleName]
  throw new EngineInputError(`unknown schedule "${String(name)}"; known schedules: ${SCHEDULE_NAMES.join(', ')}`)
}

function checkParam(id: string, spec: ParamSpec, v: number): void {
  const problem = typeof v === 'number' && !Number.isFinite(v) ? `must be a finite number, got ${v}` : optionProblem(spec, v)
  if (problem) throw new EngineInputError(`schedule "${id}": parameter ${spec.name} ${problem}`)
}

/** The parameter specs of a schedule, from its shared descriptor. */
export function scheduleParamSpecs(id: string): readonly ParamSpec[] {
  const d = SCHEDULE_BY_ID.get(id)
  if (!d) throw new Error(`schedule "${id}" has an implementation but no descriptor in src/shared/schedules.ts (internal error)`)
  return d.paramSpecs
}

/** Fills in defaults and validates every given parameter; unknown names are errors listing the accepted ones. */
export function resolveParams(def: ScheduleDef, params: Readonly<Record<string, number>> = {}): Record<string, number> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new EngineInputError(`schedule "${def.id}": params must be an object of numbers`)
  }
  const out: Record<string, number> = {}
  const specs = scheduleParamSpecs(def.id)
  for (const name of Object.keys(params)) {
    if (!specs.some((p) => p.name === name)) {
      const accepted = specs.length ? `it accepts ${specs.map((p) => p.name).join(', ')}` : 'it takes no parameters'
      throw new EngineInputError(`schedule "${def.id}" has no parameter "${name}"; ${accepted}`)
    }
  }
  for (const spec of specs) {
    const given = Object.prototype.hasOwnProperty.call(params, spec.name) ? params[spec.name] : undefined
    if (given === undefined) {
      if (spec.default !== undefined) out[spec.name] = spec.default
      continue
    }
    checkParam(def.id, spec, given)
    out[spec.name] = given
  }
  return out
}

function checkModel(id: string, model: ScheduleModel): void {
  if (typeof model !== 'object' || model === null) {
    throw new EngineInputError(`schedule "${id}": model must be a ModelSigmas table or a { sigmaMin, sigmaMax } range`)
  }
  const { sigmaMin, sigmaMax } = model
  if (!(sigmaMin > 0) || !(sigmaMax > sigmaMin) || !Number.isFinite(sigmaMax)) {
    throw new EngineInputError(`schedule "${id}": the model's sigma range must satisfy 0 < sigmaMin < sigmaMax < infinity, got [${sigmaMin}, ${sigmaMax}]`)
  }
}

/**
 * Checks a schedule's output: finite, never rising, ending in 0. Equal neighbours are allowed because
 * the references produce them too (polyexponential with a large rho, simple with more steps than the
 * table has entries); a rise would make a sampler step backwards and is always an error.
 */
function checkOutput(id: string, steps: number, sigmas: Float64Array): void {
  const endsAtZero = id !== 'laplace'
  if (sigmas.length < 1 || (endsAtZero && (sigmas.length < 2 || sigmas[sigmas.length - 1] !== 0))) {
    throw new Error(`schedule "${id}" produced an invalid list (internal error)`)
  }
  for (let i = 0; i < sigmas.length; i++) {
    const s = sigmas[i]
    if (!Number.isFinite(s) || s < 0) throw new EngineInputError(`schedule "${id}" at ${steps} steps gives a non-finite sigma (${s}); check its parameters`)
    if (i > 0 && s > sigmas[i - 1]) {
      throw new EngineInputError(
        `schedule "${id}" at ${steps} steps rises from ${sigmas[i - 1]} to ${s} at position ${i}; use other parameters or fewer steps`
      )
    }
  }
}

/**
 * The descending sigma list of schedule `name` for `steps` steps, ending in 0. Usually steps+1 values;
 * `ddim_uniform` can give more, and `beta`, `sd_turbo` and the table schedules with `denoise` < 1 fewer;
 * `laplace` gives exactly `steps` values ending at sigma_min. `model` supplies the noise levels: a
 * {@link ModelSigmas} table (required by table-based schedules) or just a sigma range (`vp` needs neither). `ctx` carries
 * what a schedule needs beyond that: `score_optimal` reads the model's calibrated profile from it.
 */
export function computeSigmas(
  name: string,
  steps: number,
  model: ScheduleModel | undefined,
  params?: Readonly<Record<string, number>>,
  ctx?: ScheduleContext
): Float64Array {
  const def = getSchedule(name)
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1) {
    throw new EngineInputError(`steps must be a whole number of at least 1, got ${String(steps)}`)
  }
  if (steps > MAX_STEPS) throw new EngineInputError(`steps must be at most ${MAX_STEPS}, got ${steps}`)
  const needsModel = SCHEDULE_BY_ID.get(def.id)?.input !== 'none'
  if (needsModel || model !== undefined) checkModel(def.id, model as ScheduleModel)
  const resolved = resolveParams(def, params ?? {})
  const sigmas = def.compute(steps, model as ScheduleModel, resolved, ctx)
  checkOutput(def.id, steps, sigmas)
  return sigmas
}
