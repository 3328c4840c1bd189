import { describe, expect, it } from 'vitest'
import { gmmDenoise } from '../gmm'
import { ListNoiseSource } from '../noise'
import { CountingNoise, MIXTURE_3D, SeededNormal, gmmDenoiser, karrasSigmas, maxAbsDiff, startState } from './test-helpers'
import { runSampler } from './run'

const den = gmmDenoiser(MIXTURE_3D)
const f = (v: number) => v * (Math.exp(v ** 0.3) + 10)

describe('er_sde', () => {
  it('first step: noise-scaled Euler step plus noise sqrt(lt^2 - ls^2 r^2), r = f(lt)/f(ls)', async () => {
    const x = startState(MIXTURE_3D, 2, 6, 3)
    const z = new SeededNormal(4).array(x.length)
    const [s, p] = [6, 2.5]
    const out = await runSampler('er_sde', den, x, [s, p], { noise: new ListNoiseSource([z]), options: { s_noise: 0.8 } })
    const d = gmmDenoise(MIXTURE_3D, x, s)
    const r = f(p) / f(s)
    for (let i = 0; i < x.length; i++) {
      expect(out[i]).toBeCloseTo(r * x[i] + (1 - r) * d[i] + 0.8 * Math.sqrt(p * p - s * s * r * r) * z[i], 12)
    }
  })

  it('max_stage selects how much history is used', async () => {
    const sigmas = karrasSigmas(8, 0.03, 14.6)
    const x = startState(MIXTURE_3D, 3, 14.6, 2)
    const outs = []
    for (const max_stage of [1, 2, 3]) {
      outs.push(await runSampler('er_sde', den, x, sigmas, { noise: new CountingNoise(x.length, 5), options: { max_stage } }))
    }
    expect(maxAbsDiff(outs[0], outs[1])).toBeGreaterThan(1e-6)
    expect(maxAbsDiff(outs[1], outs[2])).toBeGreaterThan(1e-8)
    // Two steps never reach stage 3: max_stage 2 and 3 agree there.
    const two = karrasSigmas(2, 0.03, 14.6)
    const a = await runSampler('er_sde', den, x, two, { noise: new CountingNoise(x.length, 5), options: { max_stage: 2 } })
    const b = await runSampler('er_sde', den, x, two, { noise: new CountingNoise(x.length, 5), options: { max_stage: 3 } })
    expect(maxAbsDiff(a, b)).toBe(0)
  })
})
