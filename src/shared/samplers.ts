/**
 * One descriptor per sampler: everything the app says or checks about a sampler is declared here, once.
 * The engine registers an implementation under each id (src/main/engine/samplers/index.ts; a test fails
 * when a descriptor has no implementation or the reverse); the pickers, the CLI help, infotext, the
 * ComfyUI exporter and the importers read these descriptors.
 *
 * Ids are ComfyUI's sampler names (comfy/samplers.py SAMPLER_NAMES, 2026-01). A descriptor with `aliasOf`
 * runs another id's implementation: ComfyUI's `_gpu` names draw their Brownian-tree noise on the GPU,
 * which no tool reproduces across machines, so here they are the CPU computation under ComfyUI's name.
 */
import { bool, choice, int, num, type OptionSpec } from './option-spec'

/** How a sampler treats randomness; decides whether reference-error comparison makes sense. */
export type SamplerKind = 'deterministic' | 'ancestral' | 'sde'

export interface SamplerDescriptor {
  readonly id: string
  /** Name shown in pickers (A1111's where one exists, so artists recognise it). */
  readonly displayName: string
  /** One line for the picker. */
  readonly description: string
  readonly kind: SamplerKind
  /** Order of accuracy of the underlying ODE/SDE solver (for the deterministic part). */
  readonly order: number
  /** Model calls per step in the usual case; 'adaptive' when the sampler picks its own steps. */
  readonly callsPerStep: number | 'adaptive'
  /** The options it reads, with defaults and ranges (ComfyUI's names and defaults). */
  readonly optionSpecs: readonly OptionSpec[]
  /** Draws fresh noise (even where it multiplies it by 0, as res_multistep does, to stay aligned with ComfyUI). */
  readonly drawsNoise: boolean
  /** A CFG++ sampler: it steps with the unconditional prediction, so guidance must hand it over (never skipped at CFG 1). */
  readonly cfgPP: boolean
  /** A1111 drops the next-to-last sigma of the schedule for this sampler (its `discard_next_to_last_sigma`). */
  readonly discardsPenultimateSigma: boolean
  /** A1111 (1.10) names, the first one canonical, and the schedule its "Automatic" means; null where A1111 lacks it. */
  readonly a1111: { readonly names: readonly string[]; readonly automaticSchedule: string } | null
  /** ComfyUI: the sampler name, and whether a stock KSampler node carries it faithfully (else SamplerCustom). */
  readonly comfy: { readonly name: string; readonly node: 'KSampler' | 'SamplerCustom' }
  /** The diffusers scheduler class with the config that selects this method; `exact` false where it is only the closest one. */
  readonly diffusers: { readonly className: string; readonly config?: Readonly<Record<string, string | number | boolean>>; readonly exact: boolean } | null
  /** Runs the implementation of another id; `note` says why the name exists. */
  readonly aliasOf?: { readonly id: string; readonly note: string }
}

/** The descriptor plus what is derived from it (the option names). */
export interface SamplerInfo extends SamplerDescriptor {
  /** Names of `optionSpecs`, for quick membership tests. */
  readonly options: readonly string[]
  /** kind !== 'deterministic'. */
  readonly stochastic: boolean
}

const CHURN: readonly OptionSpec[] = [
  num('s_churn', 0, 'Karras churn: noise added back before each step (0 = none)', { min: 0 }),
  num('s_tmin', 0, 'churn only at sigmas of at least this'),
  num('s_tmax', Infinity, 'churn only at sigmas of at most this', { allowInfinity: true }),
  num('s_noise', 1, 'scale of the churn noise', { min: 0 })
]
const eta = (def = 1): OptionSpec => num('eta', def, 'amount of fresh noise per step (0 = deterministic, 1 = the DDPM posterior amount)', { min: 0 })
const S_NOISE = num('s_noise', 1, 'scale of the fresh noise', { min: 0 })
const ANC: readonly OptionSpec[] = [eta(), S_NOISE]
const SDE_SOLVER = choice('solver_type', ['midpoint', 'heun'], 'midpoint', 'second-order correction: midpoint, or the exact Heun-type weight')
const UNIPC_ORDER = int('order', 3, 1, 3, 'solver order (ComfyUI fixes 3; diffusers recommends 2 for guided sampling)')
const GE_GAMMA = num('ge_gamma', 2, 'gradient-estimation weight of the slope change (1 = plain Euler)')
const SA_SOLVER: readonly OptionSpec[] = [
  eta(),
  num('sde_start_sigma', undefined, 'SDE interval upper sigma (default: the model sigma at sde_start_percent)', { min: 0 }),
  num('sde_end_sigma', undefined, 'SDE interval lower sigma (default: the model sigma at sde_end_percent)', { min: 0 }),
  num('sde_start_percent', 0.2, 'start of the SDE interval as a fraction of the sampling run', { min: 0, max: 1 }),
  num('sde_end_percent', 0.8, 'end of the SDE interval as a fraction of the sampling run', { min: 0, max: 1 }),
  S_NOISE,
  int('predictor_order', 3, 1, 6, 'stochastic Adams predictor order'),
  int('corrector_order', 4, 0, 6, 'stochastic Adams corrector order (0 = no corrector)'),
  bool('simple_order_2', false, 'use the simplified order-2 coefficients of the paper\'s appendix')
]

