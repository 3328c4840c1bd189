/**
 * Group A against the shared reference vectors, plus properties every group-A sampler must have on any
 * descending sigma list: finite results from 1 to 50 steps, the documented number of noise draws, one
 * onStep call per step, and an untouched input.
 */
import { describe, expect, it } from 'vitest'
import { runSamplerCase } from '../../conformance/sampler-case'
import { publicCases } from '../../conformance/reference-files'
import { gmmDenoiser } from '../gmm'
import type { SamplerOptions } from '../types'
import { IMPLEMENTATIONS } from './index'
import { runSampler } from './run'
import { CountingNoise, MIXTURE, exponentialSigmas, karrasSigmas } from './test-helpers'

/** The k-diffusion family as ComfyUI ships it. */
const GROUP_A_IDS = ['euler', 'euler_ancestral', 'heun', 'heunpp2', 'dpm_2', 'dpm_2_ancestral', 'lms', 'dpm_fast', 'dpm_adaptive', 'dpmpp_2s_ancestral', 'dpmpp_sde', 'dpmpp_2m', 'dpmpp_2m_sde', 'dpmpp_3m_sde']
const GROUP_A = Object.fromEntries(GROUP_A_IDS.map((id) => [id, IMPLEMENTATIONS[id]]))

const CASES = publicCases('sampler').filter((c) => Object.prototype.hasOwnProperty.call(GROUP_A, c.sampler as string))

describe('group A conformance vectors', () => {
  it('covers every group-A sampler that has vectors', () => {
    const covered = new Set(CASES.map((c) => c.sampler as string))
    for (const id of ['euler', 'euler_ancestral', 'heun', 'heunpp2', 'dpm_2', 'dpm_2_ancestral', 'lms', 'dpmpp_2s_ancestral', 'dpmpp_sde', 'dpmpp_2m', 'dpmpp_2m_sde', 'dpmpp_3m_sde']) {
      expect(covered.has(id), id).toBe(true)
    }
  })

  it.each(CASES.map((c) => [c.id as string, c] as const))('%s', async (id, c) => {
    const r = await runSamplerCase(c, id)
    expect(r.message ?? '').toBe('')
    expect(r.passed).toBe(true)
  })
})

const EXPECTED_DRAWS: Record<string, (n: number, sigmas: number[]) => number> = {
  euler: () => 0,
  heun: () => 0,
  dpm_2: () => 0,
  lms: () => 0,
  dpmpp_2m: () => 0,
  heunpp2: (n) => n,
  euler_ancestral: (n) => n - 1,
  dpm_2_ancestral: (n) => n - 1,
  dpmpp_2s_ancestral: (n) => n - 1,
  dpmpp_2m_sde: (n) => n - 1,
  dpmpp_3m_sde: (n) => n - 1,
  dpmpp_sde: (n) => 2 * (n - 1),
  // DPM-Solver-fast: one per solver step, floor(n / 3) + 1 of them for a budget of n calls (eta = 0 or not).
  dpm_fast: (n) => Math.floor(n / 3) + 1
}

const LISTS: Array<[string, (n: number) => number[]]> = [
  ['karras', (n) => karrasSigmas(n, 0.03, 14.6)],
  ['exponential', (n) => exponentialSigmas(n, 0.002, 80)]
]

