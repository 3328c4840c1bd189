/**
 * Sigma tables of discrete variance-preserving (DDPM-style) models, in the k-diffusion "x = x0 + sigma·n"
 * view (Karras et al. 2022, "Elucidating the design space…", section on VP models).
 *
 * A discrete VP model is trained on T timesteps with noise levels beta_t; with alphabar_t the cumulative
 * product of (1 - beta), its equivalent VE noise level is sigma_t = sqrt((1 - alphabar_t) / alphabar_t).
 * The table is ascending: index 0 is timestep 0, the smallest sigma. Values are rounded to float32
 * (`Math.fround`) because that is how the reference implementations store them, so schedules that read
 * table entries match theirs exactly.
 *
 * Timesteps and sigmas are mapped by linear interpolation in log-sigma between table entries
 * (k-diffusion `DiscreteSchedule.sigma_to_t` / `t_to_sigma`, ComfyUI `ModelSamplingDiscrete`).
 */
import { EngineInputError } from './types'
import { linspace } from './ops'

/** The beta schedules of diffusers' scheduler configs (`beta_schedule`). */
export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2'
export const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2']

/**
 * The last alphabar after zero-terminal-SNR rescaling. Exact zero-SNR would make the terminal sigma
 * infinite, and with it log-sigma interpolation and the input scaling undefined; ComfyUI (and A1111)
 * instead set it to this tiny value, giving a finite sigma of about 4518.8. We use the same value so that
 * tables, and every schedule read from them, agree with those tools.
 */
export const ZERO_SNR_LAST_ALPHABAR = 4.8973451890853435e-8

/** A model's discrete noise levels, as read from a diffusers `scheduler_config.json` (snake_case keys there). */
export interface ModelSigmasConfig {
  betaSchedule: BetaSchedule
  /** T, the number of training timesteps (default 1000). */
  numTrainTimesteps?: number
  /** First and last beta for `linear` and `scaled_linear` (diffusers defaults 0.0001 and 0.02). */
  betaStart?: number
  betaEnd?: number
  /** Rescale to zero terminal SNR (Lin et al. 2023), as diffusers' `rescale_betas_zero_snr`. */
  zeroTerminalSnr?: boolean
}

/** Just the ends of a sigma range, for schedules that need nothing else (karras, exponential, …). */
export interface SigmaRange {
  readonly sigmaMin: number
  readonly sigmaMax: number
}

/** SD 1.x / 2.x / SDXL: scaled_linear betas from 0.00085 to 0.012 over 1000 steps. */
export const SD_MODEL_CONFIG: Readonly<ModelSigmasConfig> = Object.freeze({
  betaSchedule: 'scaled_linear',
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  zeroTerminalSnr: false
})

function checkTimesteps(T: number): void {
  if (!Number.isInteger(T) || T < 2 || T > 100000) {
    throw new EngineInputError(`num_train_timesteps must be an integer between 2 and 100000, got ${T}`)
  }
}

/**
 * The betas of a named schedule, in float64:
 * - `linear`: evenly spaced from beta_start to beta_end (Ho et al. 2020);
 * - `scaled_linear`: evenly spaced in sqrt(beta), then squared (the latent-diffusion / SD schedule);
 * - `squaredcos_cap_v2`: the cosine schedule of Nichol & Dhariwal 2021, alphabar(t) = cos²((t + 0.008) /
 *   1.008 · π/2), beta_i = min(1 - alphabar((i+1)/T) / alphabar(i/T), 0.999) (diffusers `betas_for_alpha_bar`).
 */
