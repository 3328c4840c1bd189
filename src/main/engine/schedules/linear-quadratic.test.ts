import { describe, expect, it } from 'vitest'
import { computeSigmas } from './index'

const range = { sigmaMin: 0.03, sigmaMax: 10 }

describe('linear_quadratic', () => {
  it('is [sigma_max, 0] at one step and reaches threshold_noise after the linear part', () => {
    expect(Array.from(computeSigmas('linear_quadratic', 1, range))).toEqual([10, 0])
    // 2 steps: one linear step (0), then the quadratic gives 0.025, so sigma = 0.975·sigma_max.
    expect(Array.from(computeSigmas('linear_quadratic', 2, range))).toEqual([10, expect.closeTo(9.75, 12), 0])
  })

  it('rises linearly in noise fraction for floor(steps/2) steps, then quadratically to 1', () => {
    const s = computeSigmas('linear_quadratic', 9, range) // linear_steps = 4
    const frac = Array.from(s, (v) => 1 - v / 10)
    for (let i = 1; i < 4; i++) expect(frac[i] - frac[i - 1]).toBeCloseTo(0.025 / 4, 14)
    expect(frac[4]).toBeCloseTo(0.025, 14)
    expect(frac[9]).toBeCloseTo(1, 14)
    // Second differences of the quadratic part are constant.
    const d2 = (i: number): number => frac[i + 1] - 2 * frac[i] + frac[i - 1]
    expect(d2(6)).toBeCloseTo(d2(5), 12)
    expect(d2(7)).toBeCloseTo(d2(5), 12)
  })

  it('honours threshold_noise and linear_steps overrides and rejects rising results', () => {
    const s = computeSigmas('linear_quadratic', 10, range, { threshold_noise: 0.1, linear_steps: 2 })
    expect(s[2]).toBeCloseTo(9, 12)
    expect(() => computeSigmas('linear_quadratic', 10, range, { threshold_noise: 0.95, linear_steps: 2 })).toThrow(/rises; use a smaller threshold_noise/)
  })
})
