/** runSampler's input checks: every bad input is an EngineInputError that names what is wrong. */
import { describe, expect, it } from 'vitest'
import { gmmDenoiser } from '../gmm'
import { ListNoiseSource, NO_NOISE } from '../noise'
import { EngineInputError } from '../types'
import { runSampler } from './run'

const denoise = gmmDenoiser({ dim: 2, weights: [1], means: [0, 0], variances: [1] })
const x = Float64Array.from([1, -1])

async function error(p: Promise<unknown>): Promise<EngineInputError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(EngineInputError)
    return e as EngineInputError
  }
  throw new Error('expected the run to fail')
}

describe('runSampler input checks', () => {
  it('names an unknown sampler and lists the known ones', async () => {
    const e = await error(runSampler('eulr', denoise, x, [1, 0], { noise: NO_NOISE }))
    expect(e.message).toMatch(/unknown sampler "eulr"; known samplers: .*euler/)
  })
  it('needs at least one step', async () => {
    expect((await error(runSampler('euler', denoise, x, [1], { noise: NO_NOISE }))).message).toMatch(/at least 2 values.*steps >= 1/)
  })
  it('rejects negative, non-finite and rising sigmas by index', async () => {
    expect((await error(runSampler('euler', denoise, x, [1, -0.5, 0], { noise: NO_NOISE }))).message).toMatch(/sigmas\[1\] is -0.5; sigmas must not be negative/)
    expect((await error(runSampler('euler', denoise, x, [Number.NaN, 0], { noise: NO_NOISE }))).message).toMatch(/sigmas\[0\] is NaN/)
    expect((await error(runSampler('euler', denoise, x, [Infinity, 0], { noise: NO_NOISE }))).message).toMatch(/sigmas\[0\] is Infinity/)
    expect((await error(runSampler('euler', denoise, x, [1, 2, 0], { noise: NO_NOISE }))).message).toMatch(/sigmas\[1\] = 2 is larger than sigmas\[0\]/)
  })
  it('rejects an empty or non-finite starting state', async () => {
    expect((await error(runSampler('euler', denoise, new Float64Array(0), [1, 0], { noise: NO_NOISE }))).message).toMatch(/starting state is empty/)
    expect((await error(runSampler('euler', denoise, Float64Array.from([1, Number.NaN]), [1, 0], { noise: NO_NOISE }))).message).toMatch(/x\[1\] is NaN/)
  })
  it('names a noise array whose length does not match the state', async () => {
    const noise = new ListNoiseSource([[0.1, 0.2, 0.3]])
    const e = await error(runSampler('euler_ancestral', denoise, x, [2, 1, 0], { noise }))
    expect(e.message).toMatch(/noise array #1 has length 3, but the state has 2 elements/)
  })
  it('counts model calls', async () => {
    const stats = { modelCalls: 0 }
    await runSampler('heun', denoise, x, [2, 1, 0], { noise: NO_NOISE, stats })
    expect(stats.modelCalls).toBe(3) // two per step, one on the last step to sigma 0
  })
})
