/**
 * The stochastic samplers must still sample the data distribution. For data N(mu, v) started from
 * x_T ~ N(mu, v + sigma_max²), every sampler (with churn, ancestral noise or SDE noise) must end near
 * N(mu, v); a wrong noise scale or a missing/extra noise term shows up as a wrong variance.
 */
import { describe, expect, it } from 'vitest'
import { gmmDenoiser } from '../gmm'
import type { SamplerOptions } from '../types'
import { runSampler } from './run'
import { CountingNoise, karrasSigmas } from './test-helpers'

const MU = 0.7
const V = 0.3
const N = 10_000
const STEPS = 120

const CASES: Array<[string, SamplerOptions]> = [
  ['euler', { s_churn: 5 }],
  ['heun', { s_churn: 5 }],
  ['dpm_2', { s_churn: 5 }],
  ['heunpp2', { s_churn: 5 }],
  ['euler_ancestral', {}],
  ['euler_ancestral', { eta: 0.5 }],
  ['dpm_2_ancestral', {}],
  ['dpmpp_2s_ancestral', {}],
  ['dpmpp_sde', {}],
  ['dpmpp_sde', { eta: 0.5, r: 0.3 }],
  ['dpmpp_2m_sde', {}],
  ['dpmpp_2m_sde', { solver_type: 'heun' }],
  ['dpmpp_3m_sde', {}],
  ['dpmpp_3m_sde', { eta: 0.5 }],
  ['dpm_fast', { eta: 1 }],
  ['dpm_adaptive', { eta: 1 }]
]

describe('stochastic samplers sample a Gaussian correctly', () => {
  const denoise = gmmDenoiser({ dim: 1, weights: [1], means: [MU], variances: [V] })
  const sigmas = karrasSigmas(STEPS, 0.02, 14.6)
  // dpm_fast / dpm_adaptive stop at the last non-zero sigma, where the marginal variance is v + sigma_min².
  const target = (id: string): number => (id.startsWith('dpm_') && !id.startsWith('dpm_2') ? V + 0.02 ** 2 : V)
  const z = new CountingNoise(N, 99).next()
  const x = z.map((q) => MU + q * Math.sqrt(V + sigmas[0] ** 2))

  /** Sample mean and (unbiased) variance. */
  function moments(out: ArrayLike<number>): { mean: number; variance: number } {
    let mean = 0
    for (let i = 0; i < out.length; i++) mean += out[i]
    mean /= out.length
    let variance = 0
    for (let i = 0; i < out.length; i++) variance += (out[i] - mean) ** 2
    return { mean, variance: variance / (out.length - 1) }
  }

  it.each(CASES)('%s %j', async (id, options) => {
    const out = await runSampler(id, denoise, x, sigmas, { noise: new CountingNoise(N, 7), options })
    const { mean, variance } = moments(out)
    expect(mean).toBeGreaterThan(MU - 0.03)
    expect(mean).toBeLessThan(MU + 0.03)
    expect(variance / target(id)).toBeGreaterThan(0.87)
    expect(variance / target(id)).toBeLessThan(1.13)
  })

  it('the same check fails when the noise is switched off (the test can tell)', async () => {
    const out = await runSampler('euler_ancestral', denoise, x, sigmas, { noise: new CountingNoise(N, 7), options: { s_noise: 0 } })
    expect(moments(out).variance / V).toBeLessThan(0.87)
  })
})
