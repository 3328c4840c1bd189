/**
 * One descriptor per schedule: id, names, parameters (with defaults and ranges) and how other tools
 * spell it. The engine registers an implementation under each id (src/main/engine/schedules/index.ts; a
 * test fails when the two lists differ) and validates parameters against `paramSpecs` here.
 *
 * Ids are ComfyUI's scheduler names where ComfyUI has one; the custom-sampler scheduler nodes
 * (AlignYourSteps, GITS, OptimalSteps, Laplace, VP, SDTurbo) get ids of their own, and diffusers'
 * timestep spacings are schedules too.
 */
import { int, num, type NumberSpec } from './option-spec'

export interface ScheduleDescriptor {
  readonly id: string
  readonly displayName: string
  readonly description: string
  /** Its parameters; only numbers. */
  readonly paramSpecs: readonly NumberSpec[]
  /** A1111's "Schedule type" label where A1111 has the same maths; null where it lacks it or means other maths. */
  readonly a1111: string | null
  /**
   * ComfyUI: `scheduler` = the KSampler scheduler name; `node` = the custom-sampling scheduler node (with
   * fixed inputs, e.g. model_type) that computes it, for SamplerCustom graphs.
   */
  readonly comfy: { readonly scheduler?: string; readonly node?: { readonly classType: string; readonly inputs?: Readonly<Record<string, string | number>> } }
  /** The diffusers scheduler-config flag that selects it (`use_karras_sigmas`, `timestep_spacing: "leading"`…). */
  readonly diffusers: { readonly flag: string; readonly value: string | boolean } | null
  /**
   * What it reads: `table` = the model's sigma table, `range` = sigma_min/sigma_max only, `fixed` = a
   * published table, `none` = nothing (vp).
   */
  readonly input: 'table' | 'range' | 'fixed' | 'none'
}

export interface ScheduleInfo extends ScheduleDescriptor {
  /** Defaults of the parameters that have one. */
  readonly params: Readonly<Record<string, number>>
}

const RANGE: readonly NumberSpec[] = [
  num('sigma_min', undefined, "smallest sigma (default: the model's)", { min: 0, minExclusive: true }),
  num('sigma_max', undefined, "largest sigma (default: the model's)", { min: 0, minExclusive: true })
]
const DENOISE = num('denoise', 1, 'fraction of the table to run: keeps the last round(steps × denoise) steps', { min: 0, minExclusive: true, max: 1 })

type Row = Omit<ScheduleDescriptor, 'a1111' | 'comfy' | 'diffusers' | 'paramSpecs'> & Partial<Pick<ScheduleDescriptor, 'a1111' | 'comfy' | 'diffusers' | 'paramSpecs'>>
const s = (row: Row): ScheduleDescriptor => ({ a1111: null, comfy: {}, diffusers: null, paramSpecs: [], ...row })
const ks = (scheduler: string): ScheduleDescriptor['comfy'] => ({ scheduler })
const table = (id: string, displayName: string, description: string, classType: string, inputs: Record<string, string | number>, extra: Partial<Row> = {}): ScheduleDescriptor =>
  s({ id, displayName, description, input: 'fixed', paramSpecs: [DENOISE], comfy: { node: { classType, inputs } }, ...extra })

