/**
 * The one catalogue of samplers and schedules the whole app shows and accepts.
 *
 * Canonical ids are ComfyUI's KSampler names. Everything a person may type or paste — A1111 names
 * ("DPM++ 2M", "Euler a", "DPM++ 2M Karras"), diffusers scheduler class names, ComfyUI variants — is
 * resolved here, in one place, to an id plus the options or schedule it implies. The engine's
 * registries (src/main/engine/samplers, src/main/engine/schedules) hold the implementations; a test
 * checks both list the same ids.
 */
import { FAMILIES, type ModelFamily } from './model-family'

/** How a sampler treats randomness; decides whether reference-error comparison makes sense. */
export type SamplerKind = 'deterministic' | 'ancestral' | 'sde'

export interface SamplerInfo {
  id: string
  /** Name shown in pickers (A1111's where one exists, so artists recognise it). */
  displayName: string
  /** One line for the picker. */
  description: string
  kind: SamplerKind
  /** Order of accuracy of the underlying ODE/SDE solver (for the deterministic part). */
  order: number
  /**
   * Model (denoiser) calls per step in the usual case; 'adaptive' when the sampler picks its own
   * steps (dpm_adaptive reports its actual count after a run).
   */
  callsPerStep: number | 'adaptive'
  /** Options this sampler reads, for the UI and for validation. */
  options: readonly string[]
  /** Draws fresh noise even though it is deterministic in distribution (res_multistep). */
  drawsNoise: boolean
}

const CHURN = ['s_churn', 's_tmin', 's_tmax', 's_noise'] as const
const ANC = ['eta', 's_noise'] as const

