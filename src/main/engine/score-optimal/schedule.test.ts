/** Cutting schedules from a profile, the Gaussian fallback, and the registry entry. */
import { describe, expect, it } from 'vitest'
import { gaussianLambda, gaussianOptimalSigmas, logUniformGrid } from './closed-form'
import { profileFromIntervalCosts, validateProfile } from './profile'
import { fallbackSigmas, gaussianFallbackProfile, monotoneInterpolant, scoreOptimal, scoreOptimalSigmas } from './schedule'

const SD = { sigmaMin: 0.0291671582, sigmaMax: 14.6146412293 }
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b)

function checkSchedule(s: Float64Array, steps: number, range: { sigmaMin: number; sigmaMax: number }): void {
  expect(s.length).toBe(steps + 1)
  expect(s[0]).toBe(range.sigmaMax)
  expect(s[steps]).toBe(0)
  if (steps > 1) expect(s[steps - 1]).toBe(range.sigmaMin)
  for (let i = 1; i <= steps; i++) expect(s[i]).toBeLessThan(s[i - 1])
}

describe('monotone interpolation', () => {
  it('passes through the nodes, stays monotone, and can be linear', () => {
    const x = [0, 0.1, 0.5, 0.55, 1]
    const y = [-3, -1, 0, 2, 2.5]
    const f = monotoneInterpolant(x, y)
    for (let i = 0; i < x.length; i++) expect(f(x[i])).toBeCloseTo(y[i], 14)
    let prev = -Infinity
    for (let t = 0; t <= 1; t += 0.001) {
      expect(f(t)).toBeGreaterThanOrEqual(prev - 1e-15)
      prev = f(t)
    }
    expect(monotoneInterpolant(x, y, 'linear')(0.3)).toBeCloseTo(-0.5, 14)
  })
})

describe('score_optimal schedule', () => {
  it('falls back to the Gaussian closed form: steps sigmas from σ_max to σ_min, then 0', () => {
    const s = scoreOptimal.compute(11, SD, { sigma_data: 1 })
    checkSchedule(s, 11, SD)
    const exact = [14.6146, 11.4961, 9.03103, 7.07908, 5.52905, 4.29224, 3.29708, 2.48395, 1.79854, 1.17379, 0.0291672]
    for (let i = 0; i <= 10; i++) expect(rel(s[i], exact[i])).toBeLessThan(5e-6)
    // EDM pixels: sigma_data 0.5.
    const e = scoreOptimal.compute(11, { sigmaMin: 0.002, sigmaMax: 80 }, { sigma_data: 0.5 })
    expect(rel(e[5], 7.34793)).toBeLessThan(5e-6)
    expect(Array.from(scoreOptimal.compute(1, SD, { sigma_data: 1 }))).toEqual([SD.sigmaMax, 0])
  })

  it('a profile of the exact Gaussian Λ reproduces the closed form for any step count', () => {
    const p = gaussianFallbackProfile(1, SD, 256)
    validateProfile(JSON.parse(JSON.stringify(p)))
    for (const steps of [2, 5, 10, 20, 37]) {
      const s = scoreOptimalSigmas(p, steps)
      checkSchedule(s, steps, SD)
      const exact = fallbackSigmas(1, steps, SD)
      for (let i = 0; i < steps; i++) expect(rel(s[i], exact[i])).toBeLessThan(2e-5)
    }
  })

  it('the registry entry uses the profile from its context, cut to the requested range', () => {
    const p = gaussianFallbackProfile(0.25, { sigmaMin: 0.002, sigmaMax: 80 }, 400)
    const s = scoreOptimal.compute(10, SD, { sigma_data: 1 }, { profile: p })
    checkSchedule(s, 10, SD)
    // Inside the calibrated range the cut is the closed form on the sub-range.
    const exact = gaussianOptimalSigmas(0.25, SD.sigmaMin, SD.sigmaMax, 9)
    for (let i = 0; i < 10; i++) expect(rel(s[i], exact[i])).toBeLessThan(1e-4)
    // Outside it, Λ is extended in log σ with the end density: still a valid descending list.
    checkSchedule(scoreOptimal.compute(10, { sigmaMin: 0.001, sigmaMax: 200 }, { sigma_data: 1 }, { profile: p }), 10, { sigmaMin: 0.001, sigmaMax: 200 })
  })

  it('the one-sided cost biases the schedule by O(1/M), the symmetrised one by O(1/M²) (SCHEDULES.md 1.7)', () => {
    // Exact finite costs of N(0, I): no Monte Carlo, only the discretisation of the cost.
    const worst = (M: number, form: 'one-sided' | 'symmetric'): number => {
      const g = logUniformGrid(SD.sigmaMin, SD.sigmaMax, M)
      const L = Array.from({ length: M }, (_, i) => {
        const a = 1 + g[i + 1] ** 2
        const b = 1 + g[i] ** 2
        const fwd = (g[i] ** 2 * (b - a) ** 2) / (a * b * b)
        const bwd = (g[i + 1] ** 2 * (b - a) ** 2) / (b * a * a)
        return form === 'one-sided' ? fwd : 0.5 * (fwd + bwd)
      })
      const s = scoreOptimalSigmas(profileFromIntervalCosts(g, L, { smooth: 0 }), 11)
      const exact = gaussianOptimalSigmas(1, SD.sigmaMin, SD.sigmaMax, 10)
      return Math.max(...Array.from(exact, (e, i) => rel(s[i], e)))
    }
    const o64 = worst(64, 'one-sided')
    const o128 = worst(128, 'one-sided')
    const s64 = worst(64, 'symmetric')
    const s128 = worst(128, 'symmetric')
    expect(o128).toBeGreaterThan(0.004)
    expect(o128).toBeLessThan(0.008)
    expect(o64 / o128).toBeGreaterThan(1.7) // first order
    expect(s128).toBeLessThan(3e-4)
    expect(s64 / s128).toBeGreaterThan(3) // second order
    expect(Math.abs(gaussianLambda(SD.sigmaMax, 1) - gaussianLambda(SD.sigmaMin, 1))).toBeGreaterThan(0)
  })

  it('smoothing and the floor keep Λ strictly increasing when costs vanish', () => {
    const g = logUniformGrid(0.01, 10, 50)
    const L = Array.from({ length: 50 }, (_, i) => (i < 10 ? 0 : 1))
    const p = profileFromIntervalCosts(g, L, { smooth: 2, floorRel: 1e-12 })
    for (let i = 1; i <= 50; i++) expect(p.cumLambda[i]).toBeGreaterThan(p.cumLambda[i - 1])
    checkSchedule(scoreOptimalSigmas(p, 8), 8, { sigmaMin: 0.01, sigmaMax: 10 })
  })
})
