import { describe, expect, it } from 'vitest'
import { NO_NOISE } from '../noise'
import { CountingNoise, MIXTURE_3D, gmmDenoiser, karrasSigmas, convergenceOrder, logUniformSigmas, maxAbsDiff, referenceOde, startState } from './test-helpers'
import { runSampler } from './run'

const den = gmmDenoiser(MIXTURE_3D)

describe('res_multistep', () => {
  it('draws one noise array per step except the last, yet its result does not depend on them (eta 0)', async () => {
    const sigmas = karrasSigmas(11, 0.03, 14.6)
    const x = startState(MIXTURE_3D, 3, 14.6, 1)
    const n1 = new CountingNoise(x.length, 1)
    const n2 = new CountingNoise(x.length, 2)
    const a = await runSampler('res_multistep', den, x, sigmas, { noise: n1 })
    const b = await runSampler('res_multistep', den, x, sigmas, { noise: n2, options: { s_noise: 3 } })
    expect(n1.drawn).toBe(10)
    expect(n2.drawn).toBe(10)
    expect(maxAbsDiff(a, b)).toBe(0)
  })

  it('starts with an Euler step', async () => {
    const x = startState(MIXTURE_3D, 2, 5, 4)
    const a = await runSampler('res_multistep', den, x, [5, 2], { noise: new CountingNoise(x.length, 1) })
    const b = await runSampler('ddim', den, x, [5, 2], { noise: NO_NOISE })
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-14)
  })

  it('is second order where Euler is first', async () => {
    const x = startState(MIXTURE_3D, 6, 10, 8)
    const ref = await referenceOde(den, x, 10, 0.05, 4000)
    const ns = [16, 32, 64, 128]
    const errs: number[] = []
    for (const n of ns) {
      const sigmas = logUniformSigmas(n, 0.05, 10)
      errs.push(maxAbsDiff(await runSampler('res_multistep', den, x, sigmas, { noise: new CountingNoise(x.length, 1) }), ref))
    }
    expect(convergenceOrder(ns, errs)).toBeGreaterThan(1.6)
  })
})
