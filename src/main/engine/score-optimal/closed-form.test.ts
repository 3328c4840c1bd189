/** The closed-form test bed against the reference values of reference/notes/SCHEDULES.md 2.1–2.2. */
import { describe, expect, it } from 'vitest'
import { gmmDenoiser } from '../gmm'
import { runSampler } from '../samplers/run'
import { NO_NOISE } from '../noise'
import {
  cumulativeLambda,
  gaussianBackwardCost,
  gaussianDelta,
  gaussianF,
  gaussianFiniteCost,
  gaussianLambda,
  gaussianOdeSolution,
  gaussianOptimalSigmas,
  gmmBackwardCost1D,
  gmmCollinearDelta,
  gmmDelta1D,
  gmmDeltaMonteCarlo,
  gmmFiniteCost1D,
  logUniformGrid
} from './closed-form'
import { integrate } from './quadrature'

const BIMODAL = { dim: 1, weights: [0.5, 0.5], means: [-1, 1], variances: [0.01, 0.01] }
const SD = { sigmaMin: 0.0291671582, sigmaMax: 14.6146412293 }
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b)

describe('adaptive Gauss–Kronrod', () => {
  it('integrates polynomials exactly and smooth functions to ~1e-13', () => {
    expect(integrate((x) => x ** 10 - 3 * x ** 3, -1, 2)).toBeCloseTo((2 ** 11 + 1) / 11 - (3 * (16 - 1)) / 4, 12)
    expect(integrate((x) => Math.exp(-x * x), -10, 10)).toBeCloseTo(Math.sqrt(Math.PI), 13)
    expect(integrate((x) => 1 / (1 + Math.exp(-200 * x)), -1, 1)).toBeCloseTo(1, 12)
  })
})

describe('GMM closed form (SCHEDULES.md 2.1)', () => {
  it('reproduces the reference δ(σ) values for w=(½,½), μ=(−1,1), v=0.01', () => {
    const ref: Array<[number, number]> = [
      [0.05, 12.8],
      [0.2, 51.2102759949],
      [0.5, 13.9979805447],
      [1, 1.85028082743],
      [2, 0.5640452693],
      [10, 0.0388196913509]
    ]
    for (const [s, d] of ref) expect(rel(gmmDelta1D(BIMODAL, s), d)).toBeLessThan(1e-9)
  })

  it('reproduces the finite cost L(1.0 → 0.9) = 0.0216686621138', () => {
    expect(rel(gmmFiniteCost1D(BIMODAL, 1.0, 0.9), 0.0216686621138)).toBeLessThan(1e-9)
  })

  it('gives Λ = 11.81364 over 400 log-σ intervals 80 → 0.002 and the 10-step optimum', () => {
    const grid = logUniformGrid(0.002, 80, 400)
    const L = Array.from({ length: 400 }, (_, i) => gmmFiniteCost1D(BIMODAL, grid[i + 1], grid[i]))
    const cum = cumulativeLambda(L)
    expect(cum[400]).toBeCloseTo(11.81364, 5)
    const expected = [80, 44.307, 24.524, 13.547, 7.4343, 3.9902, 1.9768, 0.83624, 0.4253, 0.21266, 0.002]
    for (let i = 0; i <= 10; i++) {
      const target = cum[400] * (1 - i / 10)
      let j = 0
      while (j < 399 && cum[j + 1] < target) j++
      const w = (target - cum[j]) / (cum[j + 1] - cum[j])
      const s = Math.exp(Math.log(grid[j]) + w * (Math.log(grid[j + 1]) - Math.log(grid[j])))
      expect(rel(s, expected[i])).toBeLessThan(2e-5)
    }
  })

  it('finite costs converge to δ·Δσ² and the backward form is symmetric to leading order', () => {
    const s = 0.5
    const h = 1e-3
    const fwd = gmmFiniteCost1D(BIMODAL, s + h / 2, s - h / 2)
    const bwd = gmmBackwardCost1D(BIMODAL, s + h / 2, s - h / 2)
    expect(rel(fwd / (h * h), gmmDelta1D(BIMODAL, s))).toBeLessThan(2e-3)
    expect(rel((fwd + bwd) / 2 / (h * h), gmmDelta1D(BIMODAL, s))).toBeLessThan(1e-5)
  })

  it('matches the collinear d-dimensional formula by Monte Carlo', () => {
    // Means ±(1,1,1,1)/2 (collinear, |μ| = 1), v = 0.05, d = 4.
    const d = 4
    const mix = { dim: d, weights: [0.3, 0.7], means: [0.5, 0.5, 0.5, 0.5, -0.5, -0.5, -0.5, -0.5], variances: [0.05, 0.05] }
    const line = { dim: 1, weights: [0.3, 0.7], means: [1, -1], variances: [0.05, 0.05] }
    for (const s of [0.15, 0.6]) {
      const exact = gmmCollinearDelta(line, d, s)
      expect(rel(gmmDeltaMonteCarlo(mix, s, 20000, 7), exact)).toBeLessThan(0.03)
    }
  })
})