export const SAMPLERS: readonly SamplerInfo[] = [
  { id: 'euler', displayName: 'Euler', description: 'First-order Euler step on the probability-flow ODE (Karras et al. 2022, Alg. 2); fast and predictable.', kind: 'deterministic', order: 1, callsPerStep: 1, options: CHURN, drawsNoise: false },
  { id: 'euler_ancestral', displayName: 'Euler a', description: 'Euler step down to a lower sigma, then fresh noise back up: changes with step count, soft and varied.', kind: 'ancestral', order: 1, callsPerStep: 1, options: ANC, drawsNoise: true },
  { id: 'heun', displayName: 'Heun', description: "Heun's second-order predictor-corrector (Karras et al. 2022, Alg. 1); two model calls per step.", kind: 'deterministic', order: 2, callsPerStep: 2, options: CHURN, drawsNoise: false },
  { id: 'heunpp2', displayName: 'Heun++ 2', description: 'Heun variant that averages up to three slopes with sigma-dependent weights; up to three calls per step; draws noise every step.', kind: 'deterministic', order: 1, callsPerStep: 3, options: CHURN, drawsNoise: true },
  { id: 'dpm_2', displayName: 'DPM2', description: 'Second-order midpoint step in log-sigma (Karras et al. 2022 variant of DPM-Solver-2); two calls per step.', kind: 'deterministic', order: 2, callsPerStep: 2, options: CHURN, drawsNoise: false },
  { id: 'dpm_2_ancestral', displayName: 'DPM2 a', description: 'DPM2 midpoint step plus ancestral re-noising; two calls per step.', kind: 'ancestral', order: 2, callsPerStep: 2, options: ANC, drawsNoise: true },
  { id: 'lms', displayName: 'LMS', description: 'Linear multistep (Adams–Bashforth in sigma) reusing past derivatives; one call per step; order option.', kind: 'deterministic', order: 4, callsPerStep: 1, options: ['order'], drawsNoise: false },
  { id: 'dpm_fast', displayName: 'DPM fast', description: 'DPM-Solver (Lu et al. 2022) with third-order stages spaced in log-sigma; spends one model call per step on average; uses only the schedule\'s ends.', kind: 'deterministic', order: 3, callsPerStep: 1, options: ANC, drawsNoise: true },
  { id: 'dpm_adaptive', displayName: 'DPM adaptive', description: 'DPM-Solver-12/23 with PID step-size control to a tolerance; chooses its own step count and reports its model calls.', kind: 'deterministic', order: 3, callsPerStep: 'adaptive', options: ['order', 'rtol', 'atol', 'h_init', 'pcoeff', 'icoeff', 'dcoeff', 'accept_safety', 'eta', 's_noise'], drawsNoise: true },
  { id: 'dpmpp_2s_ancestral', displayName: 'DPM++ 2S a', description: 'DPM-Solver++(2S) single-step second order in data prediction, with ancestral noise; two calls per step.', kind: 'ancestral', order: 2, callsPerStep: 2, options: ANC, drawsNoise: true },
  { id: 'dpmpp_sde', displayName: 'DPM++ SDE', description: 'DPM-Solver++ stochastic single-step (intermediate point r); two calls and two noise draws per step.', kind: 'sde', order: 2, callsPerStep: 2, options: ['eta', 's_noise', 'r'], drawsNoise: true },
  { id: 'dpmpp_2m', displayName: 'DPM++ 2M', description: 'DPM-Solver++(2M) multistep second order (Lu et al. 2022); one call per step; a sharp default.', kind: 'deterministic', order: 2, callsPerStep: 1, options: [], drawsNoise: false },
  { id: 'dpmpp_2m_sde', displayName: 'DPM++ 2M SDE', description: 'DPM-Solver++(2M) for the SDE with eta-scaled noise; midpoint or Heun solver type; one call per step.', kind: 'sde', order: 2, callsPerStep: 1, options: ['eta', 's_noise', 'solver_type'], drawsNoise: true },
  { id: 'dpmpp_3m_sde', displayName: 'DPM++ 3M SDE', description: 'Third-order multistep DPM-Solver++ for the SDE; one call per step; best with more steps.', kind: 'sde', order: 3, callsPerStep: 1, options: ['eta', 's_noise'], drawsNoise: true },
  { id: 'ddpm', displayName: 'DDPM', description: 'Ancestral DDPM posterior sampling (Ho et al. 2020) in sigma form; one call per step; needs many steps.', kind: 'ancestral', order: 1, callsPerStep: 1, options: ['s_noise'], drawsNoise: true },
  { id: 'ddim', displayName: 'DDIM', description: 'DDIM (Song et al. 2021): deterministic at eta 0 (same path as Euler), stochastic as eta grows to 1.', kind: 'deterministic', order: 1, callsPerStep: 1, options: ['eta'], drawsNoise: false },
  { id: 'lcm', displayName: 'LCM', description: 'Latent-consistency sampling: jump to the x0 estimate, re-noise to the next sigma; for LCM and turbo models at 1–8 steps.', kind: 'ancestral', order: 1, callsPerStep: 1, options: ['s_noise'], drawsNoise: true },
  { id: 'ipndm', displayName: 'iPNDM', description: 'Improved pseudo-numerical multistep (Zhang & Chen 2023), up to fourth order, one call per step.', kind: 'deterministic', order: 4, callsPerStep: 1, options: ['max_order'], drawsNoise: false },
  { id: 'ipndm_v', displayName: 'iPNDM-v', description: 'iPNDM with variable-step Adams–Bashforth coefficients for uneven schedules; one call per step.', kind: 'deterministic', order: 4, callsPerStep: 1, options: ['max_order'], drawsNoise: false },
  { id: 'deis', displayName: 'DEIS', description: 'Diffusion exponential integrator sampler (Zhang & Chen 2023), multistep up to order 3; one call per step.', kind: 'deterministic', order: 3, callsPerStep: 1, options: ['max_order'], drawsNoise: false },
  { id: 'res_multistep', displayName: 'RES multistep', description: 'Refined exponential solver, second-order multistep; one call per step (draws noise it does not use at eta 0).', kind: 'deterministic', order: 2, callsPerStep: 1, options: ['eta', 's_noise'], drawsNoise: true },
  { id: 'er_sde', displayName: 'ER-SDE', description: 'Extended reverse-time SDE solver (Cui et al. 2023), up to three stages; one call per step.', kind: 'sde', order: 3, callsPerStep: 1, options: ['max_stage', 's_noise'], drawsNoise: true },
  { id: 'uni_pc', displayName: 'UniPC', description: 'Unified predictor-corrector (Zhao et al. 2023), B(h)=h variant; high quality at 5–10 steps; one call per step.', kind: 'deterministic', order: 3, callsPerStep: 1, options: [], drawsNoise: false },
  { id: 'uni_pc_bh2', displayName: 'UniPC BH2', description: 'UniPC with B(h)=e^h−1, the variant diffusers uses by default; one call per step.', kind: 'deterministic', order: 3, callsPerStep: 1, options: [], drawsNoise: false }
]

export interface ScheduleInfo {
  id: string
  displayName: string
  description: string
  /** Parameters with their defaults. */
  params: Readonly<Record<string, number>>
}

