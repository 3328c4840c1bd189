/**
 * The estimator against the closed form (issue 8, item 3): run on the analytic denoisers, the cost it
 * estimates from the denoiser alone agrees with the exact one within the tolerances stated here.
 * Batch rows are independent samples, so one "trajectory" of R rows is R trajectories of the 1-D problem.
 */
import { describe, expect, it } from 'vitest'
import { gmmDenoiser } from '../gmm'
import { TorchGenerator } from '../rng'
import { EngineInputError } from '../types'
import { gaussianFiniteCost, gaussianBackwardCost, gaussianOptimalSigmas, gmmDelta1D, logUniformGrid } from './closed-form'
import { callsPerTrajectory, estimateScoreOptimalProfile } from './estimate'
import { profileFromIntervalCosts, profileCacheKey, validateProfile, type ScoreOptimalProfile } from './profile'
import { scoreOptimalSigmas } from './schedule'

const SD = { sigmaMin: 0.0291671582, sigmaMax: 14.6146412293 }
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b)
const BIMODAL = { dim: 1, weights: [0.5, 0.5], means: [-1, 1], variances: [0.01, 0.01] }

/** Unit noise scaled so that σ_max·noise is exactly p_σmax of N(0, v) (removes the start mismatch from the test). */
const gaussNoise = (rows: number, v: number, sigmaMax: number) => (k: number) => {
  const f = Math.sqrt(1 + v / sigmaMax ** 2)
  return Float64Array.from(new TorchGenerator(100 + k).randn(rows), (z) => z * f)
}

/** The estimator on N(0,1) data, 4096 rows, M = 128 intervals, one trajectory, no smoothing. */
function gaussianProfile(cost?: 'one-sided'): ReturnType<typeof estimateScoreOptimalProfile> {
  const rows = 4096
  return estimateScoreOptimalProfile(gmmDenoiser({ dim: 1, weights: [1], means: [0], variances: [1] }), {
    ...SD,
    intervals: 128,
    trajectories: 1,
    rows,
    smooth: 0,
    ...(cost ? { cost } : {}),
    startNoise: gaussNoise(rows, 1, SD.sigmaMax)
  })
}

describe('score-optimal estimator vs the closed form', () => {
  it('Gaussian N(0,1), 4096 samples, M = 128: interval costs within 8%, Λ within 3%, schedule within 0.5% (symmetrised)', async () => {
    const p = await gaussianProfile()
    const g = p.sigmaAsc
    let exactTotal = 0
    for (let i = 0; i < 128; i++) {
      const exact = 0.5 * (gaussianFiniteCost(g[i + 1], g[i], 1) + gaussianBackwardCost(g[i + 1], g[i], 1))
      exactTotal += Math.sqrt(exact)
      expect(rel(p.L[i], exact)).toBeLessThan(0.08)
    }
    expect(rel(p.lambdaTotal, exactTotal)).toBeLessThan(0.03)
    const s = scoreOptimalSigmas(p, 11)
    const exact = gaussianOptimalSigmas(1, SD.sigmaMin, SD.sigmaMax, 10)
    for (let i = 0; i <= 10; i++) expect(rel(s[i], exact[i])).toBeLessThan(0.005)
  })

  it('the one-sided (paper) estimator carries its O(1/M) bias: ≈0.65% at M = 128 on the Gaussian', async () => {
    const p = await gaussianProfile('one-sided')
    const s = scoreOptimalSigmas(p, 11)
    const exact = gaussianOptimalSigmas(1, SD.sigmaMin, SD.sigmaMax, 10)
    const worst = Math.max(...Array.from(exact, (e, i) => rel(s[i], e)))
    expect(worst).toBeGreaterThan(0.004)
    expect(worst).toBeLessThan(0.009)
  })

  it('bimodal GMM (SCHEDULES.md 2.1), 20000 samples, M = 100 over 80 → 0.002: δ within 10%, 10-step optimum within 2.5%', async () => {
    const rows = 20000
    const p = await estimateScoreOptimalProfile(gmmDenoiser(BIMODAL), {
      sigmaMin: 0.002,
      sigmaMax: 80,
      intervals: 100,
      trajectories: 1,
      rows,
      smooth: 0,
      startNoise: (k) => Float64Array.from(new TorchGenerator(10 + k).randn(rows))
    })
    // Pointwise: L_i/Δσ² against δ at the geometric midpoint, where the cost matters (δ·σ² > 1% of its max).
    const g = p.sigmaAsc
    const dens = Array.from({ length: 100 }, (_, i) => gmmDelta1D(BIMODAL, Math.sqrt(g[i] * g[i + 1])) * g[i] * g[i + 1])
    const maxDens = Math.max(...dens)
    for (let i = 0; i < 100; i++) {
      if (dens[i] < 0.01 * maxDens) continue
      const mid = Math.sqrt(g[i] * g[i + 1])
      expect(rel(p.L[i] / (g[i + 1] - g[i]) ** 2, gmmDelta1D(BIMODAL, mid))).toBeLessThan(0.1)
    }
    expect(rel(p.lambdaTotal, 11.81364)).toBeLessThan(0.02)
    const expected = [80, 44.307, 24.524, 13.547, 7.4343, 3.9902, 1.9768, 0.83624, 0.4253, 0.21266, 0.002]
    const s = scoreOptimalSigmas(p, 11)
    for (let i = 0; i <= 10; i++) expect(rel(s[i], expected[i])).toBeLessThan(0.025)
  })
})

