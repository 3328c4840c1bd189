import { describe, expect, it } from 'vitest'
import { ListNoiseSource } from '../noise'
import { EngineInputError } from '../types'
import { temperatureNoise, temperedStart } from './temperature'
import { testEulerAncestral } from './testing'

const A = [Float64Array.from([0.3, -1.1, 2.2]), Float64Array.from([-0.7, 0.05, 1.9])]

describe('temperature', () => {
  it('multiplies every drawn array by tau, exactly, and draws nothing extra', () => {
    const src = new ListNoiseSource(A)
    const t = temperatureNoise(src, 0.7)
    expect(Array.from(t.next(1, 0.5))).toEqual(Array.from(A[0], (v) => 0.7 * v))
    expect(Array.from(t.next(0.5, 0.2))).toEqual(Array.from(A[1], (v) => 0.7 * v))
    expect(src.drawn).toBe(2)
  })

  it('is the identity at tau = 1', () => {
    const src = new ListNoiseSource(A)
    expect(temperatureNoise(src, 1)).toBe(src)
  })

  it('scales the starting noise: base + tau * sigma0 * noise', () => {
    const n = A[0]
    expect(Array.from(temperedStart(n, 14.6, 0.9))).toEqual(Array.from(n, (v) => 0.9 * 14.6 * v))
    expect(Array.from(temperedStart(n, 2, 0.5, [1, 2, 3]))).toEqual([1 + 0.3, 2 - 1.1, 3 + 2.2])
    expect(Array.from(temperedStart(n, 3))).toEqual(Array.from(n, (v) => 3 * v))
  })

  it('scales an ancestral run\'s injected noise: a linear denoiser gives an exactly predictable change', async () => {
    // With D(x) = 0 the ancestral step is x <- (down/s) x + up * tau * n; run with tau = 0.5 and compare
    // to the same recursion done by hand.
    const sigmas = [3, 1.5, 0.5]
    const x = Float64Array.from([1, -2, 0.5])
    const out = await testEulerAncestral(async (v) => new Float64Array(v.length), x, sigmas, { noise: temperatureNoise(new ListNoiseSource(A), 0.5) })
    let ref = Array.from(x)
    for (let i = 0; i < 2; i++) {
      const s = sigmas[i]
      const sn = sigmas[i + 1]
      const up = Math.min(sn, Math.sqrt((sn * sn * (s * s - sn * sn)) / (s * s)))
      const down = Math.sqrt(sn * sn - up * up)
      ref = ref.map((v, j) => v + ((down - s) * v) / s + up * (0.5 * A[i][j]))
    }
    for (let j = 0; j < 3; j++) expect(out[j]).toBeCloseTo(ref[j], 14)
  })

  it.each([0, -1, NaN, Infinity])('rejects tau %s', (tau) => {
    expect(() => temperatureNoise(new ListNoiseSource(A), tau)).toThrow(/temperature/)
    expect(() => temperedStart(A[0], 1, tau)).toThrow(EngineInputError)
  })

  it('rejects a bad sigma0 and a base of the wrong length', () => {
    expect(() => temperedStart(A[0], NaN)).toThrow(/sigma0/)
    expect(() => temperedStart(A[0], 1, 1, [1, 2])).toThrow(/base latent/)
  })
})
