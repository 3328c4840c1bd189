import { describe, expect, it } from 'vitest'
import { EngineInputError } from '../types'
import { clipSample, clipSampleDenoiser, dynamicThreshold, dynamicThresholding, quantileSorted } from './threshold'
import { recordingDenoiser } from './testing'

const close = (a: ArrayLike<number>, b: number[]) => {
  expect(a.length).toBe(b.length)
  for (let i = 0; i < b.length; i++) expect(a[i]).toBeCloseTo(b[i], 14)
}

describe('quantileSorted', () => {
  it('interpolates linearly between ranks at p * (n - 1)', () => {
    const a = [0, 1, 2, 3, 4]
    expect(quantileSorted(a, 0.5)).toBe(2)
    expect(quantileSorted(a, 0.9)).toBeCloseTo(3.6, 14)
    expect(quantileSorted(a, 1)).toBe(4)
    expect(quantileSorted([0.5, 1, 2, 4], 0.5)).toBeCloseTo(1.5, 14)
  })
})

describe('dynamic thresholding', () => {
  it('per row: s = max(1, percentile of |x0|), clamp to [-s, s], divide by s', () => {
    const x0 = Float64Array.from([
      -3, 0.5, 2, 1, // p = 1: s = 3
      0.2, -0.5, 0.1, 0.9 // max |x0| < 1: s = 1, unchanged
    ])
    close(dynamicThreshold(x0, { rowLength: 4, percentile: 1 }), [-1, 0.5 / 3, 2 / 3, 1 / 3, 0.2, -0.5, 0.1, 0.9])
  })

  it('clamps the values above the percentile before dividing', () => {
    // |x0| sorted = [0.5, 1, 2, 4]; the 0.5-quantile is 1.5
    const x0 = Float64Array.from([4, -2, 1, 0.5])
    close(dynamicThreshold(x0, { rowLength: 4, percentile: 0.5 }), [1, -1, 1 / 1.5, 0.5 / 1.5])
  })

  it('caps s at maxValue', () => {
    const x0 = Float64Array.from([-3, 0.5, 2, 1])
    close(dynamicThreshold(x0, { rowLength: 4, percentile: 1, maxValue: 2 }), [-1, 0.25, 1, 0.5])
  })

  it('wraps a denoiser and leaves its input alone', async () => {
    const inner = recordingDenoiser(() => Float64Array.from([-3, 0.5, 2, 1]))
    const d = dynamicThresholding(inner, { rowLength: 2, percentile: 1 })
    // rows [-3, 0.5] (s = 3) and [2, 1] (s = 2)
    close(await d(Float64Array.from([9, 9, 9, 9]), 1), [-1, 0.5 / 3, 1, 0.5])
    expect(inner.seen.length).toBe(1)
  })

  it.each([0, -0.1, 1.5, NaN, Infinity])('rejects percentile %s', (percentile) => {
    expect(() => dynamicThresholding(async (x) => x, { rowLength: 4, percentile })).toThrow(/percentile/)
  })

  it('rejects maxValue < 1, NaN, a bad rowLength and NaN outputs', async () => {
    expect(() => dynamicThresholding(async (x) => x, { rowLength: 4, percentile: 0.99, maxValue: 0.5 })).toThrow(/maxValue/)
    expect(() => dynamicThresholding(async (x) => x, { rowLength: 4, percentile: 0.99, maxValue: NaN })).toThrow(/maxValue/)
    expect(() => dynamicThresholding(async (x) => x, { rowLength: 0, percentile: 0.99 })).toThrow(EngineInputError)
    await expect(dynamicThresholding(async (x) => x, { rowLength: 3, percentile: 0.99 })(new Float64Array(4), 1)).rejects.toThrow(/rowLength 3/)
    await expect(dynamicThresholding(async () => Float64Array.from([1, NaN]), { rowLength: 2, percentile: 0.5 })(new Float64Array(2), 1)).rejects.toThrow(/NaN/)
  })
})

describe('clip sample', () => {
  it('clamps every element to [-range, range]', async () => {
    expect(Array.from(clipSample(Float64Array.from([-3, 0.5, 2, -1]), 1))).toEqual([-1, 0.5, 1, -1])
    const d = clipSampleDenoiser(async () => Float64Array.from([-3, 0.5, 2, -1]), { range: 1.5 })
    expect(Array.from(await d(new Float64Array(4), 1))).toEqual([-1.5, 0.5, 1.5, -1])
  })

  it.each([0, -1, NaN, Infinity])('rejects range %s', (range) => {
    expect(() => clipSampleDenoiser(async (x) => x, { range })).toThrow(/clip sample range/)
  })

  it('checks the layout when given a row length', async () => {
    await expect(clipSampleDenoiser(async (x) => x, { range: 1, rowLength: 3 })(new Float64Array(4), 1)).rejects.toThrow(EngineInputError)
  })
})
