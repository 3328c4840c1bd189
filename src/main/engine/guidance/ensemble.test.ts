import { describe, expect, it } from 'vitest'
import { gmmDenoise } from '../gmm'
import { ListNoiseSource, NO_NOISE } from '../noise'
import type { Sampler } from '../types'
import { EngineInputError } from '../types'
import { ensembleSampler } from './ensemble'
import { COND_MIX, recordingDenoiser, testEuler, testEulerAncestral } from './testing'

const SIGMAS = [10, 5, 2, 0.7, 0.2, 0]
const X0 = Float64Array.from([7, -3, 12, 4])
const model = () => recordingDenoiser((x, s) => gmmDenoise(COND_MIX, x, s))

describe('ensemble', () => {
  it('of two identical samplers equals one of them, at twice the model calls', async () => {
    const one = model()
    const ref = await testEuler(one, X0, SIGMAS, { noise: NO_NOISE })
    const two = model()
    const out = await ensembleSampler([{ sampler: testEuler }, { sampler: testEuler }])(two, X0, SIGMAS, { noise: NO_NOISE })
    expect(Array.from(out)).toEqual(Array.from(ref))
    expect(two.seen.length).toBe(2 * one.seen.length)
  })

  it('returns the weighted mean of the results and does not modify x', async () => {
    const double: Sampler = async (_d, x) => Float64Array.from(x, (v) => 2 * v)
    const negate: Sampler = async (_d, x) => Float64Array.from(x, (v) => -v)
    const x = Float64Array.from(X0)
    const out = await ensembleSampler([
      { sampler: double, weight: 1 },
      { sampler: negate, weight: 3 }
    ])(model(), x, SIGMAS, { noise: NO_NOISE })
    expect(Array.from(out)).toEqual(Array.from(X0, (v) => 0.25 * 2 * v + 0.75 * -v))
    expect(Array.from(x)).toEqual(Array.from(X0))
  })

  it('passes per-member options over the run options', async () => {
    const seen: unknown[] = []
    const spy: Sampler = async (_d, x, _s, ctx) => {
      seen.push(ctx.options)
      return x
    }
    await ensembleSampler([{ sampler: spy }, { sampler: spy, options: { eta: 0.5 } }])(model(), X0, SIGMAS, {
      noise: NO_NOISE,
      options: { eta: 1, s_noise: 1 }
    })
    expect(seen).toEqual([{ eta: 1, s_noise: 1 }, { eta: 0.5, s_noise: 1 }])
  })

  it('runs members in turn on the shared source, member 0 drawing first', async () => {
    const arrays = Array.from({ length: 8 }, (_, k) => Float64Array.from([k, -k, 0.5 * k, 1]))
    const src = new ListNoiseSource(arrays)
    const out = await ensembleSampler([{ sampler: testEulerAncestral }, { sampler: testEulerAncestral }])(model(), X0, SIGMAS, { noise: src })
    expect(src.drawn).toBe(8) // (steps - 1) = 4 each
    const a = await testEulerAncestral(model(), X0, SIGMAS, { noise: new ListNoiseSource(arrays.slice(0, 4)) })
    const b = await testEulerAncestral(model(), X0, SIGMAS, { noise: new ListNoiseSource(arrays.slice(4)) })
    for (let i = 0; i < X0.length; i++) expect(out[i]).toBeCloseTo(0.5 * a[i] + 0.5 * b[i], 12)
  })

  it('gives each member its own source with noiseFor, and skips weight-0 members', async () => {
    const arrays = Array.from({ length: 4 }, (_, k) => Float64Array.from([k, 1, -k, 2]))
    const asked: number[] = []
    const m = model()
    const out = await ensembleSampler([{ sampler: testEulerAncestral }, { sampler: testEuler, weight: 0 }], {
      noiseFor: (k) => {
        asked.push(k)
        return new ListNoiseSource(arrays)
      }
    })(m, X0, SIGMAS, { noise: NO_NOISE })
    expect(asked).toEqual([0])
    expect(m.seen.length).toBe(5)
    expect(Array.from(out)).toEqual(Array.from(await testEulerAncestral(model(), X0, SIGMAS, { noise: new ListNoiseSource(arrays) })))
  })

  it('rejects empty members, bad weights and non-samplers', () => {
    expect(() => ensembleSampler([])).toThrow(/at least one/)
    expect(() => ensembleSampler([{ sampler: testEuler, weight: -1 }])).toThrow(/weight/)
    expect(() => ensembleSampler([{ sampler: testEuler, weight: NaN }])).toThrow(EngineInputError)
    expect(() => ensembleSampler([{ sampler: testEuler, weight: 0 }])).toThrow(/sum to 0/)
    expect(() => ensembleSampler([{ sampler: 'euler' as unknown as Sampler }])).toThrow(/getSampler/)
  })
})
