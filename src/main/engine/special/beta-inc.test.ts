import { describe, expect, it } from 'vitest'
import { EngineInputError } from '../types'
import { inverseRegularizedIncompleteBeta as ppf, logGamma, regularizedIncompleteBeta as I } from './beta-inc'

/** |a - b| <= tol * max(|b|, tiny): a relative check that also works near 0. */
function expectRel(a: number, b: number, tol: number): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(Math.abs(b), 1e-300))
}

describe('logGamma', () => {
  it('matches known values', () => {
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-15)
    expectRel(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14)
    expectRel(logGamma(0.1), 2.252712651734206, 1e-14)
    expectRel(logGamma(7.5), 7.534364236758734, 1e-14)
    expectRel(logGamma(100), 359.1342053695754, 1e-14)
    expectRel(logGamma(11), Math.log(3628800), 1e-14)
  })
})

describe('regularizedIncompleteBeta', () => {
  it('matches reference values (scipy.special.betainc) across shapes', () => {
    const cases: [number, number, number, number][] = [
      [0.6, 0.6, 0.3, 0.35252651177214367],
      [0.5, 0.7, 0.9, 0.8837889567707928],
      [2.5, 4, 0.2, 0.16385906139118464],
      [50, 50, 0.45, 0.1586521989370985],
      [0.1, 20, 0.001, 0.7079970084234156],
      [10, 0.3, 0.999, 0.7236305864295751]
    ]
    for (const [a, b, x, want] of cases) expectRel(I(x, a, b), want, 1e-12)
  })

  it('agrees with closed forms and the symmetry I_x(a,b) = 1 - I_{1-x}(b,a)', () => {
    for (const x of [0.01, 0.2, 0.5, 0.77, 0.999]) {
      expectRel(I(x, 1, 1), x, 1e-14)
      expectRel(I(x, 3, 1), x ** 3, 1e-13)
      expectRel(I(x, 1, 2.5), 1 - (1 - x) ** 2.5, 1e-13)
      expectRel(I(x, 2, 2), 3 * x * x - 2 * x ** 3, 1e-13)
      expectRel(I(x, 0.7, 3.2) + I(1 - x, 3.2, 0.7), 1, 1e-14)
    }
    expect(I(0, 2, 3)).toBe(0)
    expect(I(1, 2, 3)).toBe(1)
  })
})

describe('inverseRegularizedIncompleteBeta', () => {
  it('matches reference quantiles (scipy.stats.beta.ppf)', () => {
    const cases: [number, number, number, number][] = [
      [0.6, 0.6, 0.9, 0.9604155944112192],
      [0.5, 0.7, 0.25, 0.09617666129459618],
      [2.5, 4, 0.6, 0.4227639389847219],
      [50, 50, 0.01, 0.3849604982926191],
      [0.1, 20, 0.3, 1.8341170586204924e-7],
      [10, 0.3, 0.95, 0.9999966738606139],
      [0.6, 0.6, 0.975, 0.9960370407965967]
    ]
    for (const [a, b, p, want] of cases) expectRel(ppf(p, a, b), want, 1e-12)
  })

  it('inverts I to within a few ulps over a sweep of shapes', () => {
    // The exact quantile must lie between x - d and x + d, d a few hundred ulps: I(x - d) <= p <= I(x + d).
    // Near 1 this is checked as y = 1 - x against the complement, whose spacing is 2^-53 at best.
    const bracket = (v: number): [number, number] => {
      const d = Math.max(1e-13 * v, 5e-16)
      return [Math.max(0, v - d), Math.min(1, v + d)]
    }
    for (const a of [0.05, 0.3, 0.6, 1.7, 9, 40]) {
      for (const b of [0.05, 0.6, 1.3, 6, 45]) {
        for (const p of [1e-9, 0.001, 0.1, 0.37, 0.5, 0.8, 0.999, 1 - 1e-9]) {
          const x = ppf(p, a, b)
          expect(x).toBeGreaterThanOrEqual(0)
          expect(x).toBeLessThanOrEqual(1)
          if (p <= 0.5) {
            const [lo, hi] = bracket(x)
            expect(I(lo, a, b)).toBeLessThanOrEqual(p)
            expect(I(hi, a, b)).toBeGreaterThanOrEqual(p)
          } else {
            const [lo, hi] = bracket(1 - x)
            expect(I(lo, b, a)).toBeLessThanOrEqual(1 - p)
            expect(I(hi, b, a)).toBeGreaterThanOrEqual(1 - p)
          }
        }
      }
    }
  })

  it('is exact where the beta schedule needs it: ends, uniform, medians, the arcsine law', () => {
    expect(ppf(0, 0.6, 0.6)).toBe(0)
    expect(ppf(1, 0.6, 0.6)).toBe(1)
    for (const p of [0.5, 1 - 5 / 6, 0.123456789]) expect(ppf(p, 1, 1)).toBe(p)
    expect(ppf(0.5, 0.6, 0.6)).toBe(0.5)
    expect(ppf(0.5, 7, 7)).toBe(0.5)
    expect(ppf(0.25, 2, 1)).toBe(0.5)
    expect(ppf(0.3, 0.5, 0.5)).toBe(Math.sin((Math.PI * 0.3) / 2) ** 2)
  })

  it('rejects bad shapes and probabilities, naming them', () => {
    expect(() => ppf(0.5, 0, 1)).toThrow(/alpha/)
    expect(() => ppf(0.5, 1, -2)).toThrow(/beta/)
    expect(() => ppf(1.5, 1, 1)).toThrow(/probability/)
    expect(() => I(Number.NaN, 1, 1)).toThrow(EngineInputError)
  })
})
