/**
 * Runs a `sampler` case: the named engine sampler over the case's sigmas, with the analytic
 * Gaussian-mixture denoiser and the case's noise arrays injected in order. Drawing more or fewer noise
 * arrays than the case provides fails the case, even when the result happens to match.
 */
import { gmmDenoiser } from '../engine/gmm'
import { ListNoiseSource } from '../engine/noise'
import { runSampler } from '../engine/samplers/run'
import type { SamplerOptions } from '../engine/types'
import { CaseFormatError, numArray, numericResult, obj, str } from './check'
import type { CaseResult, RawCase } from './types'

export async function runSamplerCase(c: RawCase, id: string): Promise<CaseResult> {
  const sampler = str(c, 'sampler')
  const den = obj(c, 'denoiser')
  if (den.type !== 'gmm') throw new CaseFormatError(`denoiser type "${String(den.type)}" is not supported (only "gmm")`)
  const dim = den.dim
  if (typeof dim !== 'number') throw new CaseFormatError('field "denoiser.dim" must be a number')
  const denoise = gmmDenoiser({
    dim,
    weights: numArray(den.weights, 'denoiser.weights'),
    means: numArray(den.means, 'denoiser.means'),
    variances: numArray(den.variances, 'denoiser.variances')
  })
  const sigmas = numArray(c.sigmas, 'sigmas')
  const x = numArray(c.x, 'x')
  const rawNoise = c.noise ?? []
  if (!Array.isArray(rawNoise)) throw new CaseFormatError('field "noise" must be an array of arrays')
  const noise = new ListNoiseSource(rawNoise.map((a, i) => numArray(a, `noise[${i}]`)), x.length)
  const options = obj(c, 'options') as SamplerOptions
  const out = await runSampler(sampler, denoise, Float64Array.from(x), sigmas, { noise, options })
  const actual = Array.from(out)
  const result = numericResult(id, c, actual, c.expected, { atol: 0, rtol: 0 })
  if (noise.drawn !== rawNoise.length) {
    const msg = `drew ${noise.drawn} noise arrays, the reference drew ${rawNoise.length}`
    return { ...result, passed: false, message: result.message ? `${result.message}; ${msg}` : msg }
  }
  return result
}
