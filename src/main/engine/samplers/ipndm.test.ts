import { describe, expect, it } from 'vitest'
import { NO_NOISE } from '../noise'
import { MIXTURE_3D, gmmDenoiser, karrasSigmas, linearSigmas, maxAbsDiff, startState } from './test-helpers'
import { ipndmVWeights } from './ipndm'
import { runSampler } from './run'

const den = gmmDenoiser(MIXTURE_3D)

describe('ipndm_v weights', () => {
  const steps: [number, number, number, number][] = [
    [-0.3, -0.5, -0.9, -1.7],
    [-1, -1.1, -0.7, -2.5],
    [-0.05, -0.2, -0.21, -0.4]
  ]
  it('orders 1..3 sum to 1 (consistency) on any step pattern; order 4 only on equal steps (reference quirk)', () => {
    for (const [h0, h1, h2, h3] of steps) {
      for (let order = 1; order <= 3; order++) {
        const w = ipndmVWeights(order, h0, h1, h2, h3)
        expect(w).toHaveLength(order)
        expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
      }
    }
    expect(ipndmVWeights(4, -0.7, -0.7, -0.7, -0.7).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    // diff-sampler's order-4 expression (kept, since ComfyUI and the vectors use it) is not consistent on uneven steps.
    expect(Math.abs(ipndmVWeights(4, ...steps[0]).reduce((a, b) => a + b, 0) - 1)).toBeGreaterThan(1e-4)
  })

  it('order 2 integrates linear derivatives exactly on unequal steps; order 3 linear ones too, and quadratics on equal steps', () => {
    // Nodes (newest first) at sigma offsets 0, -h1, -h1-h2; the step integrates s^deg over [0, h0].
    const err = (order: number, h: readonly number[], deg: number) => {
      const [h0, h1, h2, h3] = h
      const nodes = [0, -h1, -h1 - h2]
      const w = ipndmVWeights(order, h0, h1, h2, h3)
      return h0 * w.reduce((a, wk, k) => a + wk * nodes[k] ** deg, 0) - h0 ** (deg + 1) / (deg + 1)
    }
    for (const h of steps) {
      for (const order of [2, 3]) for (const deg of [0, 1]) expect(Math.abs(err(order, h, deg))).toBeLessThan(1e-12)
    }
    expect(Math.abs(err(3, [-0.4, -0.4, -0.4, -0.4], 2))).toBeLessThan(1e-12)
    expect(Math.abs(err(2, [-0.4, -0.4, -0.4, -0.4], 2))).toBeGreaterThan(1e-3)
  })

  it('reduce to the fixed Adams–Bashforth weights on equal steps (order 4 keeps the reference quirk)', () => {
    const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 12))
    close(ipndmVWeights(2, -1, -1, -1, -1), [3 / 2, -1 / 2])
    close(ipndmVWeights(3, -1, -1, -1, -1), [23 / 12, -16 / 12, 5 / 12])
    // diff-sampler's order-4 expression, which ComfyUI runs (and the conformance vectors pin), is not AB4's 55/24...
    close(ipndmVWeights(4, -1, -1, -1, -1), [57 / 24, -65 / 24, 43 / 24, -11 / 24])
  })
})

describe('ipndm and ipndm_v', () => {
  it('agree on equally spaced sigmas for max_order 1..3', async () => {
    const sigmas = linearSigmas(15, 0.5, 8) // equal steps except the final one to 0
    const x = startState(MIXTURE_3D, 4, 8, 3)
    for (const max_order of [1, 2, 3]) {
      const a = await runSampler('ipndm', den, x, sigmas, { noise: NO_NOISE, options: { max_order } })
      const b = await runSampler('ipndm_v', den, x, sigmas, { noise: NO_NOISE, options: { max_order } })
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-10)
    }
  })

  it('with max_order 1 are Euler (deterministic DDIM)', async () => {
    const sigmas = karrasSigmas(9, 0.03, 14.6)
    const x = startState(MIXTURE_3D, 4, 14.6, 5)
    const euler = await runSampler('ddim', den, x, sigmas, { noise: NO_NOISE })
    for (const id of ['ipndm', 'ipndm_v']) {
      const out = await runSampler(id, den, x, sigmas, { noise: NO_NOISE, options: { max_order: 1 } })
      expect(maxAbsDiff(out, euler)).toBeLessThan(1e-12)
    }
  })

  it('higher max_order changes the result (history is used)', async () => {
    const sigmas = karrasSigmas(9, 0.03, 14.6)
    const x = startState(MIXTURE_3D, 4, 14.6, 5)
    for (const id of ['ipndm', 'ipndm_v']) {
      const o2 = await runSampler(id, den, x, sigmas, { noise: NO_NOISE, options: { max_order: 2 } })
      const o4 = await runSampler(id, den, x, sigmas, { noise: NO_NOISE })
      expect(maxAbsDiff(o2, o4)).toBeGreaterThan(1e-6)
    }
  })
})
