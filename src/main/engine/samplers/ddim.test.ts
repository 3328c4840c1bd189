import { describe, expect, it } from 'vitest'
import { gmmDenoise } from '../gmm'
import { ListNoiseSource, NO_NOISE } from '../noise'
import { CountingNoise, MIXTURE_3D, SeededNormal, gmmDenoiser, karrasSigmas, convergenceOrder, logUniformSigmas, maxAbsDiff, referenceOde, startState } from './test-helpers'
import { runSampler } from './run'

const den = gmmDenoiser(MIXTURE_3D)

describe('ddim', () => {
  it('eta 0 draws no noise and converges to the probability-flow ODE solution at first order', async () => {
    const x = startState(MIXTURE_3D, 6, 10, 2)
    const ref = await referenceOde(den, x, 10, 0.05, 4000)
    const ns = [16, 32, 64, 128]
    const errs: number[] = []
    for (const n of ns) errs.push(maxAbsDiff(await runSampler('ddim', den, x, logUniformSigmas(n, 0.05, 10), { noise: NO_NOISE }), ref))
    const order = convergenceOrder(ns, errs)
    expect(order).toBeGreaterThan(0.85)
    expect(order).toBeLessThan(1.2)
    expect(errs[errs.length - 1]).toBeLessThan(0.02)
  })

  it('eta 0 converges to the ODE solution at sigma 0 on lists ending in 0', async () => {
    const x = startState(MIXTURE_3D, 6, 14.6, 4)
    // Reference: RK4 down to a tiny sigma, where x is within ~1e-5 of its sigma -> 0 limit.
    const near0 = await referenceOde(den, x, 14.6, 1e-5, 6000)
    const ns = [100, 200, 400, 800]
    const errs: number[] = []
    for (const n of ns) errs.push(maxAbsDiff(await runSampler('ddim', den, x, karrasSigmas(n, 0.002, 14.6), { noise: NO_NOISE }), near0))
    expect(convergenceOrder(ns, errs)).toBeGreaterThan(0.85)
    expect(errs[errs.length - 1]).toBeLessThan(0.01)
  })

  it('eta 0 is the Euler step x + (sigmaNext - sigma) (x - D)/sigma', async () => {
    const x = startState(MIXTURE_3D, 2, 3, 9)
    const d = gmmDenoise(MIXTURE_3D, x, 3)
    const out = await runSampler('ddim', den, x, [3, 1.2], { noise: NO_NOISE })
    for (let i = 0; i < x.length; i++) expect(out[i]).toBeCloseTo(x[i] + ((1.2 - 3) * (x[i] - d[i])) / 3, 12)
  })

  it('eta > 0 follows DDIM eq. 12 written in VP form and rescaled', async () => {
    const x = startState(MIXTURE_3D, 2, 4, 3)
    const z = new SeededNormal(5).array(x.length)
    const [s, p, eta] = [4, 1.5, 0.6]
    const out = await runSampler('ddim', den, x, [s, p], { noise: new ListNoiseSource([z]), options: { eta } })
    // DDIM in its own variables: abar = 1/(1+sigma^2), x_vp = sqrt(abar) x.
    const ab = 1 / (1 + s * s)
    const abPrev = 1 / (1 + p * p)
    const st = eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev)
    const x0 = gmmDenoise(MIXTURE_3D, x, s)
    for (let i = 0; i < x.length; i++) {
      const xvp = Math.sqrt(ab) * x[i]
      const eps = (xvp - Math.sqrt(ab) * x0[i]) / Math.sqrt(1 - ab)
      const prevVp = Math.sqrt(abPrev) * x0[i] + Math.sqrt(1 - abPrev - st * st) * eps + st * z[i]
      expect(out[i]).toBeCloseTo(prevVp / Math.sqrt(abPrev), 11)
    }
  })

  it('eta 1 is DDPM: the same result from the same noise', async () => {
    const sigmas = karrasSigmas(12, 0.03, 14.6)
    const x = startState(MIXTURE_3D, 3, 14.6, 6)
    const a = await runSampler('ddim', den, x, sigmas, { noise: new CountingNoise(x.length, 3), options: { eta: 1 } })
    const b = await runSampler('ddpm', den, x, sigmas, { noise: new CountingNoise(x.length, 3) })
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-10)
  })

  it('eta > 0 draws one array per step except the last', async () => {
    const sigmas = karrasSigmas(7, 0.03, 14.6)
    const x = startState(MIXTURE_3D, 1, 14.6, 1)
    const noise = new CountingNoise(x.length, 2)
    await runSampler('ddim', den, x, sigmas, { noise, options: { eta: 0.3 } })
    expect(noise.drawn).toBe(6)
  })
})