describe('single Gaussian closed form (SCHEDULES.md 2.2)', () => {
  it('δ, Λ and F agree with each other and with the mixture quadrature', () => {
    const g = { dim: 1, weights: [1], means: [0], variances: [0.25] }
    for (const s of [0.01, 0.3, 2, 40]) expect(rel(gmmDelta1D(g, s), gaussianDelta(s, 0.25))).toBeLessThan(1e-9)
    // Λ' = √δ, checked by a central difference; F's series and closed form join smoothly at u = 0.05.
    const s = 0.7
    const dl = (gaussianLambda(s + 1e-5, 0.25, 3) - gaussianLambda(s - 1e-5, 0.25, 3)) / 2e-5
    expect(rel(dl, Math.sqrt(gaussianDelta(s, 0.25, 3)))).toBeLessThan(1e-8)
    expect(rel(gaussianF(0.05 - 1e-12), gaussianF(0.05 + 1e-12))).toBeLessThan(1e-9)
    expect(rel(gaussianF(1e-3), 1e-9 / 3)).toBeLessThan(1e-5)
  })

  it('exact finite costs match quadrature', () => {
    const g = { dim: 1, weights: [1], means: [0], variances: [1] }
    expect(rel(gaussianFiniteCost(3, 2, 1), gmmFiniteCost1D(g, 3, 2))).toBeLessThan(1e-10)
    expect(rel(gaussianBackwardCost(3, 2, 1), gmmBackwardCost1D(g, 3, 2))).toBeLessThan(1e-10)
  })

  it('reproduces the 10-interval optimum vectors (SD v=1, EDM v=0.25)', () => {
    const sd = [14.6146, 11.4961, 9.03103, 7.07908, 5.52905, 4.29224, 3.29708, 2.48395, 1.79854, 1.17379, 0.0291672]
    const edm = [80, 49.6573, 30.8208, 19.1258, 11.8625, 7.34793, 4.5358, 2.77411, 1.65268, 0.900743, 0.002]
    const a = gaussianOptimalSigmas(1, SD.sigmaMin, SD.sigmaMax, 10)
    const b = gaussianOptimalSigmas(0.25, 0.002, 80, 10)
    for (let i = 0; i <= 10; i++) {
      // The listed values carry 6 significant digits.
      expect(rel(a[i], sd[i])).toBeLessThan(5e-6)
      expect(rel(b[i], edm[i])).toBeLessThan(5e-6)
    }
  })

  it('the exact PF-ODE solution is what an accurate sampler reaches', async () => {
    const g = { dim: 1, weights: [1], means: [0], variances: [1] }
    const x0 = Float64Array.from([1.3, -0.4, 2.2].map((z) => z * 14.6))
    const n = 800
    const sigmas = Array.from({ length: n + 1 }, (_, i) => 14.6 * Math.pow(0.5 / 14.6, i / n))
    const out = await runSampler('heun', gmmDenoiser(g), x0, sigmas, { noise: NO_NOISE })
    const exact = gaussianOdeSolution(x0, 14.6, 0.5, 1)
    for (let i = 0; i < 3; i++) expect(out[i]).toBeCloseTo(exact[i], 4)
  })
})
