/**
 * The engine's seams: what a denoiser, a noise source and a sampler are.
 *
 * Everything here is in the k-diffusion "x = x0 + sigma * n" parameterisation. A model of any
 * prediction type (epsilon, v, x0) is turned into a {@link Denoiser} by the models layer; samplers
 * only ever see sigmas and x0-estimates, never timesteps or eps.
 *
 * Tensors are flat Float64Arrays, batch rows one after another. Samplers are element-wise over the
 * whole flat tensor; only denoisers and guidance modifiers need to know the batch layout, and they are
 * constructed with it.
 */

/** A latent (or any state) as one flat float64 array: batch rows one after another. */
export type Tensor = Float64Array

/**
 * D(x, sigma): the model's estimate of the clean sample x0 given the noisy x at noise level sigma.
 * Async so that a model call can run elsewhere (ONNX Runtime, another worker) and so that several
 * samplers running side by side can be batched into one model call by a coalescing denoiser.
 * The returned array is owned by the caller and may be modified.
 */
export type Denoiser = (x: Tensor, sigma: number) => Promise<Tensor>

/**
 * Where a sampler's fresh Gaussian noise comes from. `next(sigma, sigmaNext)` returns a new array of
 * standard-normal values with the length of x, for the step from `sigma` to `sigmaNext`
 * (k-diffusion's `noise_sampler(sigma, sigma_next)`). Samplers draw in exactly the order the
 * reference implementation does, so an injected list of arrays reproduces a reference run.
 */
export interface NoiseSource {
  next(sigma: number, sigmaNext: number): Tensor
}

/** What a sampler reports after each step; `denoised` is the preview source. */
export interface StepInfo {
  /** Step index, 0-based, counting the sigma list's intervals. */
  i: number
  /** Number of steps in the run (sigmas.length - 1); for adaptive samplers an estimate. */
  steps: number
  sigma: number
  /** The sigma actually evaluated after churn (equal to sigma when there is none). */
  sigmaHat: number
  /** The sampler's current x0-estimate. Do not modify. */
  denoised: Tensor
  /** The state after this step. Do not modify. */
  x: Tensor
}

/** Options a sampler may read; each sampler documents which ones it honours and their defaults. */
export interface SamplerOptions {
  eta?: number
  s_noise?: number
  s_churn?: number
  s_tmin?: number
  s_tmax?: number
  /** lms: linear multistep order. */
  order?: number
  /** dpmpp_sde: the intermediate-point ratio. */
  r?: number
  /** dpmpp_2m_sde: 'midpoint' or 'heun'; seeds_2 / exp_heun_2_x0: 'phi_1' or 'phi_2'. */
  solver_type?: 'midpoint' | 'heun' | 'phi_1' | 'phi_2'
  /** ipndm, ipndm_v, deis: the highest multistep order used. */
  max_order?: number
  /** er_sde: number of stages (1..3). */
  max_stage?: number
  /** dpm_adaptive: tolerances and controller settings. */
  rtol?: number
  atol?: number
  h_init?: number
  pcoeff?: number
  icoeff?: number
  dcoeff?: number
  accept_safety?: number
  /** gradient_estimation(_cfg_pp): weight of the slope change. */
  ge_gamma?: number
  /** seeds_3: the two intermediate stages in log-SNR. */
  r_1?: number
  r_2?: number
  /** sa_solver: the SDE interval (sigmas, or fractions of the run converted with ctx.percentToSigma), orders and modes. */
  sde_start_sigma?: number
  sde_end_sigma?: number
  sde_start_percent?: number
  sde_end_percent?: number
  predictor_order?: number
  corrector_order?: number
  use_pece?: boolean
  simple_order_2?: boolean
}

/** Counters a sampler may fill in, for samplers whose cost is not one model call per step. */
export interface SamplerStats {
  /** Model (denoiser) calls made. */
  modelCalls: number
  /** dpm_adaptive: accepted and rejected step attempts. */
  acceptedSteps?: number
  rejectedSteps?: number
}

/**
 * The unconditional x0-estimate of the most recent model evaluation, for CFG++ samplers (ComfyUI's
 * post-CFG hook `uncond_denoised`); filled in by the CFG wrapper (guidance/uncond.ts).
 */
export interface UncondSource {
  last(): Tensor
}

export interface SamplerContext {
  noise: NoiseSource
  /** Required by CFG++ samplers (descriptor `cfgPP`); the same capture the guidance wrapper records into. */
  uncond?: UncondSource
  /**
   * The model's sigma at a fraction of the sampling run (ComfyUI's `percent_to_sigma`: 0 = the top, 1 = the
   * end); sa_solver converts its sde_start/end_percent with it when no sigmas are given.
   */
  percentToSigma?: (percent: number) => number
  options?: SamplerOptions
  onStep?: (info: StepInfo) => void
  /** Filled in by samplers that can report more than steps x calls-per-step (dpm_adaptive does). */
  stats?: SamplerStats
}

/**
 * A sampler: integrates from sigmas[0] down to sigmas[sigmas.length - 1] (usually 0).
 * `x` is the starting state at sigmas[0] (already scaled by sigmas[0] for txt2img). The input array is
 * not modified; the result is a new array.
 */
export type Sampler = (
  denoise: Denoiser,
  x: Tensor,
  sigmas: ArrayLike<number>,
  ctx: SamplerContext
) => Promise<Tensor>

/** Thrown for any invalid engine input; the message names the parameter and what to do. */
export class EngineInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'EngineInputError'
  }
}
