/**
 * One cell's sampling run from the engine's parts, for runners whose model is a per-row x0-estimator
 * (the fake runner, and the ONNX adapter's batched path): sigmas from the schedule, PyTorch-compatible
 * noise from the seed, guidance as a denoiser wrapper, the sampler loop, a step report per step.
 */
import { hiresScheduleSteps } from '../../shared/hires'
import type { GenerationParams } from '../../shared/params'
import { composeGuidance } from '../engine/guidance/compose'
import type { ConditionalDenoiser } from '../engine/guidance/conditional'
import { temperatureNoise, temperedStart } from '../engine/guidance/temperature'
import { percentToSigma, type ModelSigmas } from '../engine/model-sigmas'
import { UncondCapture } from '../engine/guidance/uncond'
import { SAMPLER_BY_ID } from '../../shared/samplers'
import { TorchGenerator, torchNoiseSource } from '../engine/rng'
import { computeReference, DEFAULT_REFERENCE, type ReferenceResult } from '../engine/reference/reference'
import { runSampler } from '../engine/samplers/run'
import { computeSigmas } from '../engine/schedules/index'
import type { ScheduleContext } from '../engine/schedules/types'
import type { Denoiser, NoiseSource, SamplerOptions, Tensor } from '../engine/types'
import type { LatentLayout, StepReport } from './runner'

/** x0-estimates for a stack of rows (each `rowLength` long), each row with its own sigma and branch. */
export type RowModel = (x: Tensor, sigmas: readonly number[], branch: 'cond' | 'uncond') => Promise<Tensor>

/** The guided denoiser of one cell over a row model (cond and uncond as two requests, so they batch). */
export function cellConditional(model: RowModel, rows: number): ConditionalDenoiser {
  const same = (sigma: number): number[] => new Array<number>(rows).fill(sigma)
  return {
    async both(x, sigma) {
      const [cond, uncond] = await Promise.all([model(x, same(sigma), 'cond'), model(x, same(sigma), 'uncond')])
      return { cond, uncond }
    },
    cond: (x, sigma) => model(x, same(sigma), 'cond')
  }
}

/** The cell's guidance chain over the conditional model (the same for sampling and its reference). */
function cellDenoiser(params: GenerationParams, rowLength: number, model: ConditionalDenoiser, noise: NoiseSource, uncond?: UncondCapture): Denoiser {
  const g = params.guidance
  return composeGuidance(model, {
    uncond,
    scale: params.cfg,
    rowLength,
    interval: g.interval ? { sigmaLo: g.interval[0], sigmaHi: g.interval[1] } : undefined,
    rescalePhi: g.rescale,
    dynamicThresholding: g.thresholdPercentile !== null ? { percentile: g.thresholdPercentile } : undefined,
    clipSample: g.clipSample !== null ? { range: g.clipSample } : undefined,
    noiseInjection: params.noise.noiseInjection > 0 ? { gamma: params.noise.noiseInjection, noise } : undefined
  })
}

/** The cell's sigmas; `ctx` carries a calibrated profile for score_optimal. */
export function cellSigmas(params: GenerationParams, sigmaTable: ModelSigmas, ctx?: ScheduleContext): Float64Array {
  return computeSigmas(params.schedule, params.steps, sigmaTable, params.scheduleParams, ctx)
}

/**
 * Runs one cell to its final latent (all batch rows). With `init` it is an img2img pass from that latent
 * running exactly `steps` steps of a floor(steps / strength) schedule (the hires fix's second pass).
 */
export async function sampleCell(
  params: GenerationParams,
  layout: LatentLayout,
  sigmaTable: ModelSigmas,
  model: ConditionalDenoiser,
  onStep: (r: StepReport) => void,
  ctx?: ScheduleContext,
  init?: { latent: Tensor; strength: number }
): Promise<Tensor> {
  const rowLength = layout.channels * layout.height * layout.width
  const n = rowLength * params.batchSize
  let sigmas = cellSigmas(params, sigmaTable, ctx)
  if (init) {
    sigmas = computeSigmas(params.schedule, hiresScheduleSteps(params.steps, init.strength), sigmaTable, params.scheduleParams, ctx)
    sigmas = sigmas.slice(Math.max(0, sigmas.length - 1 - params.steps))
  }
  const gen = new TorchGenerator(BigInt(params.seed))
  const tau = params.noise.temperature
  const noise = temperatureNoise(torchNoiseSource(gen, n), tau === 0 ? 1e-9 : tau)
  const x = temperedStart(gen.randn(n), sigmas[0], tau === 0 ? 1e-9 : tau, init?.latent)
  // A CFG++ sampler reads each evaluation's unconditional prediction from the guidance wrapper.
  const uncond = SAMPLER_BY_ID.get(params.sampler)?.cfgPP ? new UncondCapture() : undefined
  const denoiser = cellDenoiser(params, rowLength, model, noise, uncond)
  const steps = sigmas.length - 1
  return runSampler(params.sampler, denoiser, x, sigmas, {
    noise,
    uncond,
    percentToSigma: (p) => percentToSigma(sigmaTable, p),
    options: params.samplerOptions as SamplerOptions,
    onStep: (info) => onStep({ i: info.i, steps: info.steps || steps, sigma: info.sigma, denoised: info.denoised, layout })
  })
}

/**
 * The reference solve for image 0 of a cell (engine DEFAULT_REFERENCE) from the same unit noise its
 * sampling starts from, through the same guidance; `model` must be a one-row conditional denoiser.
 * Only called for comparable cells, which inject no noise.
 */
export function referenceForCell(
  params: GenerationParams,
  layout: LatentLayout,
  sigmaTable: ModelSigmas,
  model: ConditionalDenoiser,
  signal?: AbortSignal,
  onProgress?: (calls: number, totalCalls: number) => void
): Promise<ReferenceResult> {
  const rowLength = layout.channels * layout.height * layout.width
  const gen = new TorchGenerator(BigInt(params.seed))
  const tau = params.noise.temperature === 0 ? 1e-9 : params.noise.temperature
  const unused: NoiseSource = { next: () => { throw new Error('reference: a noise-free solve drew noise') } }
  const denoiser = cellDenoiser({ ...params, noise: { ...params.noise, noiseInjection: 0 } }, rowLength, model, unused)
  return computeReference(denoiser, gen.randn(rowLength), sigmaTable, DEFAULT_REFERENCE, { signal, startScale: (s) => tau * s, onProgress })
}
