import { describe, expect, it } from 'vitest'
import { computeSigmas } from './index'

// karras, exponential, polyexponential, kl_optimal: closed forms over a sigma range.
const range = { sigmaMin: 0.1, sigmaMax: 10 }

describe('karras', () => {
  it('is evenly spaced in sigma^(1/rho)', () => {
    const s = computeSigmas('karras', 5, range, { rho: 3 })
    const roots = Array.from(s.subarray(0, 5), (v) => Math.cbrt(v))
    for (let i = 1; i < 4; i++) expect(roots[i + 1] - roots[i]).toBeCloseTo(roots[1] - roots[0], 12)
    expect(s[0]).toBeCloseTo(10, 12)
    expect(s[4]).toBeCloseTo(0.1, 12)
  })

  it('is linear in sigma at rho = 1 and defaults to rho = 7', () => {
    expect(Array.from(computeSigmas('karras', 3, range, { rho: 1 }))).toEqual([10, expect.closeTo(5.05, 12), expect.closeTo(0.1, 12), 0])
    const mid = (10 ** (1 / 7) + 0.1 ** (1 / 7)) / 2
    expect(computeSigmas('karras', 3, range)[1]).toBeCloseTo(mid ** 7, 12)
  })
})

describe('exponential and polyexponential', () => {
  it('exponential is geometric from sigma_max to sigma_min', () => {
    expect(Array.from(computeSigmas('exponential', 3, range))).toEqual([expect.closeTo(10, 12), expect.closeTo(1, 12), expect.closeTo(0.1, 12), 0])
  })

  it('polyexponential at rho 1 is exponential; larger rho moves steps towards sigma_min', () => {
    const e = computeSigmas('exponential', 7, range)
    const p1 = computeSigmas('polyexponential', 7, range)
    for (let i = 0; i < e.length; i++) expect(p1[i]).toBeCloseTo(e[i], 12)
    const p2 = computeSigmas('polyexponential', 3, range, { rho: 2 })
    // ramp 0.5 squared = 0.25: log sigma a quarter of the way up from log sigma_min.
    expect(p2[1]).toBeCloseTo(Math.exp(Math.log(0.1) + 0.25 * Math.log(100)), 12)
  })
})

describe('kl_optimal', () => {
  it('is evenly spaced in atan(sigma)', () => {
    const s = computeSigmas('kl_optimal', 4, range)
    const angles = Array.from(s.subarray(0, 4), Math.atan)
    for (let i = 1; i < 3; i++) expect(angles[i + 1] - angles[i]).toBeCloseTo(angles[1] - angles[0], 12)
    expect(s[0]).toBeCloseTo(10, 12)
    expect(s[3]).toBeCloseTo(0.1, 12)
  })

  it('gives [sigma_max, 0] at one step where the reference divides by zero', () => {
    expect(Array.from(computeSigmas('kl_optimal', 1, range))).toEqual([10, 0])
  })
})
