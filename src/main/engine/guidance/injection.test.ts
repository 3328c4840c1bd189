import { describe, expect, it } from 'vitest'
import { ListNoiseSource } from '../noise'
import { EngineInputError } from '../types'
import { noiseInjection } from './injection'
import { recordingDenoiser, testEuler, testEulerAncestral } from './testing'

const noiseArrays = (k: number, n: number) => Array.from({ length: k }, (_, a) => Float64Array.from({ length: n }, (_, i) => Math.sin(1 + 7 * a + 3 * i)))
const shrink = (x: Float64Array, s: number) => Float64Array.from(x, (v) => v / (1 + s * s))

describe('noise injection', () => {
  it('evaluates the model at x + gamma * sigma * eps and leaves x alone', async () => {
    const eps = noiseArrays(1, 3)
    const inner = recordingDenoiser(shrink)
    const d = noiseInjection(inner, new ListNoiseSource(eps), 0.25)
    const x = Float64Array.from([1, -2, 0.5])
    const out = await d(x, 4)
    const xi = Array.from(x, (v, i) => v + 0.25 * 4 * eps[0][i])
    expect(Array.from(inner.seen[0].x)).toEqual(xi)
    expect(Array.from(out)).toEqual(Array.from(shrink(Float64Array.from(xi), 4)))
    expect(Array.from(x)).toEqual([1, -2, 0.5])
  })

  it('draws exactly one noise array per model call', async () => {
    const sigmas = [8, 4, 2, 1, 0]
    const src = new ListNoiseSource(noiseArrays(4, 3))
    const inner = recordingDenoiser(shrink)
    await testEuler(noiseInjection(inner, src, 0.1), Float64Array.from([1, 2, 3]), sigmas, { noise: src })
    expect(inner.seen.length).toBe(4)
    expect(src.drawn).toBe(4)
    // with one array too few, the fourth model call finds none
    const short = new ListNoiseSource(noiseArrays(3, 3))
    await expect(testEuler(noiseInjection(shrinkDenoiser, short, 0.1), Float64Array.from([1, 2, 3]), sigmas, { noise: short })).rejects.toThrow(/#4/)
  })

  it('shares the run\'s source with an ancestral sampler: calls + (steps - 1) arrays', async () => {
    const src = new ListNoiseSource(noiseArrays(7, 3))
    await testEulerAncestral(noiseInjection(shrinkDenoiser, src, 0.1), Float64Array.from([1, 2, 3]), [8, 4, 2, 1, 0], { noise: src })
    expect(src.drawn).toBe(4 + 3)
  })

  it('still draws at gamma = 0 but leaves the input unchanged', async () => {
    const src = new ListNoiseSource(noiseArrays(1, 3))
    const inner = recordingDenoiser(shrink)
    await noiseInjection(inner, src, 0)(Float64Array.from([1, 2, 3]), 5)
    expect(Array.from(inner.seen[0].x)).toEqual([1, 2, 3])
    expect(src.drawn).toBe(1)
  })

  it.each([-0.1, NaN, Infinity])('rejects gamma %s', (gamma) => {
    expect(() => noiseInjection(shrinkDenoiser, new ListNoiseSource([]), gamma)).toThrow(/noise injection gamma/)
  })

  it('rejects a missing source and noise of the wrong length', async () => {
    expect(() => noiseInjection(shrinkDenoiser, undefined as never, 0.1)).toThrow(EngineInputError)
    await expect(noiseInjection(shrinkDenoiser, new ListNoiseSource([[1, 2]]), 0.1)(Float64Array.from([1, 2, 3]), 1)).rejects.toThrow(/returned 2 values/)
  })
})

async function shrinkDenoiser(x: Float64Array, s: number) {
  return shrink(x, s)
}