export const SCHEDULES: readonly ScheduleInfo[] = [
  { id: 'simple', displayName: 'Simple', description: "Every (T/n)-th sigma of the model's own table, from the top.", params: {} },
  { id: 'normal', displayName: 'Normal', description: "Timesteps evenly spaced between the model's largest and smallest sigma, mapped through its table.", params: {} },
  { id: 'sgm_uniform', displayName: 'SGM Uniform', description: 'Evenly spaced timesteps without the final sigma_min point (as SGM/SDXL Turbo expects).', params: {} },
  { id: 'ddim_uniform', displayName: 'DDIM', description: 'Timesteps at a fixed stride from the bottom of the table, as the original DDIM sampler picks them.', params: {} },
  { id: 'karras', displayName: 'Karras', description: 'Karras et al. (2022) rho-spacing: dense near small sigmas; rho 7 by default.', params: { rho: 7 } },
  { id: 'exponential', displayName: 'Exponential', description: 'Uniform in log-sigma between the ends of the model table.', params: {} },
  { id: 'polyexponential', displayName: 'Polyexponential', description: 'Log-sigma spaced by a power rho of the step fraction (rho 1 = exponential).', params: { rho: 1 } },
  { id: 'beta', displayName: 'Beta', description: 'Timesteps at quantiles of a Beta(alpha, beta) distribution (Lee et al. 2024): dense at both ends.', params: { alpha: 0.6, beta: 0.6 } },
  { id: 'linear_quadratic', displayName: 'Linear Quadratic', description: 'Linear in noise level for the first half, then quadratic (the Mochi/Genmo schedule).', params: { threshold_noise: 0.025 } },
  { id: 'kl_optimal', displayName: 'KL Optimal', description: 'sigma = tan of evenly spaced angles: optimal for Euler on Gaussian data (AYS closed form).', params: {} },
  { id: 'ays_sd1', displayName: 'Align Your Steps (SD1.5)', description: "NVIDIA's optimised 10-step table for SD1.5 (Sabour et al. 2024), log-linearly interpolated to other step counts.", params: {} },
  { id: 'ays_sdxl', displayName: 'Align Your Steps (SDXL)', description: "NVIDIA's optimised 10-step table for SDXL, log-linearly interpolated to other step counts.", params: {} },
  { id: 'score_optimal', displayName: 'Score-optimal', description: "Williams et al. (2024): equal steps of the model's own score-change length, calibrated per model; the Gaussian closed form until calibrated.", params: { sigma_data: 0.1 } },
  { id: 'linspace', displayName: 'diffusers linspace', description: "diffusers timestep_spacing 'linspace': evenly spaced timesteps including both ends.", params: {} },
  { id: 'leading', displayName: 'diffusers leading', description: "diffusers timestep_spacing 'leading' (SD1.x default): a fixed stride from timestep 0 plus steps_offset.", params: { steps_offset: 1 } },
  { id: 'trailing', displayName: 'diffusers trailing', description: "diffusers timestep_spacing 'trailing': a fixed stride counted down from the last timestep (needed for zero-SNR models).", params: {} }
]

const byId = <T extends { id: string }>(list: readonly T[]): ReadonlyMap<string, T> => new Map(list.map((e) => [e.id, e]))
export const SAMPLER_BY_ID = byId(SAMPLERS)
export const SCHEDULE_BY_ID = byId(SCHEDULES)
export const SAMPLER_IDS: readonly string[] = SAMPLERS.map((s) => s.id)
export const SCHEDULE_IDS: readonly string[] = SCHEDULES.map((s) => s.id)

/** What a name typed or pasted by a person means. */
export interface ResolvedSampler {
  sampler: string
  /** Options the name implies (e.g. "DPM++ 2M SDE Heun" → solver_type heun). */
  options?: Readonly<Record<string, string | number>>
  /** A schedule folded into an older A1111 name ("DPM++ 2M Karras"). */
  schedule?: string
}

/** Normalises a name for lookup: case, spaces, dashes, underscores and "+" spellings. */
function key(name: string): string {
  return name.trim().toLowerCase().replace(/\+\+/g, 'pp').replace(/[\s_\-.]+/g, '')
}

/**
 * Aliases: A1111 sampler names, diffusers scheduler classes and ComfyUI variant ids. Where a diffusers
 * class is not an exact match for any of ours, the closest sampler is given and the comment says so.
 */
