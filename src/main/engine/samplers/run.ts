/**
 * The one entry point the app, the conformance runner and the tests use to run a sampler: it checks
 * every input once, here, so the samplers themselves can stay small formulas.
 */
import { optionProblem } from '../../../shared/option-spec'
import { SAMPLER_BY_ID } from '../../../shared/samplers'
import { clone } from '../ops'
import type { Denoiser, NoiseSource, SamplerContext, SamplerOptions, Tensor } from '../types'
import { EngineInputError } from '../types'
import { getSampler } from './index'

/**
 * The sampler's options checked against its descriptor (src/shared/samplers.ts) and completed with the
 * descriptor's defaults, so that the defaults the app shows are the ones that run. An option the sampler
 * does not take is an error naming the ones it does; null stands for +Infinity where that is allowed
 * (JSON has no Infinity, so s_tmax arrives as null).
 */
export function resolveSamplerOptions(id: string, options: SamplerOptions | undefined): SamplerOptions {
  const d = SAMPLER_BY_ID.get(id)
  if (!d) throw new EngineInputError(`unknown sampler "${id}"`)
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new EngineInputError(`${id}: options must be an object of named values`)
  }
  const given = (options ?? {}) as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [name, raw] of Object.entries(given)) {
    const spec = d.optionSpecs.find((o) => o.name === name)
    if (!spec) {
      throw new EngineInputError(`${id}: unknown option "${name}"; it takes ${d.optionSpecs.map((o) => o.name).join(', ') || 'no options'}`)
    }
    if (raw === undefined) continue
    const v = raw === null && spec.type === 'number' && spec.allowInfinity ? Infinity : raw
    const problem = optionProblem(spec, v)
    if (problem) throw new EngineInputError(`${id}: option ${name} ${problem}`)
    out[name] = v
  }
  for (const spec of d.optionSpecs) if (!(spec.name in out) && spec.default !== undefined) out[spec.name] = spec.default
  return out as SamplerOptions
}

/** Checks a sigma list: at least two values, finite, non-negative, and non-increasing. */
export function validateSigmas(sigmas: ArrayLike<number>): void {
  if (sigmas.length < 2) {
    throw new EngineInputError(`sigmas: need at least 2 values (one step), got ${sigmas.length}; use steps >= 1`)
  }
  for (let i = 0; i < sigmas.length; i++) {
    const s = sigmas[i]
    if (!Number.isFinite(s)) throw new EngineInputError(`sigmas[${i}] is ${s}; every sigma must be a finite number`)
    if (s < 0) throw new EngineInputError(`sigmas[${i}] is ${s}; sigmas must not be negative`)
    if (i > 0 && s > sigmas[i - 1]) {
      throw new EngineInputError(`sigmas[${i}] = ${s} is larger than sigmas[${i - 1}] = ${sigmas[i - 1]}; sigmas must descend`)
    }
  }
}

/** Wraps a noise source so that an array of the wrong length is an error naming both lengths. */
function checkedNoise(source: NoiseSource, length: number): NoiseSource {
  let drawn = 0
  return {
    next(sigma, sigmaNext) {
      const a = source.next(sigma, sigmaNext)
      drawn++
      if (a.length !== length) {
        throw new EngineInputError(`noise array #${drawn} has length ${a.length}, but the state has ${length} elements`)
      }
      return a
    }
  }
}

/**
 * Runs sampler `id` from sigmas[0] to the last sigma. Counts model calls into `ctx.stats`.
 * The input x is not modified.
 */
export async function runSampler(
  id: string,
  denoise: Denoiser,
  x: Tensor,
  sigmas: ArrayLike<number>,
  ctx: SamplerContext
): Promise<Tensor> {
  const sampler = getSampler(id)
  if (SAMPLER_BY_ID.get(id)?.cfgPP && ctx.uncond === undefined) {
    throw new EngineInputError(
      `${id} is a CFG++ sampler: it needs the unconditional prediction; build the denoiser with composeGuidance(model, { …, uncond: capture }) and pass the same capture as \`uncond\``
    )
  }
  validateSigmas(sigmas)
  if (x.length === 0) throw new EngineInputError('x: the starting state is empty')
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new EngineInputError(`x[${i}] is ${x[i]}; the starting state must be finite`)
  }
  const stats = ctx.stats ?? { modelCalls: 0 }
  const counted: Denoiser = async (v, sigma) => {
    stats.modelCalls++
    return denoise(v, sigma)
  }
  const options = resolveSamplerOptions(id, ctx.options)
  return sampler(counted, clone(x), Float64Array.from(sigmas), {
    ...ctx,
    options,
    noise: checkedNoise(ctx.noise, x.length),
    stats
  })
}
