import { describe, expect, it } from 'vitest'
import { SAMPLERS } from '../../../shared/catalogue'
import { isReferenceComparable, mse, psnr, referenceComparability, rmse } from './metrics'

describe('error measures', () => {
  it('rmse and mse', () => {
    expect(mse([1, 2, 3], [1, 2, 5])).toBeCloseTo(4 / 3, 15)
    expect(rmse([0, 0, 0, 0], [1, -1, 1, -1])).toBe(1)
    expect(() => rmse([1], [1, 2])).toThrow(/length/)
  })
  it('psnr for [0,1], [-1,1] and 8-bit pixels; identical images give Infinity', () => {
    // MSE 0.01 on a unit range: 20 dB. The same error on [-1,1] has a peak-to-peak of 2: 26.02 dB.
    expect(psnr([0.5, 0.5], [0.6, 0.4], 'unit')).toBeCloseTo(20, 10)
    expect(psnr([0.5, 0.5], [0.6, 0.4], 'signed')).toBeCloseTo(20 + 20 * Math.log10(2), 10)
    expect(psnr([100, 100], [110, 90], '8bit')).toBeCloseTo(10 * Math.log10(255 ** 2 / 100), 10)
    expect(psnr([0.2], [0.2])).toBe(Infinity)
    // Out-of-range values are clamped first (as displayed), unless asked not to.
    expect(psnr([1.5], [1], 'unit')).toBe(Infinity)
    expect(psnr([1.5], [1], 'unit', false)).toBeCloseTo(10 * Math.log10(1 / 0.25), 10)
  })
})

describe('reference comparability', () => {
  it('follows the catalogue kind: deterministic samplers yes, ancestral and SDE no', () => {
    for (const s of SAMPLERS) expect(isReferenceComparable(s.id)).toBe(s.kind === 'deterministic')
    expect(referenceComparability('euler_ancestral').reason).toMatch(/ancestral/)
    expect(referenceComparability('dpmpp_2m_sde').reason).toMatch(/SDE/)
  })
  it('options that inject noise make a deterministic sampler not comparable', () => {
    expect(isReferenceComparable('euler', { s_churn: 0.5 })).toBe(false)
    expect(isReferenceComparable('ddim', { eta: 1 })).toBe(false)
    expect(isReferenceComparable('ddim', { eta: 0 })).toBe(true)
    expect(isReferenceComparable('nope')).toBe(false)
  })
})