describe('score-optimal estimator: progress, cancellation, resume, validation', () => {
  const mix = { dim: 4, weights: [0.4, 0.6], means: [1, 0, 0, 0, -1, 0.5, 0, 0], variances: [0.05, 0.1] }
  const opts = { ...SD, intervals: 12, trajectories: 3, startNoise: (k: number) => Float64Array.from(new TorchGenerator(k).randn(4)) }

  it('reports progress per model call and makes K·(3M+1) calls (symmetrised) or K·2M (one-sided)', async () => {
    for (const cost of ['symmetric', 'one-sided'] as const) {
      let calls = 0
      const seen: number[] = []
      const D = gmmDenoiser(mix)
      await estimateScoreOptimalProfile(async (x, s) => (calls++, D(x, s)), {
        ...opts,
        cost,
        onProgress: (p) => seen.push(p.fraction)
      })
      expect(calls).toBe(3 * callsPerTrajectory(12, cost))
      expect(seen[seen.length - 1]).toBe(1)
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1])
    }
  })

  it('cancels with the signal and resumes from finished trajectories to the same profile', async () => {
    const D = gmmDenoiser(mix)
    const full = await estimateScoreOptimalProfile(D, opts)
    const ac = new AbortController()
    const done: Float64Array[] = []
    let calls = 0
    const err = await estimateScoreOptimalProfile(
      async (x, s) => {
        if (++calls === 50) ac.abort()
        return D(x, s)
      },
      { ...opts, signal: ac.signal, onTrajectory: (_, c) => done.push(c) }
    ).catch((e: unknown) => e)
    expect((err as Error).name).toBe('AbortError')
    expect(done.length).toBe(1)
    const resumed = await estimateScoreOptimalProfile(D, { ...opts, completed: done })
    expect(resumed.cumLambda).toEqual(full.cumLambda)
    expect(resumed.L).toEqual(full.L)
  })

  it('profiles survive a JSON round trip and bad ones are rejected with the field named', async () => {
    const p = await estimateScoreOptimalProfile(gmmDenoiser(mix), { ...opts, meta: { modelHash: 'abc123', cfg: 7 } })
    const back = validateProfile(JSON.parse(JSON.stringify(p)))
    expect(scoreOptimalSigmas(back, 10)).toEqual(scoreOptimalSigmas(p, 10))
    const bad = (patch: Partial<Record<keyof ScoreOptimalProfile, unknown>>, msg: RegExp): void => {
      expect(() => validateProfile({ ...JSON.parse(JSON.stringify(p)), ...patch })).toThrow(msg)
    }
    bad({ version: 2 }, /version/)
    bad({ sigmaAsc: [...p.sigmaAsc].reverse() }, /ascending/)
    bad({ cumLambda: p.cumLambda.map((c) => c * 0.5) }, /cumLambda/)
    bad({ L: p.L.slice(1) }, /L must have/)
    bad({ settings: { ...p.settings, cost: 'two-sided' } }, /settings.cost/)
    expect(() => validateProfile(null)).toThrow(EngineInputError)
  })

  it('rejects a denoiser whose score never changes, and bad settings', async () => {
    await expect(estimateScoreOptimalProfile(async (x) => Float64Array.from(x), opts)).rejects.toThrow(/every interval cost is 0/)
    await expect(estimateScoreOptimalProfile(gmmDenoiser(mix), { ...opts, intervals: 1 })).rejects.toThrow(/intervals/)
    await expect(estimateScoreOptimalProfile(gmmDenoiser(mix), { ...opts, sigmaMin: 2, sigmaMax: 1 })).rejects.toThrow(/sigmaMin/)
  })

  it('cache keys depend on identity and settings only, not on key order', () => {
    const p = profileFromIntervalCosts(logUniformGrid(0.1, 10, 4), [1, 2, 3, 4], {})
    const a = profileCacheKey({ modelHash: 'h', cfg: 7, shape: [4, 64, 64] }, p.settings)
    const b = profileCacheKey({ shape: [4, 64, 64], cfg: 7, modelHash: 'h' }, p.settings)
    expect(a).toBe(b)
    expect(profileCacheKey({ modelHash: 'h', cfg: 5, shape: [4, 64, 64] }, p.settings)).not.toBe(a)
    expect(profileCacheKey({ modelHash: 'h', cfg: 7, shape: [4, 64, 64] }, { ...p.settings, intervals: 8 })).not.toBe(a)
  })
})