type Row = Omit<SamplerDescriptor, 'discardsPenultimateSigma' | 'a1111' | 'comfy' | 'diffusers' | 'cfgPP' | 'drawsNoise'> &
  Partial<Pick<SamplerDescriptor, 'discardsPenultimateSigma' | 'a1111' | 'diffusers' | 'cfgPP' | 'drawsNoise'>>

function d(row: Row): SamplerDescriptor {
  const cfgPP = row.cfgPP ?? false
  return {
    drawsNoise: false,
    discardsPenultimateSigma: false,
    a1111: null,
    diffusers: null,
    ...row,
    cfgPP,
    // KSampler runs CFG++ samplers too, but SamplerCustom + KSamplerSelect names the method explicitly.
    comfy: { name: row.id, node: cfgPP ? 'SamplerCustom' : 'KSampler' }
  }
}

const a1111 = (names: string[], automaticSchedule = 'normal'): SamplerDescriptor['a1111'] => ({ names, automaticSchedule })
const dif = (className: string, config?: Record<string, string | number | boolean>, exact = true): SamplerDescriptor['diffusers'] => ({ className, config, exact })
const gpu = (twin: string): SamplerDescriptor['aliasOf'] => ({
  id: twin,
  note: `ComfyUI's GPU-noise twin of ${twin}: ComfyUI draws its Brownian noise on the GPU (not reproducible across machines); here it runs ${twin}`
})

