import { describe, expect, it } from 'vitest'
import { runSamplerCase } from '../../conformance/sampler-case'
import { publicCases } from '../../conformance/reference-files'
import { gmmDenoise, type GaussianMixture } from '../gmm'
import { ListNoiseSource } from '../noise'
import { allFinite } from '../ops'
import type { SamplerOptions, StepInfo, Tensor } from '../types'
import { EngineInputError } from '../types'
import { CountingNoise, MIXTURE_3D, SeededNormal, gmmDenoiser, karrasSigmas, linearSigmas, startState } from './test-helpers'
import { IMPLEMENTATIONS, SAMPLERS } from './index'
import { runSampler } from './run'

const IDS = ['ddpm', 'ddim', 'lcm', 'ipndm', 'ipndm_v', 'deis', 'res_multistep', 'er_sde', 'uni_pc', 'uni_pc_bh2']
const GROUP_B = Object.fromEntries(IDS.map((id) => [id, IMPLEMENTATIONS[id]]))

/** Noise arrays each configuration draws on a list of n steps ending in 0 (DESIGN.md's table). */
const RUNS: { id: string; options?: SamplerOptions; draws: (n: number) => number }[] = [
  { id: 'ddpm', draws: (n) => n - 1 },
  { id: 'ddim', draws: () => 0 },
  { id: 'ddim', options: { eta: 0.5 }, draws: (n) => n - 1 },
  { id: 'lcm', draws: (n) => n - 1 },
  { id: 'ipndm', draws: () => 0 },
  { id: 'ipndm_v', draws: () => 0 },
  { id: 'deis', draws: () => 0 },
  { id: 'deis', options: { max_order: 4 }, draws: () => 0 },
  { id: 'res_multistep', draws: (n) => n - 1 },
  { id: 'er_sde', draws: (n) => n - 1 },
  { id: 'er_sde', options: { s_noise: 0 }, draws: () => 0 },
  { id: 'uni_pc', draws: () => 0 },
  { id: 'uni_pc_bh2', draws: () => 0 }
]

describe('group B registry', () => {
  it('registers the group B ids, all reachable through the registry', () => {
    for (const id of IDS) expect(SAMPLERS[id]).toBe(GROUP_B[id])
    for (const id of IDS) expect(typeof SAMPLERS[id]).toBe('function')
  })
})

describe('public sampler vectors for group B', () => {
  const cases = publicCases('sampler').filter((c) => typeof c.sampler === 'string' && c.sampler in GROUP_B)
  it('has vectors for the group B samplers that have them', () => {
    const covered = new Set(cases.map((c) => c.sampler))
    for (const id of ['ddpm', 'lcm', 'ipndm', 'ipndm_v', 'deis', 'res_multistep', 'er_sde']) expect(covered.has(id)).toBe(true)
  })
  for (const c of cases) {
    it(`${String(c.id)} (${String(c.sampler)})`, async () => {
      const r = await runSamplerCase(c, String(c.id))
      expect(r.message ?? '').toBe('')
      expect(r.passed).toBe(true)
    })
  }
})

describe('every group B sampler on 1..50 steps', () => {
  const den = gmmDenoiser(MIXTURE_3D)
  const lists: [string, (n: number) => number[]][] = [
    ['karras', (n) => karrasSigmas(n, 0.0292, 14.6146)],
    ['linear', (n) => linearSigmas(n, 0.03, 80)]
  ]
  for (const run of RUNS) {
    const label = `${run.id}${run.options ? ' ' + JSON.stringify(run.options) : ''}`
    it(`${label}: finite, one model call and one onStep per step, noise drawn as the reference does`, async () => {
      for (const [, make] of lists) {
        for (let n = 1; n <= 50; n++) {
          const sigmas = make(n)
          const x = startState(MIXTURE_3D, 2, sigmas[0], n)
          const noise = new CountingNoise(x.length, 1000 + n)
          const steps: StepInfo[] = []
          const stats = { modelCalls: 0 }
          const out = await runSampler(run.id, den, x, sigmas, {
            noise,
            options: run.options,
            stats,
            onStep: (s) => steps.push({ ...s, x: Float64Array.from(s.x) })
          })
          expect(allFinite(out), `${label} n=${n}`).toBe(true)
          expect(out.length).toBe(x.length)
          expect(stats.modelCalls, `${label} n=${n} model calls`).toBe(n)
          expect(steps.map((s) => s.i)).toEqual(Array.from({ length: n }, (_, i) => i))
          for (const s of steps) {
            expect(s.steps).toBe(n)
            expect(s.sigma).toBe(sigmas[s.i])
            expect(allFinite(s.x) && allFinite(s.denoised)).toBe(true)
          }
          // Noise is asked for step by step, with that step's sigmas, in order.
          expect(noise.calls, `${label} n=${n} draws`).toEqual(
            Array.from({ length: run.draws(n) }, (_, i) => [sigmas[i], sigmas[i + 1]])
          )
        }
      }
    })
  }
})