export const SCHEDULE_DESCRIPTORS: readonly ScheduleDescriptor[] = [
  s({ id: 'simple', displayName: 'Simple', description: "Every (T/n)-th sigma of the model's own table, from the top.", input: 'table', a1111: 'Simple', comfy: ks('simple') }),
  s({ id: 'normal', displayName: 'Normal', description: "Timesteps evenly spaced between the model's largest and smallest sigma, mapped through its table.", input: 'table', a1111: 'Normal', comfy: ks('normal') }),
  s({ id: 'sgm_uniform', displayName: 'SGM Uniform', description: 'Evenly spaced timesteps without the final sigma_min point (as SGM/SDXL Turbo expects).', input: 'table', a1111: 'SGM Uniform', comfy: ks('sgm_uniform') }),
  s({ id: 'ddim_uniform', displayName: 'DDIM', description: 'Timesteps at a fixed stride from the bottom of the table, as the original DDIM sampler picks them.', input: 'table', a1111: 'DDIM', comfy: ks('ddim_uniform') }),
  s({ id: 'karras', displayName: 'Karras', description: 'Karras et al. (2022) rho-spacing: dense near small sigmas; rho 7 by default.', input: 'range', a1111: 'Karras', comfy: { scheduler: 'karras', node: { classType: 'KarrasScheduler' } }, diffusers: { flag: 'use_karras_sigmas', value: true }, paramSpecs: [num('rho', 7, 'spacing exponent; larger = denser near sigma_min', { min: 0, minExclusive: true, max: 1000 }), ...RANGE] }),
  s({ id: 'exponential', displayName: 'Exponential', description: 'Uniform in log-sigma between the ends of the model table.', input: 'range', a1111: 'Exponential', comfy: { scheduler: 'exponential', node: { classType: 'ExponentialScheduler' } }, diffusers: { flag: 'use_exponential_sigmas', value: true }, paramSpecs: RANGE }),
  s({ id: 'polyexponential', displayName: 'Polyexponential', description: 'Log-sigma spaced by a power rho of the step fraction (rho 1 = exponential).', input: 'range', a1111: 'Polyexponential', comfy: { node: { classType: 'PolyexponentialScheduler' } }, paramSpecs: [num('rho', 1, 'power of the ramp; larger = denser near sigma_min', { min: 0, minExclusive: true, max: 1000 }), ...RANGE] }),
  s({
    id: 'beta', displayName: 'Beta', description: 'Timesteps at quantiles of a Beta(alpha, beta) distribution (Lee et al. 2024): dense at both ends.', input: 'table', comfy: { scheduler: 'beta', node: { classType: 'BetaSamplingScheduler' } }, diffusers: { flag: 'use_beta_sigmas', value: true },
    // A1111's "Beta" spaces sigmas, not timesteps: that is beta_a1111 below (same label, different maths).
    paramSpecs: [num('alpha', 0.6, 'Beta shape at the clean end; below 1 puts more steps at small sigmas', { min: 0, minExclusive: true, max: 50 }), num('beta', 0.6, 'Beta shape at the noisy end; below 1 puts more steps at large sigmas', { min: 0, minExclusive: true, max: 50 })]
  }),
  s({
    id: 'linear_quadratic', displayName: 'Linear Quadratic', description: 'Linear in noise level for the first half, then quadratic (the Mochi/Genmo schedule).', input: 'range', comfy: ks('linear_quadratic'),
    paramSpecs: [num('threshold_noise', 0.025, 'noise fraction reached at the end of the linear part', { min: 0, minExclusive: true, max: 1 }), int('linear_steps', undefined, 1, undefined, 'steps in the linear part (default floor(steps/2))')]
  }),
  s({ id: 'kl_optimal', displayName: 'KL Optimal', description: 'sigma = tan of evenly spaced angles: optimal for Euler on Gaussian data (AYS closed form).', input: 'range', a1111: 'KL Optimal', comfy: ks('kl_optimal'), paramSpecs: RANGE }),
  // A1111's "Align Your Steps" interpolates in another way: that is ays_a1111_* below.
  table('ays_sd1', 'Align Your Steps (SD1.5)', "NVIDIA's optimised 10-step table for SD1.5 (Sabour et al. 2024), log-linearly interpolated to other step counts.", 'AlignYourStepsScheduler', { model_type: 'SD1' }),
  table('ays_sdxl', 'Align Your Steps (SDXL)', "NVIDIA's optimised 10-step table for SDXL, log-linearly interpolated to other step counts.", 'AlignYourStepsScheduler', { model_type: 'SDXL' }),
  table('ays_svd', 'Align Your Steps (SVD)', "NVIDIA's optimised 10-step table for Stable Video Diffusion (sigma 700 … 0.002), log-linearly interpolated.", 'AlignYourStepsScheduler', { model_type: 'SVD' }),
  table('gits', 'GITS', 'Geometry-inspired time scheduling (Chen et al. 2024): tables searched for SD1.5, one per coefficient and step count (2–20), interpolated beyond 20.', 'GITSScheduler', {}, {
    paramSpecs: [num('coeff', 1.2, 'the table family: 0.80, 0.85, …, 1.50', { min: 0.8, max: 1.5 }), DENOISE]
  }),
  table('optimal_steps_flux', 'Optimal Steps (FLUX)', 'OptimalSteps (Pei et al. 2025) table searched for FLUX (flow sigmas in [0, 1]); for flow models.', 'OptimalStepsScheduler', { model_type: 'FLUX' }),
  table('optimal_steps_wan', 'Optimal Steps (Wan)', 'OptimalSteps table searched for Wan (flow sigmas in [0, 1]); for flow models.', 'OptimalStepsScheduler', { model_type: 'Wan' }),
  table('optimal_steps_chroma', 'Optimal Steps (Chroma)', 'OptimalSteps table searched for Chroma (flow sigmas in [0, 1]); for flow models.', 'OptimalStepsScheduler', { model_type: 'Chroma' }),
  // A1111 1.10's own maths for the two labels it shares with ComfyUI (src/main/engine/schedules/a1111.ts).
  s({
    id: 'beta_a1111', displayName: 'Beta (A1111)', description: "A1111's Beta: Beta(alpha, beta) quantiles spaced linearly in sigma between the model's ends (ComfyUI's beta picks timesteps instead).", input: 'range', a1111: 'Beta',
    paramSpecs: [num('alpha', 0.6, 'Beta shape at the clean end (A1111 option beta_dist_alpha)', { min: 0, minExclusive: true, max: 50 }), num('beta', 0.6, 'Beta shape at the noisy end (A1111 option beta_dist_beta)', { min: 0, minExclusive: true, max: 50 }), ...RANGE]
  }),
  s({ id: 'ays_a1111_sd1', displayName: 'Align Your Steps (A1111, SD1.5)', description: "A1111's Align Your Steps for SD models: its 11-value table interpolated log-linearly to the step count, then 0 appended (ComfyUI's replaces the last value).", input: 'fixed', a1111: 'Align Your Steps' }),
  s({ id: 'ays_a1111_sdxl', displayName: 'Align Your Steps (A1111, SDXL)', description: "A1111's Align Your Steps for SDXL models: its 11-value SDXL table interpolated log-linearly to the step count, then 0 appended.", input: 'fixed', a1111: 'Align Your Steps' }),
  s({ id: 'laplace', displayName: 'Laplace', description: 'Log-sigma at the quantiles of a Laplace distribution (Hang et al. 2024): dense around exp(mu); no trailing 0.', input: 'range', comfy: { node: { classType: 'LaplaceScheduler' } }, paramSpecs: [num('mu', 0, 'centre of the Laplace in log-sigma'), num('beta', 0.5, 'spread of the Laplace in log-sigma', { min: 0, minExclusive: true }), ...RANGE] }),
  s({ id: 'vp', displayName: 'VP', description: 'The continuous variance-preserving schedule (Song et al. 2021); needs no model.', input: 'none', comfy: { node: { classType: 'VPScheduler' } }, paramSpecs: [num('beta_d', 19.9, 'beta_max − beta_min of the VP SDE', { min: 0 }), num('beta_min', 0.1, 'beta at t = 0', { min: 0 }), num('eps_s', 0.001, 'the smallest time', { min: 0, minExclusive: true, max: 1 })] }),
  s({ id: 'sd_turbo', displayName: 'SD Turbo', description: "SD-Turbo's timesteps 999, 899, … 99 (at most 10 steps) through the model's table.", input: 'table', comfy: { node: { classType: 'SDTurboScheduler' } }, paramSpecs: [DENOISE] }),
  s({ id: 'score_optimal', displayName: 'Score-optimal', description: "Williams et al. (2024): equal steps of the model's own score-change length, calibrated per model; the Gaussian closed form until calibrated.", input: 'range', paramSpecs: [
    // Not the latents' overall std (about 1 for SD): a single Gaussian of that width has no fine structure, so its
    // optimum ends in one huge jump. 0.1 measured 0.0106 mean RMSE against karras's 0.0148 (dpmpp_2m, 10 steps, the
    // 16-D mixture), where 1 measured 0.737.
    num('sigma_data', 0.1, 'finest data scale assumed by the built-in fallback used until the model is calibrated', { min: 0, minExclusive: true, max: 1000 }), ...RANGE] }),
  s({ id: 'linspace', displayName: 'diffusers linspace', description: "diffusers timestep_spacing 'linspace': evenly spaced timesteps including both ends.", input: 'table', diffusers: { flag: 'timestep_spacing', value: 'linspace' } }),
  s({ id: 'leading', displayName: 'diffusers leading', description: "diffusers timestep_spacing 'leading' (SD1.x default): a fixed stride from timestep 0 plus steps_offset.", input: 'table', diffusers: { flag: 'timestep_spacing', value: 'leading' }, paramSpecs: [int('steps_offset', 1, 0, undefined, 'added to every timestep (SD 1.x configs: 1)')] }),
  s({ id: 'trailing', displayName: 'diffusers trailing', description: "diffusers timestep_spacing 'trailing': a fixed stride counted down from the last timestep (needed for zero-SNR models).", input: 'table', diffusers: { flag: 'timestep_spacing', value: 'trailing' } })
]

export const SCHEDULES: readonly ScheduleInfo[] = SCHEDULE_DESCRIPTORS.map((d) => ({
  ...d,
  // The range overrides are not listed as defaults: they default to the model's own ends.
  params: Object.fromEntries(d.paramSpecs.filter((p) => p.default !== undefined).map((p) => [p.name, p.default as number]))
}))
export const SCHEDULE_BY_ID: ReadonlyMap<string, ScheduleInfo> = new Map(SCHEDULES.map((d) => [d.id, d]))
export const SCHEDULE_IDS: readonly string[] = SCHEDULES.map((d) => d.id)