export const SAMPLER_DESCRIPTORS: readonly SamplerDescriptor[] = [
  d({ id: 'euler', displayName: 'Euler', description: 'First-order Euler step on the probability-flow ODE (Karras et al. 2022, Alg. 2); fast and predictable.', kind: 'deterministic', order: 1, callsPerStep: 1, optionSpecs: CHURN, a1111: a1111(['Euler', 'k_euler']), diffusers: dif('EulerDiscreteScheduler') }),
  d({ id: 'euler_cfg_pp', displayName: 'Euler CFG++', description: 'CFG++ (Chung et al. 2024): Euler that renoises along the unconditional prediction; use low CFG (about 0.5–2).', kind: 'deterministic', order: 1, callsPerStep: 1, optionSpecs: [], cfgPP: true }),
  d({ id: 'euler_ancestral', displayName: 'Euler a', description: 'Euler step down to a lower sigma, then fresh noise back up: changes with step count, soft and varied.', kind: 'ancestral', order: 1, callsPerStep: 1, optionSpecs: ANC, drawsNoise: true, a1111: a1111(['Euler a', 'k_euler_a']), diffusers: dif('EulerAncestralDiscreteScheduler') }),
  d({ id: 'euler_ancestral_cfg_pp', displayName: 'Euler a CFG++', description: 'Ancestral Euler with the CFG++ renoising along the unconditional prediction; use low CFG.', kind: 'ancestral', order: 1, callsPerStep: 1, optionSpecs: ANC, drawsNoise: true, cfgPP: true }),
  d({ id: 'heun', displayName: 'Heun', description: "Heun's second-order predictor-corrector (Karras et al. 2022, Alg. 1); two model calls per step.", kind: 'deterministic', order: 2, callsPerStep: 2, optionSpecs: CHURN, a1111: a1111(['Heun', 'k_heun']), diffusers: dif('HeunDiscreteScheduler') }),
  d({ id: 'heunpp2', displayName: 'Heun++ 2', description: 'Heun variant that averages up to three slopes with sigma-dependent weights; up to three calls per step; draws noise every step.', kind: 'deterministic', order: 1, callsPerStep: 3, optionSpecs: CHURN, drawsNoise: true }),
  d({ id: 'exp_heun_2_x0', displayName: 'Exp. Heun 2 x0', description: 'Exponential Heun in data prediction and log-SNR time (SEEDS-2 with r = 1, no noise); two calls per step.', kind: 'deterministic', order: 2, callsPerStep: 2, optionSpecs: [choice('solver_type', ['phi_2', 'phi_1'], 'phi_2', 'how the two estimates are combined')] }),
  d({ id: 'exp_heun_2_x0_sde', displayName: 'Exp. Heun 2 x0 SDE', description: 'Stochastic exponential Heun (SEEDS-2 with r = 1); two calls and two noise draws per step.', kind: 'sde', order: 2, callsPerStep: 2, optionSpecs: [...ANC, choice('solver_type', ['phi_2', 'phi_1'], 'phi_2', 'how the two estimates are combined')], drawsNoise: true }),
  d({ id: 'dpm_2', displayName: 'DPM2', description: 'Second-order midpoint step in log-sigma (Karras et al. 2022 variant of DPM-Solver-2); two calls per step.', kind: 'deterministic', order: 2, callsPerStep: 2, optionSpecs: CHURN, discardsPenultimateSigma: true, a1111: a1111(['DPM2', 'k_dpm_2'], 'karras'), diffusers: dif('KDPM2DiscreteScheduler') }),
  d({ id: 'dpm_2_ancestral', displayName: 'DPM2 a', description: 'DPM2 midpoint step plus ancestral re-noising; two calls per step.', kind: 'ancestral', order: 2, callsPerStep: 2, optionSpecs: ANC, drawsNoise: true, discardsPenultimateSigma: true, a1111: a1111(['DPM2 a', 'k_dpm_2_a'], 'karras'), diffusers: dif('KDPM2AncestralDiscreteScheduler') }),
  d({ id: 'lms', displayName: 'LMS', description: 'Linear multistep (Adams–Bashforth in sigma) reusing past derivatives; one call per step; order option.', kind: 'deterministic', order: 4, callsPerStep: 1, optionSpecs: [int('order', 4, 1, undefined, 'number of past derivatives combined')], a1111: a1111(['LMS', 'k_lms']), diffusers: dif('LMSDiscreteScheduler') }),
  d({ id: 'dpm_fast', displayName: 'DPM fast', description: "DPM-Solver (Lu et al. 2022) with third-order stages spaced in log-sigma; spends one model call per step on average; uses only the schedule's ends.", kind: 'deterministic', order: 3, callsPerStep: 1, optionSpecs: [eta(0), S_NOISE], drawsNoise: true, a1111: a1111(['DPM fast', 'k_dpm_fast']) }),
  d({
    id: 'dpm_adaptive', displayName: 'DPM adaptive', description: 'DPM-Solver-12/23 with PID step-size control to a tolerance; chooses its own step count and reports its model calls.', kind: 'deterministic', order: 3, callsPerStep: 'adaptive', drawsNoise: true, a1111: a1111(['DPM adaptive', 'k_dpm_ad']),
    optionSpecs: [
      int('order', 3, 2, 3, 'solver order'), num('rtol', 0.05, 'relative error tolerance', { min: 0 }), num('atol', 0.0078, 'absolute error tolerance', { min: 0, minExclusive: true }),
      num('h_init', 0.05, 'first step size in log-sigma', { min: 0, minExclusive: true }), num('pcoeff', 0, 'PID controller P coefficient'), num('icoeff', 1, 'PID controller I coefficient'),
      num('dcoeff', 0, 'PID controller D coefficient'), num('accept_safety', 0.81, 'step acceptance safety factor'), eta(0), S_NOISE
    ]
  }),
  d({ id: 'dpmpp_2s_ancestral', displayName: 'DPM++ 2S a', description: 'DPM-Solver++(2S) single-step second order in data prediction, with ancestral noise; two calls per step.', kind: 'ancestral', order: 2, callsPerStep: 2, optionSpecs: ANC, drawsNoise: true, a1111: a1111(['DPM++ 2S a', 'k_dpmpp_2s_a'], 'karras') }),
  d({ id: 'dpmpp_2s_ancestral_cfg_pp', displayName: 'DPM++ 2S a CFG++', description: 'DPM++ 2S a with the CFG++ renoising along the unconditional prediction; two calls per step; use low CFG.', kind: 'ancestral', order: 2, callsPerStep: 2, optionSpecs: ANC, drawsNoise: true, cfgPP: true }),
  d({ id: 'dpmpp_sde', displayName: 'DPM++ SDE', description: 'DPM-Solver++ stochastic single-step (intermediate point r); two calls and two noise draws per step.', kind: 'sde', order: 2, callsPerStep: 2, optionSpecs: [...ANC, num('r', 0.5, 'intermediate point as a fraction of the step', { min: 0, minExclusive: true, max: 1 })], drawsNoise: true, a1111: a1111(['DPM++ SDE', 'k_dpmpp_sde'], 'karras'), diffusers: dif('DPMSolverSDEScheduler') }),
  d({ id: 'dpmpp_sde_gpu', displayName: 'DPM++ SDE (GPU noise)', description: 'ComfyUI name for DPM++ SDE with GPU-drawn noise; runs DPM++ SDE here.', kind: 'sde', order: 2, callsPerStep: 2, optionSpecs: [...ANC, num('r', 0.5, 'intermediate point as a fraction of the step', { min: 0, minExclusive: true, max: 1 })], drawsNoise: true, aliasOf: gpu('dpmpp_sde') }),
  d({ id: 'dpmpp_2m', displayName: 'DPM++ 2M', description: 'DPM-Solver++(2M) multistep second order (Lu et al. 2022); one call per step; a sharp default.', kind: 'deterministic', order: 2, callsPerStep: 1, optionSpecs: [], a1111: a1111(['DPM++ 2M', 'k_dpmpp_2m'], 'karras'), diffusers: dif('DPMSolverMultistepScheduler', { algorithm_type: 'dpmsolver++', solver_order: 2 }) }),
  d({ id: 'dpmpp_2m_cfg_pp', displayName: 'DPM++ 2M CFG++', description: 'DPM++ 2M stepping along the unconditional prediction (CFG++); one call per step; use low CFG.', kind: 'deterministic', order: 2, callsPerStep: 1, optionSpecs: [], cfgPP: true }),
  d({ id: 'dpmpp_2m_sde', displayName: 'DPM++ 2M SDE', description: 'DPM-Solver++(2M) for the SDE with eta-scaled noise; midpoint or Heun solver type; one call per step.', kind: 'sde', order: 2, callsPerStep: 1, optionSpecs: [...ANC, SDE_SOLVER], drawsNoise: true, a1111: a1111(['DPM++ 2M SDE', 'k_dpmpp_2m_sde'], 'exponential'), diffusers: dif('DPMSolverMultistepScheduler', { algorithm_type: 'sde-dpmsolver++', solver_order: 2 }) }),
  d({ id: 'dpmpp_2m_sde_gpu', displayName: 'DPM++ 2M SDE (GPU noise)', description: 'ComfyUI name for DPM++ 2M SDE with GPU-drawn noise; runs DPM++ 2M SDE here.', kind: 'sde', order: 2, callsPerStep: 1, optionSpecs: [...ANC, SDE_SOLVER], drawsNoise: true, aliasOf: gpu('dpmpp_2m_sde') }),
  d({ id: 'dpmpp_2m_sde_heun', displayName: 'DPM++ 2M SDE Heun', description: 'DPM++ 2M SDE with the Heun-type second-order weight; one call per step.', kind: 'sde', order: 2, callsPerStep: 1, optionSpecs: ANC, drawsNoise: true, a1111: a1111(['DPM++ 2M SDE Heun', 'k_dpmpp_2m_sde_heun'], 'exponential'), diffusers: dif('DPMSolverMultistepScheduler', { algorithm_type: 'sde-dpmsolver++', solver_order: 2, solver_type: 'heun' }) }),
  d({ id: 'dpmpp_2m_sde_heun_gpu', displayName: 'DPM++ 2M SDE Heun (GPU noise)', description: 'ComfyUI name for DPM++ 2M SDE Heun with GPU-drawn noise; runs DPM++ 2M SDE Heun here.', kind: 'sde', order: 2, callsPerStep: 1, optionSpecs: ANC, drawsNoise: true, aliasOf: gpu('dpmpp_2m_sde_heun') }),
  d({ id: 'dpmpp_3m_sde', displayName: 'DPM++ 3M SDE', description: 'Third-order multistep DPM-Solver++ for the SDE; one call per step; best with more steps.', kind: 'sde', order: 3, callsPerStep: 1, optionSpecs: ANC, drawsNoise: true, discardsPenultimateSigma: true, a1111: a1111(['DPM++ 3M SDE', 'k_dpmpp_3m_sde'], 'exponential'), diffusers: dif('DPMSolverMultistepScheduler', { algorithm_type: 'sde-dpmsolver++', solver_order: 3 }) }),
  d({ id: 'dpmpp_3m_sde_gpu', displayName: 'DPM++ 3M SDE (GPU noise)', description: 'ComfyUI name for DPM++ 3M SDE with GPU-drawn noise; runs DPM++ 3M SDE here.', kind: 'sde', order: 3, callsPerStep: 1, optionSpecs: ANC, drawsNoise: true, aliasOf: gpu('dpmpp_3m_sde') }),
  d({ id: 'ddpm', displayName: 'DDPM', description: 'Ancestral DDPM posterior sampling (Ho et al. 2020) in sigma form; one call per step; needs many steps.', kind: 'ancestral', order: 1, callsPerStep: 1, optionSpecs: [S_NOISE], drawsNoise: true, a1111: a1111(['DDPM']), diffusers: dif('DDPMScheduler') }),
  d({ id: 'lcm', displayName: 'LCM', description: 'Latent-consistency sampling: jump to the x0 estimate, re-noise to the next sigma; for LCM and turbo models at 1–8 steps.', kind: 'ancestral', order: 1, callsPerStep: 1, optionSpecs: [S_NOISE], drawsNoise: true, a1111: a1111(['LCM']), diffusers: dif('LCMScheduler') }),
  d({ id: 'ipndm', displayName: 'iPNDM', description: 'Improved pseudo-numerical multistep (Zhang & Chen 2023), up to fourth order, one call per step.', kind: 'deterministic', order: 4, callsPerStep: 1, optionSpecs: [int('max_order', 4, 1, 4, 'highest multistep order')], diffusers: dif('PNDMScheduler', undefined, false) }),
  d({ id: 'ipndm_v', displayName: 'iPNDM-v', description: 'iPNDM with variable-step Adams–Bashforth coefficients for uneven schedules; one call per step.', kind: 'deterministic', order: 4, callsPerStep: 1, optionSpecs: [int('max_order', 4, 1, 4, 'highest multistep order')] }),
  d({ id: 'deis', displayName: 'DEIS', description: 'Diffusion exponential integrator sampler (Zhang & Chen 2023), multistep up to order 3; one call per step.', kind: 'deterministic', order: 3, callsPerStep: 1, optionSpecs: [int('max_order', 3, 1, 4, 'highest multistep order')], diffusers: dif('DEISMultistepScheduler') }),
  d({ id: 'res_multistep', displayName: 'RES multistep', description: 'Refined exponential solver, second-order multistep; one call per step (draws noise it does not use at eta 0).', kind: 'deterministic', order: 2, callsPerStep: 1, optionSpecs: [S_NOISE], drawsNoise: true }),
  d({ id: 'res_multistep_cfg_pp', displayName: 'RES multistep CFG++', description: 'RES multistep stepping along the unconditional prediction (CFG++); one call per step; use low CFG.', kind: 'deterministic', order: 2, callsPerStep: 1, optionSpecs: [S_NOISE], drawsNoise: true, cfgPP: true }),
  d({ id: 'res_multistep_ancestral', displayName: 'RES multistep a', description: 'RES multistep to a lower sigma, then fresh noise back up (eta); one call per step.', kind: 'ancestral', order: 2, callsPerStep: 1, optionSpecs: ANC, drawsNoise: true }),
  d({ id: 'res_multistep_ancestral_cfg_pp', displayName: 'RES multistep a CFG++', description: 'Ancestral RES multistep with CFG++ stepping; one call per step; use low CFG.', kind: 'ancestral', order: 2, callsPerStep: 1, optionSpecs: ANC, drawsNoise: true, cfgPP: true }),
  d({ id: 'gradient_estimation', displayName: 'Gradient estimation', description: 'Euler with a gradient-estimation correction from the previous slope (Permenter & Yuan 2024); one call per step.', kind: 'deterministic', order: 2, callsPerStep: 1, optionSpecs: [GE_GAMMA] }),
  d({ id: 'gradient_estimation_cfg_pp', displayName: 'Gradient estimation CFG++', description: 'Gradient estimation stepping along the unconditional prediction (CFG++); use low CFG.', kind: 'deterministic', order: 2, callsPerStep: 1, optionSpecs: [GE_GAMMA], cfgPP: true }),
  d({ id: 'er_sde', displayName: 'ER-SDE', description: 'Extended reverse-time SDE solver (Cui et al. 2023), up to three stages; one call per step.', kind: 'sde', order: 3, callsPerStep: 1, optionSpecs: [int('max_stage', 3, 1, 3, 'number of stages'), S_NOISE], drawsNoise: true }),
  d({ id: 'seeds_2', displayName: 'SEEDS-2', description: 'Stochastic explicit exponential derivative-free solver, 2 stages (Gonzalez et al. 2023); two calls per step.', kind: 'sde', order: 2, callsPerStep: 2, drawsNoise: true, optionSpecs: [...ANC, num('r', 0.5, 'position of the intermediate stage in log-SNR', { min: 0, minExclusive: true, max: 1 }), choice('solver_type', ['phi_1', 'phi_2'], 'phi_1', 'how the two estimates are combined')] }),
  d({ id: 'seeds_3', displayName: 'SEEDS-3', description: 'Stochastic explicit exponential derivative-free solver, 3 stages; three calls per step.', kind: 'sde', order: 3, callsPerStep: 3, drawsNoise: true, optionSpecs: [...ANC, num('r_1', 1 / 3, 'first intermediate stage in log-SNR', { min: 0, minExclusive: true, max: 1 }), num('r_2', 2 / 3, 'second intermediate stage in log-SNR', { min: 0, minExclusive: true, max: 1 })] }),
  d({ id: 'sa_solver', displayName: 'SA-Solver', description: 'Stochastic Adams solver (Xue et al. 2023): multistep predictor-corrector with SDE noise inside a sigma interval; one call per step.', kind: 'sde', order: 3, callsPerStep: 1, drawsNoise: true, optionSpecs: [...SA_SOLVER, bool('use_pece', false, 'evaluate the corrected state again (PECE, two calls per step)')], diffusers: dif('SASolverScheduler', undefined, false) }),
  d({ id: 'sa_solver_pece', displayName: 'SA-Solver PECE', description: 'SA-Solver in predict–evaluate–correct–evaluate mode; two calls per step.', kind: 'sde', order: 3, callsPerStep: 2, drawsNoise: true, optionSpecs: SA_SOLVER }),
  d({ id: 'ddim', displayName: 'DDIM', description: 'DDIM (Song et al. 2021): deterministic at eta 0 (same path as Euler), stochastic as eta grows to 1.', kind: 'deterministic', order: 1, callsPerStep: 1, optionSpecs: [eta(0)], a1111: a1111(['DDIM']), diffusers: dif('DDIMScheduler') }),
  d({ id: 'uni_pc', displayName: 'UniPC', description: 'Unified predictor-corrector (Zhao et al. 2023), B(h)=h variant; high quality at 5–10 steps; one call per step.', kind: 'deterministic', order: 3, callsPerStep: 1, optionSpecs: [UNIPC_ORDER], a1111: a1111(['UniPC']), diffusers: dif('UniPCMultistepScheduler', { solver_type: 'bh1' }) }),
  d({ id: 'uni_pc_bh2', displayName: 'UniPC BH2', description: 'UniPC with B(h)=e^h−1, the variant diffusers uses by default; one call per step.', kind: 'deterministic', order: 3, callsPerStep: 1, optionSpecs: [UNIPC_ORDER], diffusers: dif('UniPCMultistepScheduler', { solver_type: 'bh2' }) })
]

export const SAMPLERS: readonly SamplerInfo[] = SAMPLER_DESCRIPTORS.map((s) => ({ ...s, options: s.optionSpecs.map((o) => o.name), stochastic: s.kind !== 'deterministic' }))
export const SAMPLER_BY_ID: ReadonlyMap<string, SamplerInfo> = new Map(SAMPLERS.map((s) => [s.id, s]))
export const SAMPLER_IDS: readonly string[] = SAMPLERS.map((s) => s.id)

/** The id whose implementation runs for `id` (itself, or the twin of an alias). */
export function implementationId(id: string): string {
  return SAMPLER_BY_ID.get(id)?.aliasOf?.id ?? id
}
