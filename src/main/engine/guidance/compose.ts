/**
 * composeGuidance: builds the denoiser chain a generation uses from a conditional model and the
 * guidance settings, always in this fixed order (input side first):
 *
 *   1. noise injection   (perturbs the x every model pass sees; cond and uncond see the same x)
 *   2. CFG, with its interval and rescale   (one `cond` or one `both` pass)
 *   3. dynamic thresholding   (of the guided x0-estimate)
 *   4. clip                   (of the thresholded x0-estimate)
 *
 * Thresholding comes after CFG because guidance is what pushes x0 out of range (Imagen applies it to
 * the guided prediction); clip comes last so that its bound is a hard guarantee on what samplers see.
 * Temperature (a noise-source wrapper) and the ensemble (a sampler combinator) are not denoiser
 * wrappers and are applied by whoever builds the run, not here.
 */
import type { Denoiser, NoiseSource } from '../types'
import { EngineInputError } from '../types'
import { classifierFreeGuidance } from './cfg'
import type { ConditionalDenoiser } from './conditional'
import { noiseInjection } from './injection'
import { validateRescalePhi } from './rescale'
import type { SigmaInterval } from './interval'
import { clipSampleDenoiser, dynamicThresholding } from './threshold'
import type { UncondCapture } from './uncond'

export interface GuidanceSettings {
  /** CFG scale >= 0; 1 = no guidance (one model pass per call). */
  scale: number
  /** Elements per batch row (one image's latent); required by rescale and dynamic thresholding. */
  rowLength?: number
  /** Guide only in this sigma band; omit to guide at every step. */
  interval?: SigmaInterval
  /** Guidance rescale phi in [0, 1]; omit or 0 for plain CFG. */
  rescalePhi?: number
  /** Dynamic thresholding of the guided x0; omit for none. */
  dynamicThresholding?: { percentile: number; maxValue?: number }
  /** Clamp x0 to [-range, range]; omit for none. */
  clipSample?: { range: number }
  /** For a CFG++ sampler: records each evaluation's unconditional prediction (and keeps the uncond pass at CFG 1). */
  uncond?: UncondCapture
  /** Noise injection with its source (normally the run's noise source); omit or gamma 0 for none. */
  noiseInjection?: { gamma: number; noise: NoiseSource }
}

function needRowLength(settings: GuidanceSettings, what: string): number {
  if (settings.rowLength === undefined) {
    throw new EngineInputError(`guidance settings rowLength: ${what} works per image, so give rowLength (elements of one image's latent)`)
  }
  return settings.rowLength
}

/** The guided engine Denoiser for `model` under `settings`. Every setting is checked here. */
export function composeGuidance(model: ConditionalDenoiser, settings: GuidanceSettings): Denoiser {
  if (settings === null || typeof settings !== 'object') {
    throw new EngineInputError(`guidance settings: got ${String(settings)}; give at least { scale }`)
  }
  if (model === null || typeof model !== 'object' || typeof model.both !== 'function' || typeof model.cond !== 'function') {
    throw new EngineInputError('guidance model: not a ConditionalDenoiser; it needs both(x, sigma) and cond(x, sigma)')
  }
  const phi = settings.rescalePhi === undefined ? 0 : validateRescalePhi(settings.rescalePhi)
  const rescale = phi === 0 ? undefined : { phi, rowLength: needRowLength(settings, 'guidance rescale') }

  let inner: Denoiser = classifierFreeGuidance(model, { scale: settings.scale, interval: settings.interval, rescale, uncond: settings.uncond })
  if (settings.dynamicThresholding !== undefined) {
    inner = dynamicThresholding(inner, { ...settings.dynamicThresholding, rowLength: needRowLength(settings, 'dynamic thresholding') })
  }
  if (settings.clipSample !== undefined) {
    inner = clipSampleDenoiser(inner, { ...settings.clipSample, rowLength: settings.rowLength })
  }
  // Injection is applied outermost so that it perturbs x once per call, before the model pass(es).
  const inj = settings.noiseInjection
  if (inj !== undefined) {
    if (inj === null || typeof inj !== 'object') {
      throw new EngineInputError(`guidance settings noiseInjection: got ${String(inj)}; give { gamma, noise } or leave it out`)
    }
    const wrapped = noiseInjection(inner, inj.noise, inj.gamma)
    if (inj.gamma !== 0) return wrapped
  }
  return inner
}
