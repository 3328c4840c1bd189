/**
 * DPM-Solver fast and adaptive have no reference vectors, so they are checked by what they must do: spend
 * exactly the model-call budget (fast), converge to a fine ODE solution at sigma_min with third order
 * (fast), and get more accurate as the tolerance tightens while keeping consistent statistics (adaptive).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { NO_NOISE } from '../noise'
import type { SamplerOptions, SamplerStats, Tensor } from '../types'
import { dpmFastOrders } from './dpm-solver'
import { runSampler } from './run'
import { CountingNoise, ODE_PROBLEM, convergenceOrder, karrasSigmas, logUniformSigmas, maxAbsDiff, odeProblemReference } from './test-helpers'

const { sigmaMin: SIGMA_MIN, sigmaMax: SIGMA_MAX, denoise, x0 } = ODE_PROBLEM
let reference: Tensor

beforeAll(async () => {
  // Both DPM-Solvers stop at the last non-zero sigma, so the reference (at sigma_min) does too.
  reference = await odeProblemReference()
})

async function run(id: string, sigmas: number[], options: SamplerOptions = {}) {
  const stats: SamplerStats = { modelCalls: 0 }
  const noise = new CountingNoise(x0.length)
  const steps: number[] = []
  const out = await runSampler(id, denoise, x0, sigmas, { noise, options, stats, onStep: (s) => steps.push(s.sigma) })
  return { out, stats, drawn: noise.drawn, steps }
}

describe('dpmFastOrders', () => {
  it('spends exactly the budget with third-order steps and a 2/1 tail', () => {
    for (let nfe = 1; nfe <= 40; nfe++) {
      const orders = dpmFastOrders(nfe)
      expect(orders.reduce((s, o) => s + o, 0), `nfe ${nfe}`).toBe(nfe)
      expect(orders.length).toBe(Math.floor(nfe / 3) + 1)
      expect(orders.slice(0, -2).every((o) => o === 3)).toBe(true)
    }
    expect(dpmFastOrders(6)).toEqual([3, 2, 1])
    expect(dpmFastOrders(7)).toEqual([3, 3, 1])
    expect(dpmFastOrders(8)).toEqual([3, 3, 2])
  })
})

describe('dpm_fast', () => {
  it('makes exactly sigmas.length − 1 model calls', async () => {
    for (let n = 1; n <= 30; n++) {
      const { stats } = await run('dpm_fast', karrasSigmas(n, SIGMA_MIN, SIGMA_MAX))
      expect(stats.modelCalls, `n ${n}`).toBe(n)
    }
  })

  it('uses only sigmas[0] and the last non-zero sigma of the list', async () => {
    const a = await run('dpm_fast', [SIGMA_MAX, 7, 3, 1, SIGMA_MIN, 0])
    const b = await run('dpm_fast', [SIGMA_MAX, 2, 1.5, 0.5, SIGMA_MIN, 0])
    expect(Array.from(a.out)).toEqual(Array.from(b.out))
    // A list ending at sigma_min instead of 0 integrates the same range (here with the same budget).
    const c = await run('dpm_fast', [SIGMA_MAX, 5, 2, 1, 0.3, SIGMA_MIN])
    expect(maxAbsDiff(c.out, a.out)).toBeLessThan(1e-12)
  })

  it('converges to the ODE solution at sigma_min with third order (budgets ending in a second-order step)', async () => {
    const ns = [14, 26, 50, 98]
    const errs: number[] = []
    for (const n of ns) errs.push(maxAbsDiff((await run('dpm_fast', karrasSigmas(n, SIGMA_MIN, SIGMA_MAX))).out, reference))
    const p = convergenceOrder(ns, errs)
    expect(p, errs.map((e) => e.toExponential(2)).join(', ')).toBeGreaterThan(2.6)
    expect(errs[2]).toBeLessThan(1e-3)
    // At equal model calls it beats DPM-Solver++(2M).
    const twoM = await runSampler('dpmpp_2m', denoise, x0, logUniformSigmas(50, SIGMA_MIN, SIGMA_MAX), { noise: NO_NOISE })
    expect(errs[2]).toBeLessThan(maxAbsDiff(twoM, reference))
  })

  it('reports one step per solver step and draws one noise array each, as the reference does', async () => {
    const r = await run('dpm_fast', karrasSigmas(10, SIGMA_MIN, SIGMA_MAX))
    expect(r.steps.length).toBe(4)
    expect(r.drawn).toBe(4)
    expect(r.steps[0]).toBeCloseTo(SIGMA_MAX, 10)
  })

  it('rejects a list without a positive sigma before the final 0', async () => {
    await expect(run('dpm_fast', [3, 0, 0])).rejects.toThrow(/sigma_min/)
  })
})

describe('dpm_adaptive', () => {
  it('is accurate with the default settings and keeps consistent statistics', async () => {
    const r = await run('dpm_adaptive', karrasSigmas(10, SIGMA_MIN, SIGMA_MAX))
    const accepted = r.stats.acceptedSteps ?? 0
    const rejected = r.stats.rejectedSteps ?? 0
    expect(accepted).toBeGreaterThan(0)
    expect(maxAbsDiff(r.out, reference)).toBeLessThan(0.02)
    // Order 3: three model calls per attempt; one report per attempt; one noise draw per accepted step.
    expect(r.stats.modelCalls).toBe(3 * (accepted + rejected))
    expect(r.steps.length).toBe(accepted + rejected)
    expect(r.drawn).toBe(accepted)
  })

  it('does not depend on the step count of the list, only on its range', async () => {
    const a = await run('dpm_adaptive', karrasSigmas(10, SIGMA_MIN, SIGMA_MAX))
    const b = await run('dpm_adaptive', karrasSigmas(37, SIGMA_MIN, SIGMA_MAX))
    expect(Array.from(a.out)).toEqual(Array.from(b.out))
  })

  it.each([3, 2])('gets more accurate and more expensive as rtol tightens (order %i)', async (order) => {
    const errs: number[] = []
    const calls: number[] = []
    for (const rtol of [0.05, 0.005, 0.0005]) {
      const r = await run('dpm_adaptive', karrasSigmas(10, SIGMA_MIN, SIGMA_MAX), { rtol, atol: 1e-6, order })
      errs.push(maxAbsDiff(r.out, reference))
      calls.push(r.stats.modelCalls)
      expect(r.stats.modelCalls).toBe(order * ((r.stats.acceptedSteps ?? 0) + (r.stats.rejectedSteps ?? 0)))
    }
    expect(errs[1]).toBeLessThan(errs[0] / 3)
    expect(errs[2]).toBeLessThan(errs[1] / 3)
    expect(calls[1]).toBeGreaterThan(calls[0])
    expect(calls[2]).toBeGreaterThan(calls[1])
  })

  it('rejects and recovers from an oversized first step', async () => {
    const r = await run('dpm_adaptive', karrasSigmas(10, SIGMA_MIN, SIGMA_MAX), { h_init: 5 })
    expect(r.stats.rejectedSteps).toBeGreaterThan(0)
    expect(maxAbsDiff(r.out, reference)).toBeLessThan(0.02)
  })

  it('with eta > 0 draws once per accepted step and stays finite', async () => {
    const r = await run('dpm_adaptive', karrasSigmas(10, SIGMA_MIN, SIGMA_MAX), { eta: 1 })
    expect(r.drawn).toBe(r.stats.acceptedSteps)
    for (const v of r.out) expect(Number.isFinite(v)).toBe(true)
  })

  it('rejects invalid controller settings', async () => {
    await expect(run('dpm_adaptive', karrasSigmas(5, SIGMA_MIN, SIGMA_MAX), { atol: 0 })).rejects.toThrow(/atol/)
    await expect(run('dpm_adaptive', karrasSigmas(5, SIGMA_MIN, SIGMA_MAX), { h_init: -1 })).rejects.toThrow(/h_init/)
  })
})