describe('sampling a Gaussian: the final samples have the data mean and variance', () => {
  // One Gaussian component in one dimension, many rows: the exact denoiser is linear, and every
  // consistent sampler must end with mean mu and variance v as the step count grows.
  const mu = 0.7
  const v = 0.25
  const gauss: GaussianMixture = { dim: 1, weights: [1], means: [mu], variances: [v] }
  const den = gmmDenoiser(gauss)
  const rows = 4000
  const sigmas = karrasSigmas(100, 0.03, 14.6146)
  const configs: [string, SamplerOptions?][] = [
    ['ddpm'],
    ['ddim'],
    ['ddim', { eta: 0.5 }],
    ['ddim', { eta: 1 }],
    ['er_sde'],
    ['er_sde', { max_stage: 1 }],
    ['res_multistep'],
    ['deis'],
    ['ipndm'],
    ['ipndm_v'],
    ['uni_pc'],
    ['uni_pc_bh2']
  ]
  for (const [id, options] of configs) {
    it(`${id} ${options ? JSON.stringify(options) : ''}`, async () => {
      const g = new SeededNormal(7)
      const x = g.array(rows).map((z) => mu + Math.sqrt(v + sigmas[0] ** 2) * z)
      const out = await runSampler(id, den, x, sigmas, { noise: new CountingNoise(rows, 8), options })
      const mean = out.reduce((a, b) => a + b, 0) / rows
      const variance = out.reduce((a, b) => a + (b - mean) ** 2, 0) / (rows - 1)
      expect(Math.abs(mean - mu)).toBeLessThan(0.03)
      expect(Math.abs(variance / v - 1)).toBeLessThan(0.08)
    })
  }
})

describe('lcm', () => {
  it('jumps to the x0 estimate and re-noises to the next sigma, scaled by s_noise', async () => {
    const den = gmmDenoiser(MIXTURE_3D)
    const sigmas = [6, 1.5, 0.4, 0]
    const x = startState(MIXTURE_3D, 2, 6, 5)
    const g = new SeededNormal(11)
    const z = [g.array(x.length), g.array(x.length)]
    for (const sNoise of [1, 0.5]) {
      // The same thing written out by hand.
      let y: Tensor = gmmDenoise(MIXTURE_3D, x, 6).map((d, i) => d + sNoise * 1.5 * z[0][i])
      y = gmmDenoise(MIXTURE_3D, y, 1.5).map((d, i) => d + sNoise * 0.4 * z[1][i])
      y = gmmDenoise(MIXTURE_3D, y, 0.4)
      const out = await runSampler('lcm', den, x, sigmas, { noise: new ListNoiseSource(z), options: { s_noise: sNoise } })
      for (let i = 0; i < y.length; i++) expect(out[i]).toBeCloseTo(y[i], 12)
    }
  })
})

describe('option checks', () => {
  const den = gmmDenoiser(MIXTURE_3D)
  const x = startState(MIXTURE_3D, 1, 5, 1)
  const bad: [string, SamplerOptions][] = [
    ['ddim', { eta: -0.1 }],
    ['ipndm', { max_order: 5 }],
    ['ipndm_v', { max_order: 0 }],
    ['deis', { max_order: 2.5 }],
    ['er_sde', { max_stage: 4 }],
    ['lcm', { s_noise: Number.NaN }],
    ['uni_pc', { order: 4 }],
    ['uni_pc_bh2', { order: 0 }]
  ]
  for (const [id, options] of bad) {
    it(`${id} rejects ${JSON.stringify(options)}`, async () => {
      await expect(runSampler(id, den, x, [5, 1, 0], { noise: new CountingNoise(x.length, 1), options })).rejects.toThrow(EngineInputError)
    })
  }
})
