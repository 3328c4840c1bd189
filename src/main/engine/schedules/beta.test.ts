import { describe, expect, it } from 'vitest'
import { modelSigmas, SD_MODEL_CONFIG } from '../model-sigmas'
import { computeSigmas } from './index'

const sd = modelSigmas(SD_MODEL_CONFIG)
const indicesOf = (s: Float64Array): number[] => Array.from(s.subarray(0, s.length - 1), (v) => sd.sigmas.indexOf(v))

describe('beta schedule', () => {
  it('picks the published SD1.5 indices at 10 steps with alpha = beta = 0.6 (SCHEDULES.md 3.3)', () => {
    expect(indicesOf(computeSigmas('beta', 10, sd))).toEqual([999, 959, 876, 765, 637, 500, 362, 234, 123, 40])
  })

  it('rounds exact halves to even, as numpy rint does (uniform Beta(1,1) at 6 steps)', () => {
    // 1 - i/6 times 999: 999, 832.5, 666, 499.5, 333, 166.5 → 832 and 500 (even), 166.5 → 167 after
    // float64 rounding of 1 - 5*(1/6) lands just above the half.
    expect(indicesOf(computeSigmas('beta', 6, sd, { alpha: 1, beta: 1 }))).toEqual([999, 832, 666, 500, 333, 167])
  })

  it('drops repeated indices, so many steps give fewer sigmas', () => {
    const s = computeSigmas('beta', 2000, sd, { alpha: 0.6, beta: 0.6 })
    expect(s.length).toBeLessThanOrEqual(sd.length + 1) // at most every table entry once, then 0
    expect(new Set(s).size).toBe(s.length)
  })

  it('moves steps towards the clean end when alpha < beta', () => {
    const lowAlpha = computeSigmas('beta', 10, sd, { alpha: 0.3, beta: 1 })
    const even = computeSigmas('beta', 10, sd, { alpha: 1, beta: 1 })
    expect(lowAlpha[5]).toBeLessThan(even[5])
  })
})
