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
import { resolveSamplerName, SAMPLER_BY_ID, SCHEDULE_BY_ID } from '../../shared/catalogue'
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

/** diffusers' default timestep_spacing when a config has none: it differs by class. */
const LEADING_BY_DEFAULT = new Set(['DDIMScheduler', 'DDPMScheduler', 'PNDMScheduler', 'LCMScheduler'])

export function readSchedulerConfig(raw: unknown, source?: string): SchedulerConfigRead {
  if (!isObj(raw) || typeof raw._class_name !== 'string') throw new FormatError('is not a diffusers scheduler config (no "_class_name")', undefined, source)
  const cls = raw._class_name
  const warnings: string[] = []
  const params: Partial<GenerationParams> = {}
  const num = (k: string, d: number): number => (typeof raw[k] === 'number' && Number.isFinite(raw[k]) ? (raw[k] as number) : d)

  // Sampler.
  let sampler = resolveSamplerName(cls)?.sampler
  const options: Record<string, string | number> = {}
  if (cls === 'DPMSolverMultistepScheduler' || cls === 'EDMDPMSolverMultistepScheduler') {
    const algo = raw.algorithm_type ?? 'dpmsolver++'
    const order = num('solver_order', 2)
    if (algo === 'sde-dpmsolver++') sampler = order === 3 ? 'dpmpp_3m_sde' : 'dpmpp_2m_sde'
    else if (algo !== 'dpmsolver++') warnings.push(`algorithm_type "${String(algo)}" (noise prediction) is read as DPM++ (data prediction), the same solver in the other parameterisation`)
    else if (order !== 2) warnings.push(`solver_order ${order} has no Sigma Studio sampler; read as DPM++ 2M`)
    if (sampler === 'dpmpp_2m_sde') options.solver_type = raw.solver_type === 'heun' ? 'heun' : 'midpoint'
  } else if (cls === 'UniPCMultistepScheduler') {
    sampler = raw.solver_type === 'bh1' ? 'uni_pc' : 'uni_pc_bh2'
  } else if (cls === 'PNDMScheduler') {
    warnings.push("PNDM's PLMS steps are read as iPNDM, its improved form and the closest sampler here")
  }
  if (!sampler) warnings.push(`scheduler class ${cls} has no Sigma Studio sampler; the sampler was not carried over`)
  else {
    params.sampler = sampler
    params.samplerOptions = options
  }

  // Schedule.
  const spacing = typeof raw.timestep_spacing === 'string' ? raw.timestep_spacing : LEADING_BY_DEFAULT.has(cls) ? 'leading' : 'linspace'
  if (raw.use_karras_sigmas === true) params.schedule = 'karras'
  else if (raw.use_exponential_sigmas === true) params.schedule = 'exponential'
  else if (raw.use_beta_sigmas === true) {
    params.schedule = 'beta'
    warnings.push("diffusers' beta sigmas place the Beta(0.6, 0.6) quantiles linearly between sigma_min and sigma_max; Sigma Studio's beta schedule (ComfyUI's) places them on the model's timestep table, so the sigmas differ")
  } else if (spacing === 'linspace' || spacing === 'leading' || spacing === 'trailing') params.schedule = spacing
  else warnings.push(`timestep_spacing "${spacing}" is not known; the schedule was not carried over`)
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

/** diffusers class (and its settings) for our sampler. */
const CLASS_FOR: Record<string, [string, Record<string, unknown>]> = {
  euler: ['EulerDiscreteScheduler', {}],
  euler_ancestral: ['EulerAncestralDiscreteScheduler', {}],
  heun: ['HeunDiscreteScheduler', {}],
  dpm_2: ['KDPM2DiscreteScheduler', {}],
  dpm_2_ancestral: ['KDPM2AncestralDiscreteScheduler', {}],
  lms: ['LMSDiscreteScheduler', {}],
  dpmpp_2m: ['DPMSolverMultistepScheduler', { algorithm_type: 'dpmsolver++', solver_order: 2 }],
  dpmpp_2m_sde: ['DPMSolverMultistepScheduler', { algorithm_type: 'sde-dpmsolver++', solver_order: 2 }],
  dpmpp_3m_sde: ['DPMSolverMultistepScheduler', { algorithm_type: 'sde-dpmsolver++', solver_order: 3 }],
  dpmpp_sde: ['DPMSolverSDEScheduler', {}],
  ddim: ['DDIMScheduler', {}],
  ddpm: ['DDPMScheduler', {}],
  lcm: ['LCMScheduler', {}],
  deis: ['DEISMultistepScheduler', {}],
  uni_pc: ['UniPCMultistepScheduler', { solver_type: 'bh1' }],
  uni_pc_bh2: ['UniPCMultistepScheduler', { solver_type: 'bh2' }]
}

/**
 * A scheduler_config.json for our parameters, over `base` (a model's own config, whose beta table and
 * prediction type are kept). Throws a FormatError when the sampler has no diffusers scheduler.
 */
export function writeSchedulerConfig(p: GenerationParams, base: Record<string, unknown> = {}): { json: Record<string, unknown>; warnings: string[] } {
  const warnings: string[] = []
  const c = CLASS_FOR[p.sampler]
  if (!c) throw new FormatError(`${SAMPLER_BY_ID.get(p.sampler)?.displayName ?? p.sampler} has no diffusers scheduler; choose another sampler to export`, 'sampler')
  const json: Record<string, unknown> = { ...base, _class_name: c[0], ...c[1] }
  for (const k of ['use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas', 'timestep_spacing', 'steps_offset']) delete json[k]
  if (p.sampler === 'dpmpp_2m_sde') json.solver_type = p.samplerOptions.solver_type === 'heun' ? 'heun' : 'midpoint'
  switch (p.schedule) {
    case 'karras':
      json.use_karras_sigmas = true
      break
    case 'exponential':
      json.use_exponential_sigmas = true
      break
    case 'beta':
      json.use_beta_sigmas = true
      warnings.push("diffusers' beta sigmas are spaced linearly between sigma_min and sigma_max, not on the timestep table as here; the picture will differ")
      break
    case 'linspace':
    case 'trailing':
      json.timestep_spacing = p.schedule
      break
    case 'leading':
      json.timestep_spacing = 'leading'
      json.steps_offset = p.scheduleParams.steps_offset ?? SCHEDULE_BY_ID.get('leading')!.params.steps_offset
      break
    default:
      warnings.push(`the ${p.schedule} schedule has no diffusers setting; the config uses linspace spacing`)
      json.timestep_spacing = 'linspace'
  }
  for (const k of Object.keys(p.scheduleParams)) if (!(p.schedule === 'leading' && k === 'steps_offset')) warnings.push(`schedule parameter ${k}=${p.scheduleParams[k]} has no diffusers setting and was left out`)
  if (p.guidance.clipSample !== null) Object.assign(json, { clip_sample: true, clip_sample_range: p.guidance.clipSample })
  if (p.guidance.thresholdPercentile !== null) Object.assign(json, { thresholding: true, dynamic_thresholding_ratio: p.guidance.thresholdPercentile })
  return { json, warnings }
}