const SAMPLER_ALIASES: Record<string, ResolvedSampler> = {
  // A1111
  'Euler a': { sampler: 'euler_ancestral' },
  'DPM2 a': { sampler: 'dpm_2_ancestral' },
  'DPM++ 2S a': { sampler: 'dpmpp_2s_ancestral' },
  'DPM++ 2M SDE Heun': { sampler: 'dpmpp_2m_sde', options: { solver_type: 'heun' } },
  'DPM++ 2M SDE': { sampler: 'dpmpp_2m_sde', options: { solver_type: 'midpoint' } },
  'DPM fast': { sampler: 'dpm_fast' },
  'DPM adaptive': { sampler: 'dpm_adaptive' },
  'Heun++': { sampler: 'heunpp2' },
  // ComfyUI variants
  dpmpp_2m_sde_heun: { sampler: 'dpmpp_2m_sde', options: { solver_type: 'heun' } },
  dpmpp_2m_sde_gpu: { sampler: 'dpmpp_2m_sde' },
  dpmpp_2m_sde_heun_gpu: { sampler: 'dpmpp_2m_sde', options: { solver_type: 'heun' } },
  dpmpp_3m_sde_gpu: { sampler: 'dpmpp_3m_sde' },
  euler_ancestral_cfg_pp: { sampler: 'euler_ancestral' },
  // diffusers scheduler classes
  EulerDiscreteScheduler: { sampler: 'euler' },
  EDMEulerScheduler: { sampler: 'euler' },
  EulerAncestralDiscreteScheduler: { sampler: 'euler_ancestral' },
  HeunDiscreteScheduler: { sampler: 'heun' },
  KDPM2DiscreteScheduler: { sampler: 'dpm_2' },
  KDPM2AncestralDiscreteScheduler: { sampler: 'dpm_2_ancestral' },
  LMSDiscreteScheduler: { sampler: 'lms' },
  DPMSolverMultistepScheduler: { sampler: 'dpmpp_2m' },
  EDMDPMSolverMultistepScheduler: { sampler: 'dpmpp_2m' },
  DPMSolverSDEScheduler: { sampler: 'dpmpp_sde' },
  DDIMScheduler: { sampler: 'ddim' },
  DDPMScheduler: { sampler: 'ddpm' },
  // PNDM's PLMS is a fourth-order linear multistep in eps; iPNDM is its improved form and the closest we have.
  PNDMScheduler: { sampler: 'ipndm' },
  LCMScheduler: { sampler: 'lcm' },
  DEISMultistepScheduler: { sampler: 'deis' },
  // diffusers' UniPC defaults to solver_type "bh2".
  UniPCMultistepScheduler: { sampler: 'uni_pc_bh2' }
}

/** Older A1111 names carry the schedule as a suffix ("DPM++ 2M Karras"). */
const SCHEDULE_SUFFIXES: Array<[string, string]> = [
  [' Karras', 'karras'],
  [' Exponential', 'exponential']
]

const SAMPLER_LOOKUP: ReadonlyMap<string, ResolvedSampler> = (() => {
  const m = new Map<string, ResolvedSampler>()
  for (const s of SAMPLERS) {
    m.set(key(s.id), { sampler: s.id })
    m.set(key(s.displayName), { sampler: s.id })
  }
  for (const [alias, r] of Object.entries(SAMPLER_ALIASES)) m.set(key(alias), r)
  return m
})()

/** Resolves an id, display name or alias; undefined when nothing matches. */
export function resolveSamplerName(name: string): ResolvedSampler | undefined {
  const direct = SAMPLER_LOOKUP.get(key(name))
  if (direct) return direct
  for (const [suffix, schedule] of SCHEDULE_SUFFIXES) {
    if (name.trim().toLowerCase().endsWith(suffix.toLowerCase())) {
      const base = SAMPLER_LOOKUP.get(key(name.trim().slice(0, -suffix.length)))
      if (base) return { ...base, schedule }
    }
  }
  return undefined
}

/** The latent family a model belongs to, for schedules that depend on it (A1111's "Align Your Steps"). */
export type ScheduleFamilyHint = ModelFamily | undefined

const SCHEDULE_ALIASES: Record<string, string> = {
  Uniform: 'normal',
  Automatic: 'normal',
  'SGM Uniform': 'sgm_uniform',
  DDIM: 'ddim_uniform',
  'KL Optimal': 'kl_optimal',
  'Linear Quadratic': 'linear_quadratic',
  // diffusers flags
  use_karras_sigmas: 'karras',
  use_exponential_sigmas: 'exponential',
  use_beta_sigmas: 'beta'
}

/** Resolves a schedule id, display name or alias ("Karras", "Align Your Steps"…); undefined when unknown. */
export function resolveScheduleName(name: string, family?: ScheduleFamilyHint): string | undefined {
  const k = key(name)
  if (k === key('Align Your Steps') || k === 'ays' || k === 'alignyoursteps') return FAMILIES[family ?? 'sd1'].aysSchedule
  for (const s of SCHEDULES) if (key(s.id) === k || key(s.displayName) === k) return s.id
  for (const [alias, id] of Object.entries(SCHEDULE_ALIASES)) if (key(alias) === k) return id
  return undefined
}
