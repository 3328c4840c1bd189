/**
 * Convergence of the group-A samplers on the analytic Gaussian mixture: with a fine reference solution of
 * the probability-flow ODE from sigma_max to sigma_min, the error must fall like h^p for each method's order
 * p (fitted over 10, 20, 40, 80 steps on karras and log-uniform grids). The range stops at sigma_min > 0 so
 * that the final jump to 0 (the same for every step count) does not hide the integration error.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { gmmDenoiser } from '../gmm'
import { NO_NOISE } from '../noise'
import type { SamplerOptions, Tensor } from '../types'
import { runSampler } from './run'
import { CountingNoise, ODE_PROBLEM, convergenceOrder, karrasSigmas, logUniformSigmas, maxAbsDiff, odeProblemReference, referenceOde } from './test-helpers'

const { sigmaMin: SIGMA_MIN, sigmaMax: SIGMA_MAX, denoise, x0 } = ODE_PROBLEM
const NS = [10, 20, 40, 80]

/** n steps from SIGMA_MAX to SIGMA_MIN (no trailing 0). */
const GRIDS: Record<string, (n: number) => number[]> = {
  karras: (n) => karrasSigmas(n + 1, SIGMA_MIN, SIGMA_MAX).slice(0, -1),
  exponential: (n) => logUniformSigmas(n, SIGMA_MIN, SIGMA_MAX)
}

let reference: Tensor

beforeAll(async () => {
  reference = await odeProblemReference()
})

async function errors(id: string, options: SamplerOptions, grid: (n: number) => number[]): Promise<number[]> {
  const out: number[] = []
  for (const n of NS) {
    // Stochastic samplers run with eta = 0 here; a noise source is still given for those that draw anyway.
    const r = await runSampler(id, denoise, x0, grid(n), { noise: new CountingNoise(x0.length), options })
    out.push(maxAbsDiff(r, reference))
  }
  return out
}

describe('the fine reference', () => {
  it('agrees with an independent method (Heun, 4000 steps, karras grid)', async () => {
    const heun = await runSampler('heun', denoise, x0, GRIDS.karras(4000), { noise: NO_NOISE })
    expect(maxAbsDiff(heun, reference)).toBeLessThan(1e-6)
  })

  it('agrees with the exact solution for a single Gaussian', async () => {
    // For data N(mu, v) the ODE solution is x(sigma) = mu + (x_T − mu) · sqrt(v + sigma²) / sqrt(v + sigma_T²).
    const mu = 0.7
    const v = 0.3
    const g = gmmDenoiser({ dim: 1, weights: [1], means: [mu], variances: [v] })
    const x = Float64Array.from([3, -5, 12, 0.1])
    const out = await referenceOde(g, x, SIGMA_MAX, SIGMA_MIN, 4000)
    const exact = x.map((xv) => mu + ((xv - mu) * Math.sqrt(v + SIGMA_MIN ** 2)) / Math.sqrt(v + SIGMA_MAX ** 2))
    expect(maxAbsDiff(out, exact)).toBeLessThan(1e-7)
  })
})

// [id, options, lowest and highest acceptable fitted order]
const ORDERS: Array<[string, SamplerOptions, number, number]> = [
  ['euler', {}, 0.85, 1.2],
  ['euler_ancestral', { eta: 0 }, 0.85, 1.2],
  // Heun++'s slope weights sigma_k / (m · sigma_0) are not Heun's 1/2, 1/2: a consistent but first-order method.
  ['heunpp2', {}, 0.85, 1.2],
  ['heun', {}, 1.8, 2.4],
  ['dpmpp_2m', {}, 1.8, 2.4],
  ['dpm_2', {}, 1.8, 2.4],
  ['dpm_2_ancestral', { eta: 0 }, 1.8, 2.4],
  ['dpmpp_2s_ancestral', { eta: 0 }, 1.8, 2.4],
  ['dpmpp_sde', { eta: 0 }, 1.8, 2.4],
  ['dpmpp_sde', { eta: 0, r: 0.3 }, 1.8, 2.4],
  ['dpmpp_2m_sde', { eta: 0 }, 1.8, 2.4],
  ['dpmpp_2m_sde', { eta: 0, solver_type: 'heun' }, 1.8, 2.4],
  ['lms', { order: 2 }, 1.7, 2.4],
  // Higher-order multistep methods start with lower-order steps, so their global order is at least 2 and
  // they must beat the second-order methods at equal step counts.
  ['lms', {}, 1.9, 4.5],
  ['lms', { order: 3 }, 1.9, 4.5],
  ['dpmpp_3m_sde', { eta: 0 }, 1.9, 4.5]
]

describe.each(Object.keys(GRIDS))('convergence order on the %s grid', (gridName) => {
  const grid = GRIDS[gridName]

  it.each(ORDERS)('%s %j', async (id, options, lo, hi) => {
    const errs = await errors(id, options, grid)
    const p = convergenceOrder(NS, errs)
    expect(p, `errors ${errs.map((e) => e.toExponential(2)).join(', ')}`).toBeGreaterThan(lo)
    expect(p).toBeLessThan(hi)
    // Every halving of h must reduce the error (no plateau at a wrong limit).
    for (let k = 1; k < errs.length; k++) expect(errs[k]).toBeLessThan(errs[k - 1])
  })

  it('third-order multistep methods beat DPM-Solver++(2M) at 40 and 80 steps', async () => {
    const base = await errors('dpmpp_2m', {}, grid)
    for (const [id, options] of [['lms', {}], ['dpmpp_3m_sde', { eta: 0 }]] as const) {
      const errs = await errors(id, options, grid)
      expect(errs[2], id).toBeLessThan(base[2])
      expect(errs[3], id).toBeLessThan(base[3])
    }
  })
})
