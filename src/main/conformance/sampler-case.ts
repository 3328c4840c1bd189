/**
 * Runs a `sampler` case: the named engine sampler over the case's sigmas, with the analytic
 * Gaussian-mixture denoiser and the case's noise arrays injected in order. Drawing more or fewer noise
 * arrays than the case provides fails the case, even when the result happens to match.
 */
import { SAMPLER_BY_ID } from '../../shared/samplers'
import { gmmDenoiser } from '../engine/gmm'
import { classifierFreeGuidance } from '../engine/guidance/cfg'
import { conditionalFromPair } from '../engine/guidance/conditional'
import { UncondCapture } from '../engine/guidance/uncond'
import { ListNoiseSource } from '../engine/noise'
import { runSampler } from '../engine/samplers/run'
import type { Denoiser, SamplerOptions } from '../engine/types'
import { CaseFormatError, checkFields, numArray, numericResult, obj, str } from './check'
import type { CaseResult, RawCase } from './types'

/** The fields a sampler case may carry (FORMAT-v3); `schedule_used`, `note` and `model` are informative. */
export const SAMPLER_CASE_FIELDS = ['id', 'kind', 'sampler', 'options', 'denoiser', 'guidance', 'batch', 'sigmas', 'x', 'noise', 'expected', 'atol', 'rtol', 'schedule_used', 'note', 'model']
const MIXTURE_FIELDS = ['type', 'dim', 'weights', 'means', 'variances']

function mixture(m: Record<string, unknown>, field: string): Denoiser {
  checkFields(m, MIXTURE_FIELDS, `${field}.`)
  if (m.type !== 'gmm') throw new CaseFormatError(`${field} type "${String(m.type)}" is not supported (only "gmm")`)
  const dim = m.dim
  if (typeof dim !== 'number') throw new CaseFormatError(`field "${field}.dim" must be a number`)
  return gmmDenoiser({ dim, weights: numArray(m.weights, `${field}.weights`), means: numArray(m.means, `${field}.means`), variances: numArray(m.variances, `${field}.variances`) })
}

export async function runSamplerCase(c: RawCase, id: string): Promise<CaseResult> {
  checkFields(c, SAMPLER_CASE_FIELDS, '')
  const sampler = str(c, 'sampler')
  const den = obj(c, 'denoiser')
  const cond = mixture(den, 'denoiser')
  // With `guidance`, the sampler sees u + w·(c − u) over the two mixtures, and a CFG++ sampler also gets
  // each evaluation's unconditional prediction — the app's own CFG wrapper does both.
  let denoise: Denoiser = cond
  let uncond: UncondCapture | undefined
  if (c.guidance !== undefined) {
    const g = obj(c, 'guidance')
    checkFields(g, ['cfg', 'uncond'], 'guidance.')
    if (typeof g.cfg !== 'number') throw new CaseFormatError('field "guidance.cfg" must be a number')
    const u = mixture(obj(g as RawCase, 'uncond'), 'guidance.uncond')
    if ((g.uncond as Record<string, unknown>).dim !== den.dim) throw new CaseFormatError('guidance.uncond must have the dim of denoiser')
    uncond = SAMPLER_BY_ID.get(sampler)?.cfgPP ? new UncondCapture() : undefined
    denoise = classifierFreeGuidance(conditionalFromPair(cond, u), { scale: g.cfg, uncond })
  }
  const sigmas = numArray(c.sigmas, 'sigmas')
  const x = numArray(c.x, 'x')
  const rawNoise = c.noise ?? []
  if (!Array.isArray(rawNoise)) throw new CaseFormatError('field "noise" must be an array of arrays')
  const noise = new ListNoiseSource(rawNoise.map((a, i) => numArray(a, `noise[${i}]`)), x.length)
  const options = obj(c, 'options') as SamplerOptions
  const out = await runSampler(sampler, denoise, Float64Array.from(x), sigmas, { noise, options, uncond })
  const actual = Array.from(out)
  const result = numericResult(id, c, actual, c.expected, { atol: 0, rtol: 0 })
  if (noise.drawn !== rawNoise.length) {
    const msg = `drew ${noise.drawn} noise arrays, the reference drew ${rawNoise.length}`
    return { ...result, passed: false, message: result.message ? `${result.message}; ${msg}` : msg }
  }
  return result
}