export function betasFor(schedule: BetaSchedule, T: number, betaStart: number, betaEnd: number): Float64Array {
  checkTimesteps(T)
  switch (schedule) {
    case 'linear':
    case 'scaled_linear': {
      if (!(betaStart > 0 && betaStart < 1)) throw new EngineInputError(`beta_start must be in (0, 1), got ${betaStart}`)
      if (!(betaEnd > 0 && betaEnd < 1)) throw new EngineInputError(`beta_end must be in (0, 1), got ${betaEnd}`)
      if (schedule === 'linear') return linspace(betaStart, betaEnd, T)
      const roots = linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), T)
      for (let i = 0; i < T; i++) roots[i] = roots[i] * roots[i]
      return roots
    }
    case 'squaredcos_cap_v2': {
      const alphaBar = (t: number): number => {
        const c = Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2))
        return c * c
      }
      const betas = new Float64Array(T)
      for (let i = 0; i < T; i++) {
        betas[i] = Math.min(1 - alphaBar((i + 1) / T) / alphaBar(i / T), 0.999)
      }
      return betas
    }
    default:
      throw new EngineInputError(
        `unknown beta_schedule "${String(schedule)}"; use one of ${BETA_SCHEDULES.join(', ')}`
      )
  }
}

/** alphabar_t = prod_{s<=t} (1 - beta_s). */
export function alphasCumprod(betas: ArrayLike<number>): Float64Array {
  const out = new Float64Array(betas.length)
  let acc = 1
  for (let i = 0; i < betas.length; i++) {
    const b = betas[i]
    if (!(b > 0 && b < 1)) throw new EngineInputError(`betas[${i}] must be in (0, 1), got ${b}`)
    acc *= 1 - b
    out[i] = acc
  }
  return out
}

/**
 * Zero-terminal-SNR rescaling (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are
 * Flawed", Algorithm 1): shift sqrt(alphabar) so its last value is 0 and scale it so its first value is
 * unchanged, so the last training timestep is pure noise. The exact result ends in alphabar = 0; the last
 * value is then set to {@link ZERO_SNR_LAST_ALPHABAR} to keep sigma finite (see there). Returns a new array.
 */
export function rescaleZeroTerminalSnr(alphaBar: ArrayLike<number>): Float64Array {
  const n = alphaBar.length
  if (n < 2) throw new EngineInputError('zero-terminal-SNR rescaling needs at least 2 timesteps')
  const s0 = Math.sqrt(alphaBar[0])
  const sT = Math.sqrt(alphaBar[n - 1])
  if (!(s0 > sT)) throw new EngineInputError('zero-terminal-SNR rescaling needs alphabar to decrease over the timesteps')
  const scale = s0 / (s0 - sT)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const s = (Math.sqrt(alphaBar[i]) - sT) * scale
    out[i] = s * s
  }
  out[n - 1] = ZERO_SNR_LAST_ALPHABAR
  return out
}

/**
 * A discrete model's sigma table with the timestep <-> sigma mapping. Immutable once built.
 */
export class ModelSigmas implements SigmaRange {
  /** Ascending sigmas (float32 values held as float64); index t = timestep t. */
  readonly sigmas: Float64Array
  /** Natural logs of `sigmas`. */
  readonly logSigmas: Float64Array

