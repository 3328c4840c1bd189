/**
 * Multi-sampler ensemble: a Sampler that runs several samplers from the same start x over the same
 * sigmas with the same denoiser and returns the weighted mean of their final states
 * (weights normalised to sum 1; equal weights by default).
 *
 * Cost: the sum of the members' model calls (two Euler members at 20 steps = 40 calls).
 * Averaging is linear in the final images, not a better sampler: the mean of deterministic (ODE)
 * samplers that nearly agree is close to each of them, but the mean of ancestral/SDE results, which
 * are different samples, is a blend of distinct images and comes out blurred and washed out.
 *
 * Noise: by default the members run one after another and draw from the run's noise source in turn
 * (member 0's arrays first). With `noiseFor`, each member gets its own source and they run
 * concurrently, so a coalescing denoiser can batch their model calls.
 * A member with weight 0 is not run at all (no model calls, no noise drawn).
 * `ctx.onStep` receives every member's steps in the order they happen; `ctx.stats` accumulates all.
 */
import type { Sampler, SamplerOptions, NoiseSource, Tensor } from '../types'
import { EngineInputError } from '../types'

export interface EnsembleMember {
  sampler: Sampler
  /** Relative weight >= 0 (default 1). */
  weight?: number
  /** Options for this member, overriding the run's options key by key. */
  options?: SamplerOptions
}

export interface EnsembleOptions {
  /** One noise source per member (index = member); omit to share the run's source sequentially. */
  noiseFor?: (member: number) => NoiseSource
}

/** The ensemble as a Sampler. Members and weights are checked here. */
export function ensembleSampler(members: readonly EnsembleMember[], options: EnsembleOptions = {}): Sampler {
  if (!Array.isArray(members) || members.length === 0) {
    throw new EngineInputError('ensemble members: got none; give at least one { sampler, weight? }')
  }
  const weights = members.map((m, k) => {
    if (typeof m?.sampler !== 'function') {
      throw new EngineInputError(`ensemble members[${k}].sampler: not a sampler function; resolve sampler ids with getSampler first`)
    }
    const w = m.weight ?? 1
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new EngineInputError(`ensemble members[${k}].weight: got ${String(w)}; use a finite number >= 0`)
    }
    return w
  })
  const total = weights.reduce((a, b) => a + b, 0)
  if (!(total > 0)) throw new EngineInputError('ensemble weights: they sum to 0; give at least one member a positive weight')
  const norm = weights.map((w) => w / total)

  const SKIPPED: Promise<Tensor> = Promise.resolve(new Float64Array(0))
  return async (denoise, x, sigmas, ctx) => {
    const run = (k: number, noise: NoiseSource): Promise<Tensor> =>
      members[k].sampler(denoise, Float64Array.from(x), sigmas, {
        ...ctx,
        noise,
        options: { ...ctx.options, ...members[k].options }
      })
    let results: Tensor[]
    if (options.noiseFor) {
      const noiseFor = options.noiseFor
      results = await Promise.all(members.map((_, k) => (norm[k] === 0 ? SKIPPED : run(k, noiseFor(k)))))
    } else {
      results = []
      for (let k = 0; k < members.length; k++) results.push(norm[k] === 0 ? new Float64Array(0) : await run(k, ctx.noise))
    }
    const out = new Float64Array(x.length)
    results.forEach((r, k) => {
      if (norm[k] === 0) return
      if (r.length !== x.length) {
        throw new EngineInputError(`ensemble members[${k}] returned ${r.length} values for a state of ${x.length}`)
      }
      const w = norm[k]
      for (let i = 0; i < out.length; i++) out[i] += w * r[i]
    })
    return out
  }
}
