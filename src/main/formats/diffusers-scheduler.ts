/**
 * diffusers' scheduler_config.json, both ways. A diffusers model folder names its default scheduler
 * there; a config can also be shared on its own as "use these settings".
 *
 * Read: the scheduler class (with algorithm_type, solver_type and solver_order where they change the
 * method) gives the sampler; use_karras_sigmas / use_exponential_sigmas / use_beta_sigmas or else
 * timestep_spacing (+ steps_offset) gives the schedule; clip_sample and thresholding become the
 * guidance's x0 clipping and dynamic thresholding. What belongs to the model rather than to a
 * generation — prediction_type, rescale_betas_zero_snr (diffusers sets the last alphabar to 2**-24),
 * the beta table (beta_schedule, beta_start/end, trained_betas) — is returned as `model`, for the
 * models layer (src/main/models/folder.ts reads the same keys from a model folder).
 */
import { resolveSamplerName, SAMPLER_BY_ID, SAMPLERS, SCHEDULE_BY_ID, SCHEDULES } from '../../shared/catalogue'
import type { GenerationParams } from '../../shared/params'
import { FormatError } from './errors'
import { isObj, type ReadResult } from './types'

export interface DiffusersModelSettings {
  predictionType: string
  zeroTerminalSnr: boolean
  betaSchedule: string
  betaStart: number
  betaEnd: number
  numTrainTimesteps: number
  trainedBetas: number[] | null
}

export interface SchedulerConfigRead extends ReadResult {
  model: { name?: string }
  modelSettings: DiffusersModelSettings
}

/** Config defaults of the classes where a descriptor's config names a value the class takes by default. */
const CLASS_DEFAULTS: Record<string, Record<string, string | number>> = {
  DPMSolverMultistepScheduler: { algorithm_type: 'dpmsolver++', solver_order: 2, solver_type: 'midpoint' },
  UniPCMultistepScheduler: { solver_type: 'bh2' }
}

/** diffusers' default timestep_spacing when a config has none: it differs by class. */
const LEADING_BY_DEFAULT = new Set(['DDIMScheduler', 'DDPMScheduler', 'PNDMScheduler', 'LCMScheduler'])

export function readSchedulerConfig(raw: unknown, source?: string): SchedulerConfigRead {
  if (!isObj(raw) || typeof raw._class_name !== 'string') throw new FormatError('is not a diffusers scheduler config (no "_class_name")', undefined, source)
  const cls = raw._class_name
  const warnings: string[] = []
  const params: Partial<GenerationParams> = {}
  const num = (k: string, d: number): number => (typeof raw[k] === 'number' && Number.isFinite(raw[k]) ? (raw[k] as number) : d)

  // Sampler: the descriptor whose diffusers class and config keys (algorithm_type, solver_order,
  // solver_type) match; exact matches first, then the closest ones (PNDM → iPNDM).
  const cfgMatches = (want: Readonly<Record<string, string | number | boolean>> | undefined): boolean =>
    Object.entries(want ?? {}).every(([k, v]) => (raw[k] ?? CLASS_DEFAULTS[cls]?.[k]) === v)
  const candidates = SAMPLERS.filter((d) => !d.aliasOf && d.diffusers?.className === cls && cfgMatches(d.diffusers.config))
  // The most specific config wins (DPMSolverMultistep with solver_type heun is DPM++ 2M SDE Heun).
  const best = [...candidates].sort((a, b) => Number(b.diffusers!.exact) - Number(a.diffusers!.exact) || Object.keys(b.diffusers!.config ?? {}).length - Object.keys(a.diffusers!.config ?? {}).length)[0]
  const sampler = best?.id ?? resolveSamplerName(cls)?.sampler
  if (best && !best.diffusers!.exact) warnings.push(`${cls} has no exact Sigma Studio sampler; read as ${best.displayName}, the closest`)
  if (!best && sampler) warnings.push(`${cls} with these settings (${['algorithm_type', 'solver_order', 'solver_type'].filter((k) => k in raw).map((k) => `${k} ${JSON.stringify(raw[k])}`).join(', ')}) has no exact Sigma Studio sampler; read as ${sampler}`)
  if (!sampler) warnings.push(`scheduler class ${cls} has no Sigma Studio sampler; the sampler was not carried over`)
  else {
    params.sampler = sampler
    params.samplerOptions = {}
  }

  // Schedule.
  const spacing = typeof raw.timestep_spacing === 'string' ? raw.timestep_spacing : LEADING_BY_DEFAULT.has(cls) ? 'leading' : 'linspace'
  // A use_*_sigmas flag wins over the spacing, as in diffusers; both are named by the schedule descriptors.
  const flagged = SCHEDULES.find((d) => d.diffusers && typeof d.diffusers.value === 'boolean' && raw[d.diffusers.flag] === d.diffusers.value)
  const spaced = SCHEDULES.find((d) => d.diffusers?.flag === 'timestep_spacing' && d.diffusers.value === spacing)
  if (flagged) params.schedule = flagged.id
  else if (spaced) params.schedule = spaced.id
  else warnings.push(`timestep_spacing "${spacing}" is not known; the schedule was not carried over`)
  if (params.schedule === 'beta') warnings.push("diffusers' beta sigmas place the Beta(0.6, 0.6) quantiles linearly between sigma_min and sigma_max; Sigma Studio's beta schedule (ComfyUI's) places them on the model's timestep table, so the sigmas differ")
  if (params.schedule) {
    params.scheduleParams = {}
    const offset = num('steps_offset', 0)
    if (params.schedule === 'leading') params.scheduleParams.steps_offset = offset
    else if (offset !== 0 && spacing === 'leading') warnings.push(`steps_offset ${offset} applies to leading spacing only; the ${params.schedule} sigmas ignore it`)
  }
  if (raw.final_sigmas_type === 'sigma_min') warnings.push('final_sigmas_type "sigma_min": diffusers stops at the smallest training sigma; Sigma Studio always ends at sigma 0, which denoises that last step fully')

  // Guidance-side settings diffusers keeps in the scheduler.
  const clip = raw.clip_sample === true ? num('clip_sample_range', 1) : null
  const thr = raw.thresholding === true ? num('dynamic_thresholding_ratio', 0.995) : null
  if (clip !== null || thr !== null) params.guidance = { rescale: 0, interval: null, thresholdPercentile: thr, clipSample: clip }
  if (raw.thresholding === true && num('sample_max_value', 1) !== 1) warnings.push(`sample_max_value ${num('sample_max_value', 1)} of dynamic thresholding is not carried over (Sigma Studio uses 1)`)

  const trained = Array.isArray(raw.trained_betas) && raw.trained_betas.length ? raw.trained_betas.filter((b): b is number => typeof b === 'number') : null
  if (trained) warnings.push(`the config lists ${trained.length} trained betas; the model's sigma table must be built from them (the models layer refuses them today)`)
  const modelSettings: DiffusersModelSettings = {
    predictionType: typeof raw.prediction_type === 'string' ? raw.prediction_type : 'epsilon',
    zeroTerminalSnr: raw.rescale_betas_zero_snr === true,
    betaSchedule: typeof raw.beta_schedule === 'string' ? raw.beta_schedule : 'linear',
    betaStart: num('beta_start', 0.0001),
    betaEnd: num('beta_end', 0.02),
    numTrainTimesteps: num('num_train_timesteps', 1000),
    trainedBetas: trained
  }
  if (modelSettings.zeroTerminalSnr && params.schedule && params.schedule !== 'trailing') warnings.push(`rescale_betas_zero_snr models need "trailing" spacing to start from pure noise; ${params.schedule} was kept as the config says`)
  return { format: 'diffusers-scheduler', params, model: {}, warnings, modelSettings }
}

