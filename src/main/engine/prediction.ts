/**
 * Turning a discrete VP model's raw output into the denoised estimate D(x, sigma), in the k-diffusion
 * "x = x0 + sigma·n" parameterisation where the network is fed c_in·x with c_in = 1/sqrt(sigma² + 1)
 * (k-diffusion `DiscreteEpsDDPMDenoiser` / `DiscreteVDDPMDenoiser`, ComfyUI `EPS` / `V_PREDICTION` / `X0`
 * `calculate_denoised`). The models layer calls the network and hands its output here; samplers only ever
 * see the result.
 *
 * Prediction types (diffusers `prediction_type`):
 * - `epsilon`: the network predicts the noise n, so x0 = x - sigma·n (Ho et al. 2020);
 * - `v_prediction`: it predicts v = alpha·n - s·x0 in the VP variables (Salimans & Ho 2022, progressive
 *   distillation); in sigma form with sigma_data = 1 that gives x0 = c_skip·x + c_out·v with
 *   c_skip = 1/(sigma² + 1) and c_out = -sigma/sqrt(sigma² + 1) (Karras et al. 2022, Table 1);
 * - `sample`: it predicts x0 directly.
 */
import { inputScale, type ModelSigmas } from './model-sigmas'
import type { Denoiser, Tensor } from './types'
import { EngineInputError } from './types'

export type PredictionType = 'epsilon' | 'v_prediction' | 'sample'
export const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'v_prediction', 'sample']

/** Checks a prediction type read from a config; throws naming the accepted values. */
export function parsePredictionType(value: unknown): PredictionType {
  if (typeof value === 'string' && (PREDICTION_TYPES as readonly string[]).includes(value)) return value as PredictionType
  throw new EngineInputError(
    `prediction_type must be one of ${PREDICTION_TYPES.join(', ')}, got ${JSON.stringify(value)}; check the model's scheduler_config.json`
  )
}

function checkSigma(sigma: number): void {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) {
    throw new EngineInputError(`sigma must be a finite number >= 0, got ${sigma}`)
  }
}

/** The network input c_in·x for noise level sigma (a new array unless `out` is given). */
export function modelInput(x: Tensor, sigma: number, out?: Tensor): Tensor {
  checkSigma(sigma)
  const c = inputScale(sigma)
  const r = out ?? new Float64Array(x.length)
  for (let i = 0; i < x.length; i++) r[i] = c * x[i]
  return r
}

/**
 * The denoised estimate from the network's output. `x` is the unscaled state (x0 + sigma·n), not the
 * network input. Returns a new array unless `out` is given (which may alias `output`).
 */
export function denoisedFromOutput(
  prediction: PredictionType,
  x: Tensor,
  output: ArrayLike<number>,
  sigma: number,
  out?: Tensor
): Tensor {
  checkSigma(sigma)
  if (output.length !== x.length) {
    throw new EngineInputError(`model output has ${output.length} values but the state has ${x.length}; the model's output shape must match its input`)
  }
  const n = x.length
  const r = out ?? new Float64Array(n)
  switch (prediction) {
    case 'epsilon':
      for (let i = 0; i < n; i++) r[i] = x[i] - sigma * output[i]
      return r
    case 'v_prediction': {
      const s2 = sigma * sigma + 1
      const cSkip = 1 / s2
      const cOut = -sigma / Math.sqrt(s2)
      for (let i = 0; i < n; i++) r[i] = cSkip * x[i] + cOut * output[i]
      return r
    }
    case 'sample':
      for (let i = 0; i < n; i++) r[i] = output[i]
      return r
    default:
      return parsePredictionType(prediction) as never
  }
}

/** The raw network call: scaled input and (fractional) timestep in, raw prediction out. */
export type DiscreteModelCall = (modelInput: Tensor, timestep: number) => Promise<ArrayLike<number>>

export interface DiscreteDenoiserOptions {
  /**
   * Pass the nearest integer timestep instead of the interpolated one (ComfyUI does; k-diffusion and
   * A1111 interpolate by default). Use it for models exported with integer timestep inputs.
   */
  quantizeTimesteps?: boolean
}

/**
 * Wraps a discrete model as a denoiser D(x, sigma): scales the input by c_in, maps sigma to the model's
 * timestep through its own table, and converts the output by the prediction type.
 */
export function discreteDenoiser(
  model: ModelSigmas,
  prediction: PredictionType,
  call: DiscreteModelCall,
  options: DiscreteDenoiserOptions = {}
): Denoiser {
  parsePredictionType(prediction)
  const quantize = options.quantizeTimesteps ?? false
  return async (x, sigma) => {
    if (!(sigma > 0)) {
      throw new EngineInputError(`a discrete model cannot be evaluated at sigma ${sigma}; the schedule's final 0 is never passed to the model`)
    }
    const t = model.sigmaToT(sigma, quantize)
    const output = await call(modelInput(x, sigma), t)
    return denoisedFromOutput(prediction, x, output, sigma)
  }
}
