import { describe, expect, it } from 'vitest'
import { gmmDenoise } from '../gmm'
import { NO_NOISE } from '../noise'
import { EngineInputError } from '../types'
import { MIXTURE_3D, gmmDenoiser, karrasSigmas, convergenceOrder, logUniformSigmas, maxAbsDiff, referenceOde, startState } from './test-helpers'
import { runSampler } from './run'

const den = gmmDenoiser(MIXTURE_3D)

describe('uni_pc / uni_pc_bh2', () => {
  it('one step is a first-order (DDIM) step to sigma 0.001', async () => {
    const x = startState(MIXTURE_3D, 2, 5, 1)
    const d = gmmDenoise(MIXTURE_3D, x, 5)
    for (const id of ['uni_pc', 'uni_pc_bh2']) {
      const out = await runSampler(id, den, x, [5, 0], { noise: NO_NOISE })
      const r = 0.001 / 5
      for (let i = 0; i < x.length; i++) expect(out[i]).toBeCloseTo(r * x[i] + (1 - r) * d[i], 12)
    }
  })

  it('two steps: an order-1 predictor-corrector step, then a plain step without corrector', async () => {
    const x = startState(MIXTURE_3D, 2, 5, 2)
    const [s0, s1, s2] = [5, 0.8, 0.001]
    for (const [id, bh] of [['uni_pc', (hh: number) => hh], ['uni_pc_bh2', (hh: number) => Math.expm1(hh)]] as const) {
      const m0 = gmmDenoise(MIXTURE_3D, x, s0)
      const h1 = Math.log(s0 / s1)
      const pred = x.map((v, i) => (s1 / s0) * v - Math.expm1(-h1) * m0[i])
      const m1 = gmmDenoise(MIXTURE_3D, pred, s1)
      // UniC with order 1: rho = 1/2 on the difference of the new and old x0 estimates.
      const x1 = pred.map((v, i) => v - bh(-h1) * 0.5 * (m1[i] - m0[i]))
      const h2 = Math.log(s1 / s2)
      const x2 = x1.map((v, i) => (s2 / s1) * v - Math.expm1(-h2) * m1[i])
      const stats = { modelCalls: 0 }
      const out = await runSampler(id, den, x, [s0, s1, 0], { noise: NO_NOISE, stats })
      expect(stats.modelCalls).toBe(2)
      expect(maxAbsDiff(out, x2)).toBeLessThan(1e-12)
    }
  })

  it('shows a higher order than Euler (error slope over step counts)', async () => {
    const x = startState(MIXTURE_3D, 6, 10, 8)
    const ref = await referenceOde(den, x, 10, 0.05, 4000)
    const ns = [16, 32, 64, 128]
    const measure = async (id: string) => {
      const errs: number[] = []
      for (const n of ns) errs.push(maxAbsDiff(await runSampler(id, den, x, logUniformSigmas(n, 0.05, 10), { noise: NO_NOISE }), ref))
      return { order: convergenceOrder(ns, errs), last: errs[errs.length - 1] }
    }
    const euler = await measure('ddim')
    const bh1 = await measure('uni_pc')
    const bh2 = await measure('uni_pc_bh2')
    expect(euler.order).toBeLessThan(1.2)
    expect(bh1.order).toBeGreaterThan(2.2)
    expect(bh2.order).toBeGreaterThan(2.2)
    expect(bh1.last).toBeLessThan(euler.last / 100)
    expect(bh2.last).toBeLessThan(euler.last / 100)
  })

  it('converges to the probability-flow ODE solution on karras lists ending in 0 (stopping at sigma 0.001)', async () => {
    // sigma_min 0.002 so that the final, first-order jump to 0.001 shrinks with the step count too.
    const x = startState(MIXTURE_3D, 6, 14.6, 3)
    const ref = await referenceOde(den, x, 14.6, 0.001, 6000)
    for (const id of ['uni_pc', 'uni_pc_bh2']) {
      const errs: number[] = []
      for (const n of [30, 60, 120]) errs.push(maxAbsDiff(await runSampler(id, den, x, karrasSigmas(n, 0.002, 14.6), { noise: NO_NOISE }), ref))
      expect(errs[1]).toBeLessThan(errs[0] / 4)
      expect(errs[2]).toBeLessThan(errs[1] / 4)
      expect(errs[2]).toBeLessThan(1e-4)
    }
    const euler = maxAbsDiff(await runSampler('ddim', den, x, karrasSigmas(120, 0.002, 14.6), { noise: NO_NOISE }), ref)
    expect(euler).toBeGreaterThan(1e-2)
  })

  it('bh1 and bh2 are different methods', async () => {
    const x = startState(MIXTURE_3D, 3, 14.6, 5)
    const sigmas = karrasSigmas(8, 0.0292, 14.6)
    const a = await runSampler('uni_pc', den, x, sigmas, { noise: NO_NOISE })
    const b = await runSampler('uni_pc_bh2', den, x, sigmas, { noise: NO_NOISE })
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-6)
    // The variant is the id's, not an option a caller can pass.
    await expect(runSampler('uni_pc', den, x, sigmas, { noise: NO_NOISE, options: { variant: 'bh2' } as never })).rejects.toThrow(/unknown option "variant"/)
  })

  it('rejects a sigma 0 before the end', async () => {
    const x = startState(MIXTURE_3D, 1, 5, 1)
    await expect(runSampler('uni_pc', den, x, [5, 0, 0], { noise: NO_NOISE })).rejects.toThrow(EngineInputError)
  })
})