  /** Builds a table from ascending sigmas, as given (no rounding). */
  constructor(sigmas: ArrayLike<number>) {
    const n = sigmas.length
    if (n < 2) throw new EngineInputError(`a model sigma table needs at least 2 entries, got ${n}`)
    this.sigmas = Float64Array.from(sigmas)
    this.logSigmas = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const s = this.sigmas[i]
      if (!(s > 0) || !Number.isFinite(s)) throw new EngineInputError(`model sigma table entry ${i} must be a positive finite number, got ${s}`)
      if (i > 0 && !(s > this.sigmas[i - 1])) {
        throw new EngineInputError(`model sigma table must be strictly ascending (entry ${i} is ${s}, entry ${i - 1} is ${this.sigmas[i - 1]})`)
      }
      this.logSigmas[i] = Math.log(s)
    }
    Object.freeze(this)
  }

  /** Number of entries (= training timesteps). */
  get length(): number {
    return this.sigmas.length
  }

  get sigmaMin(): number {
    return this.sigmas[0]
  }

  get sigmaMax(): number {
    return this.sigmas[this.sigmas.length - 1]
  }

  /**
   * The (fractional) timestep of a sigma: linear in log-sigma between the two neighbouring table
   * entries, clamped to [0, T-1] outside the table (k-diffusion `sigma_to_t`). With `quantize`, the
   * index of the nearest entry in log-sigma instead (what ComfyUI passes to discrete models).
   */
  sigmaToT(sigma: number, quantize = false): number {
    if (!(sigma > 0) || !Number.isFinite(sigma)) {
      throw new EngineInputError(`sigma must be a positive finite number to map it to a timestep, got ${sigma}`)
    }
    const ls = this.logSigmas
    const logSigma = Math.log(sigma)
    const last = ls.length - 1
    // low = the last index whose log-sigma is <= logSigma (0 when there is none), at most last - 1.
    let lo = 0
    let hi = last
    if (logSigma < ls[0]) {
      hi = 0
    } else {
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1
        if (ls[mid] <= logSigma) lo = mid
        else hi = mid - 1
      }
    }
    const low = Math.min(lo, last - 1)
    const high = low + 1
    if (quantize) {
      return Math.abs(logSigma - ls[low]) <= Math.abs(logSigma - ls[high]) ? low : high
    }
    let w = (ls[low] - logSigma) / (ls[low] - ls[high])
    w = Math.min(1, Math.max(0, w))
    return (1 - w) * low + w * high
  }

  /** The sigma at a (fractional) timestep: linear in log-sigma between entries, t clamped to [0, T-1] (k-diffusion `t_to_sigma`). */
  tToSigma(t: number): number {
    if (!Number.isFinite(t)) throw new EngineInputError(`timestep must be a finite number, got ${t}`)
    const last = this.logSigmas.length - 1
    const tc = Math.min(last, Math.max(0, t))
    const low = Math.floor(tc)
    const high = Math.ceil(tc)
    const w = tc - low
    // At a whole timestep return the entry itself rather than exp(log(entry)), which can be an ulp off.
    if (w === 0) return this.sigmas[low]
    return Math.exp((1 - w) * this.logSigmas[low] + w * this.logSigmas[high])
  }
}

/** sigma_t = sqrt((1 - alphabar_t) / alphabar_t) for each t, rounded to float32 as the references store them. */
export function sigmasFromAlphasCumprod(alphaBar: ArrayLike<number>): Float64Array {
  const out = new Float64Array(alphaBar.length)
  for (let i = 0; i < alphaBar.length; i++) {
    const a = alphaBar[i]
    out[i] = Math.fround(Math.sqrt((1 - a) / a))
  }
  return out
}

/** A model table from explicit betas (diffusers `trained_betas`), optionally rescaled to zero terminal SNR. */
export function modelSigmasFromBetas(betas: ArrayLike<number>, zeroTerminalSnr = false): ModelSigmas {
  let alphaBar = alphasCumprod(betas)
  if (zeroTerminalSnr) alphaBar = rescaleZeroTerminalSnr(alphaBar)
  return new ModelSigmas(sigmasFromAlphasCumprod(alphaBar))
}

/** The sigma table of a discrete VP model described by a diffusers-style beta schedule. */
export function modelSigmas(config: ModelSigmasConfig): ModelSigmas {
  const T = config.numTrainTimesteps ?? 1000
  const betas = betasFor(config.betaSchedule, T, config.betaStart ?? 0.0001, config.betaEnd ?? 0.02)
  return modelSigmasFromBetas(betas, config.zeroTerminalSnr ?? false)
}

/**
 * The input scaling c_in = 1 / sqrt(sigma² + sigma_data²) (sigma_data = 1 for VP models): the model was
 * trained on sqrt(alphabar)·x0 + sqrt(1 - alphabar)·n, which is exactly c_in · (x0 + sigma·n).
 */
export function inputScale(sigma: number, sigmaData = 1): number {
  return 1 / Math.sqrt(sigma * sigma + sigmaData * sigmaData)
}

/**
 * The model's sigma at a fraction of the sampling run (ComfyUI `percent_to_sigma` of a discrete model):
 * 0 = the top (effectively infinite), 1 = 0, otherwise the sigma at timestep (1 − p)·(T − 1).
 */
export function percentToSigma(table: ModelSigmas, percent: number): number {
  if (percent <= 0) return 999999999.9
  if (percent >= 1) return 0
  return table.tToSigma((1 - percent) * (table.length - 1))
}
