import { describe, expect, it } from 'vitest'
import { linearMultistepCoeff } from './lms'
import { gaussLegendre } from './quadrature'

describe('gaussLegendre', () => {
  it('integrates monomials up to degree 2n − 1 exactly on [-1, 1] and not degree 2n', () => {
    for (let n = 1; n <= 6; n++) {
      const { nodes, weights } = gaussLegendre(n)
      const integrate = (k: number): number => nodes.reduce((s, z, q) => s + weights[q] * z ** k, 0)
      for (let k = 0; k <= 2 * n - 1; k++) {
        const exact = k % 2 === 1 ? 0 : 2 / (k + 1)
        expect(integrate(k), `n=${n} k=${k}`).toBeCloseTo(exact, 13)
      }
      // Degree 2n is where an n-point rule must stop being exact.
      expect(Math.abs(integrate(2 * n) - 2 / (2 * n + 1))).toBeGreaterThan(1e-6)
    }
  })

  it('rejects a non-positive node count', () => {
    expect(() => gaussLegendre(0)).toThrow(RangeError)
  })
})

describe('linearMultistepCoeff', () => {
  it('reproduces the Adams–Bashforth coefficients on a uniform grid', () => {
    const h = -0.37
    const t = Array.from({ length: 8 }, (_, k) => 5 + k * h)
    const ab: Record<number, number[]> = {
      1: [1],
      2: [3 / 2, -1 / 2],
      3: [23 / 12, -16 / 12, 5 / 12],
      4: [55 / 24, -59 / 24, 37 / 24, -9 / 24]
    }
    for (const order of [1, 2, 3, 4]) {
      const i = 5
      for (let j = 0; j < order; j++) {
        expect(linearMultistepCoeff(order, t, i, j), `order ${order} j ${j}`).toBeCloseTo(ab[order][j] * h, 13)
      }
    }
  })

  it('integrates every polynomial of degree < order exactly on a non-uniform grid', () => {
    const t = [14.6, 9.1, 5.3, 2.9, 1.4, 0.61, 0.22, 0.07]
    for (const order of [1, 2, 3, 4, 5, 6]) {
      const i = 6
      const c = Array.from({ length: order }, (_, j) => linearMultistepCoeff(order, t, i, j))
      for (let deg = 0; deg < order; deg++) {
        const p = (s: number): number => (s - 1.1) ** deg
        const exact = ((t[i + 1] - 1.1) ** (deg + 1) - (t[i] - 1.1) ** (deg + 1)) / (deg + 1)
        const approx = c.reduce((s, cj, j) => s + cj * p(t[i - j]), 0)
        expect(approx, `order ${order} degree ${deg}`).toBeCloseTo(exact, 10)
      }
    }
  })

  it('refuses an order the history cannot support', () => {
    expect(() => linearMultistepCoeff(3, [3, 2, 1, 0.5], 1, 0)).toThrow(/order 3/)
  })
})