/**
 * A scheduler_config.json for our parameters, over `base` (a model's own config, whose beta table and
 * prediction type are kept). Throws a FormatError when the sampler has no diffusers scheduler.
 */
export function writeSchedulerConfig(p: GenerationParams, base: Record<string, unknown> = {}): { json: Record<string, unknown>; warnings: string[] } {
  const warnings: string[] = []
  const desc = SAMPLER_BY_ID.get(p.sampler)
  const run = desc?.aliasOf ? SAMPLER_BY_ID.get(desc.aliasOf.id) : desc
  const dif = run?.diffusers
  if (!dif) throw new FormatError(`${desc?.displayName ?? p.sampler} has no diffusers scheduler; choose another sampler to export`, 'sampler')
  if (!dif.exact) warnings.push(`${desc!.displayName} has no exact diffusers scheduler; ${dif.className} is the closest`)
  const json: Record<string, unknown> = { ...base, _class_name: dif.className, ...(dif.config ?? {}) }
  for (const k of ['use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas', 'timestep_spacing', 'steps_offset']) delete json[k]
  if (run!.id === 'dpmpp_2m_sde' && p.samplerOptions.solver_type === 'heun') json.solver_type = 'heun'
  const flag = SCHEDULE_BY_ID.get(p.schedule)?.diffusers
  if (flag) json[flag.flag] = flag.value
  else {
    warnings.push(`the ${p.schedule} schedule has no diffusers setting; the config uses linspace spacing`)
    json.timestep_spacing = 'linspace'
  }
  if (p.schedule === 'leading') json.steps_offset = p.scheduleParams.steps_offset ?? SCHEDULE_BY_ID.get('leading')!.params.steps_offset
  if (p.schedule === 'beta') warnings.push("diffusers' beta sigmas are spaced linearly between sigma_min and sigma_max, not on the timestep table as here; the picture will differ")
  for (const k of Object.keys(p.scheduleParams)) if (!(p.schedule === 'leading' && k === 'steps_offset')) warnings.push(`schedule parameter ${k}=${p.scheduleParams[k]} has no diffusers setting and was left out`)
  if (p.guidance.clipSample !== null) Object.assign(json, { clip_sample: true, clip_sample_range: p.guidance.clipSample })
  if (p.guidance.thresholdPercentile !== null) Object.assign(json, { thresholding: true, dynamic_thresholding_ratio: p.guidance.thresholdPercentile })
  return { json, warnings }
}