describe('every group-A sampler on generated sigma lists', () => {
  const ids = Object.keys(GROUP_A)
  const x0 = Float64Array.from({ length: 8 }, (_, i) => Math.sin(i + 1) * 2)

  it.each(ids)('%s stays finite for 1..50 steps, draws the documented noise, reports each step', async (id) => {
    const denoise = gmmDenoiser(MIXTURE)
    for (const [, make] of LISTS) {
      for (let n = 1; n <= 50; n++) {
        const sigmas = make(n)
        const x = x0.map((v) => v * sigmas[0])
        const before = Float64Array.from(x)
        const noise = new CountingNoise(x.length, n)
        const seen: number[] = []
        // Called directly (runSampler would copy x first) so that the no-mutation contract is checked.
        const out = await GROUP_A[id](denoise, x, sigmas, { noise, onStep: (s) => seen.push(s.i), stats: { modelCalls: 0 } })
        expect(out.length).toBe(x.length)
        for (const v of out) expect(Number.isFinite(v), `${id} n=${n}`).toBe(true)
        expect(Array.from(x)).toEqual(Array.from(before))
        const expected = EXPECTED_DRAWS[id]
        if (expected) expect(noise.drawn, `${id} n=${n} draws`).toBe(expected(n, sigmas))
        // onStep once per step; DPM-Solver reports its own solver steps (adaptive: every attempt).
        const reported = id === 'dpm_fast' ? Math.floor(n / 3) + 1 : id === 'dpm_adaptive' ? seen.length : n
        expect(seen).toEqual(Array.from({ length: reported }, (_, i) => i))
        if (id === 'dpm_adaptive') expect(noise.drawn).toBeLessThanOrEqual(seen.length)
      }
    }
  })

  const VARIANTS: Array<[string, SamplerOptions]> = [
    ['euler', { s_churn: 1, s_noise: 1.003 }],
    ['heun', { s_churn: 1, s_tmin: 0.05, s_tmax: 10 }],
    ['heunpp2', { s_churn: 2 }],
    ['dpm_2', { s_churn: 1 }],
    ['euler_ancestral', { eta: 0.5, s_noise: 0.9 }],
    ['lms', { order: 6 }],
    ['dpmpp_sde', { eta: 0.5, r: 0.3 }],
    ['dpmpp_2m_sde', { solver_type: 'heun', eta: 0.7 }],
    ['dpmpp_3m_sde', { eta: 0.5 }],
    ['dpm_fast', { eta: 1 }],
    ['dpm_adaptive', { eta: 1, order: 2 }]
  ]

  it.each(VARIANTS)('%s with options %j stays finite for 1..50 steps', async (id, options) => {
    const denoise = gmmDenoiser(MIXTURE)
    for (const [, make] of LISTS) {
      for (let n = 1; n <= 50; n++) {
        const sigmas = make(n)
        const x = x0.map((v) => v * sigmas[0])
        const out = await runSampler(id, denoise, x, sigmas, { noise: new CountingNoise(x.length, n), options })
        for (const v of out) expect(Number.isFinite(v), `${id} n=${n}`).toBe(true)
      }
    }
  })
})

describe('noise draws follow the options', () => {
  const denoise = gmmDenoiser(MIXTURE)
  const sigmas = karrasSigmas(12, 0.03, 14.6)
  const x = Float64Array.from({ length: 8 }, (_, i) => (i - 3.5) * 3)

  async function draws(id: string, options: SamplerOptions): Promise<number> {
    const noise = new CountingNoise(x.length)
    await runSampler(id, denoise, x, sigmas, { noise, options })
    return noise.drawn
  }

  it('churn draws only at steps whose sigma lies in [s_tmin, s_tmax]', async () => {
    const options = { s_churn: 1, s_tmin: 0.5, s_tmax: 5 }
    const inWindow = sigmas.slice(0, -1).filter((s) => s >= 0.5 && s <= 5).length
    expect(inWindow).toBeGreaterThan(0)
    expect(inWindow).toBeLessThan(12)
    for (const id of ['euler', 'heun', 'dpm_2']) expect(await draws(id, options), id).toBe(inWindow)
    expect(await draws('heunpp2', options)).toBe(12)
  })

  it('SDE samplers with eta = 0 or s_noise = 0 draw nothing; the ancestral ones still draw n - 1', async () => {
    for (const id of ['dpmpp_sde', 'dpmpp_2m_sde', 'dpmpp_3m_sde']) {
      expect(await draws(id, { eta: 0 }), id).toBe(0)
      expect(await draws(id, { s_noise: 0 }), id).toBe(0)
    }
    for (const id of ['euler_ancestral', 'dpm_2_ancestral', 'dpmpp_2s_ancestral']) expect(await draws(id, { eta: 0 }), id).toBe(11)
  })

  it('ancestral samplers with eta = 0 match their deterministic counterparts', async () => {
    const noise = new CountingNoise(x.length)
    const a = await runSampler('euler_ancestral', denoise, x, sigmas, { noise, options: { eta: 0 } })
    const b = await runSampler('euler', denoise, x, sigmas, { noise })
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 12)
    const c = await runSampler('dpm_2_ancestral', denoise, x, sigmas, { noise, options: { eta: 0 } })
    const d = await runSampler('dpm_2', denoise, x, sigmas, { noise })
    for (let i = 0; i < c.length; i++) expect(c[i]).toBeCloseTo(d[i], 12)
  })

  it('rejects bad options with the option named', async () => {
    const noise = new CountingNoise(x.length)
    await expect(runSampler('euler_ancestral', denoise, x, sigmas, { noise, options: { eta: -1 } })).rejects.toThrow(/eta/)
    await expect(runSampler('lms', denoise, x, sigmas, { noise, options: { order: 2.5 } })).rejects.toThrow(/order/)
    await expect(runSampler('dpmpp_sde', denoise, x, sigmas, { noise, options: { r: 0 } })).rejects.toThrow(/\br\b/)
    await expect(
      runSampler('dpmpp_2m_sde', denoise, x, sigmas, { noise, options: { solver_type: 'rk4' as 'heun' } })
    ).rejects.toThrow(/solver_type/)
    await expect(runSampler('dpm_adaptive', denoise, x, sigmas, { noise, options: { order: 4 } })).rejects.toThrow(/order/)
  })
})
