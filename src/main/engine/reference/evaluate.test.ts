/**
 * The sampler × schedule evaluation, and issue 8's "done when" figures on the analytic mixture:
 * a 16-D, 12-component "dataset-like" Gaussian mixture on the SD sigma range, score-optimal profile
 * estimated from the denoiser (K = 16 trajectories, M = 128, symmetrised cost), 10 steps, 8 seeds,
 * mean RMSE against a 400-step Heun reference, karras (rho 7) vs score_optimal.
 */
import { describe, expect, it } from 'vitest'
import { gmmDenoiser } from '../gmm'
import { modelSigmas, SD_MODEL_CONFIG } from '../model-sigmas'
import { estimateScoreOptimalProfile } from '../score-optimal/estimate'
import { datasetLikeMixture, torchStartNoise } from '../score-optimal/mixture-problem'
import { evaluateSchedules, findCell, formatEvaluation } from './evaluate'

const SD = { sigmaMin: 0.0291671582, sigmaMax: 14.6146412293 }

describe('evaluateSchedules', () => {
  const mix = { dim: 4, weights: [0.5, 0.5], means: [1, 0, 0, 0, -1, 0, 0, 0], variances: [0.05, 0.05] }

  it('measures deterministic samplers, marks the rest, reports schedule errors, and formats', async () => {
    const progress: number[] = []
    const t = await evaluateSchedules({
      denoise: gmmDenoiser(mix),
      startNoise: torchStartNoise(4),
      samplers: ['euler', 'dpmpp_2m', 'euler_ancestral'],
      schedules: ['karras', 'exponential', 'simple', { id: 'score_optimal', label: 'so (fallback)', profile: null }],
      steps: [5, 20],
      seeds: [0, 1],
      model: SD, // a bare range: `simple` needs the model table, so its cells carry the error
      onProgress: (p) => progress.push(p.done / p.total)
    })
    expect(progress[progress.length - 1]).toBe(1)
    const k5 = findCell(t, 'euler', 'karras', 5)!
    const k20 = findCell(t, 'euler', 'karras', 20)!
    expect(k5.comparable).toBe(true)
    expect(k5.rmse).toHaveLength(2)
    expect(k20.meanRmse!).toBeLessThan(k5.meanRmse!)
    expect(k5.modelCalls).toBe(5)
    expect(findCell(t, 'euler_ancestral', 'karras', 5)!.comparable).toBe(false)
    expect(findCell(t, 'euler', 'simple', 5)!.reason).toMatch(/table/)
    const text = formatEvaluation(t)
    expect(text).toMatch(/euler_ancestral\s+karras\s+n\/c\s+n\/c/)
    expect(text).toMatch(/euler\s+simple\s+err\s+err/)
    const md = formatEvaluation(t, { format: 'markdown' })
    expect(md).toContain('| sampler | schedule | 5 steps | 20 steps |')
    expect(md).toMatch(/\*\*[0-9.]+\*\*/)
  })

  it('works with a model table, cached references and a decoder (PSNR)', async () => {
    const cache = new Map<number, Float64Array>()
    let decoded = 0
    const input = {
      denoise: gmmDenoiser(mix),
      startNoise: torchStartNoise(4),
      samplers: ['heun'],
      schedules: ['simple', 'beta'],
      steps: [8],
      seeds: [3],
      model: modelSigmas(SD_MODEL_CONFIG),
      referenceCache: { get: (s: number) => cache.get(s), set: (s: number, x: Float64Array) => void cache.set(s, x) },
      decode: async (x: Float64Array) => (decoded++, Float64Array.from(x, (v) => Math.tanh(v))),
      pixelRange: 'signed' as const
    }
    const a = await evaluateSchedules(input)
    expect(cache.size).toBe(1)
    const b = await evaluateSchedules(input)
    expect(b.cells).toEqual(a.cells)
    expect(a.cells[0].meanPsnr).toBeGreaterThan(10)
    expect(decoded).toBe(6)
    expect(formatEvaluation(a, { metric: 'psnr' })).toMatch(/PSNR/)
  })

  it('can be cancelled', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(
      evaluateSchedules({ denoise: gmmDenoiser(mix), startNoise: torchStartNoise(4), samplers: ['euler'], schedules: ['karras'], steps: [4], seeds: [0], model: SD, signal: ac.signal })
    ).rejects.toThrow()
  })
})

describe('issue 8 "done when" on the analytic mixture', () => {
  it('10 steps, 8 seeds: score_optimal vs karras for euler and dpmpp_2m (recorded figures)', async () => {
    const mix = datasetLikeMixture()
    const denoise = gmmDenoiser(mix)
    const profile = await estimateScoreOptimalProfile(denoise, {
      ...SD,
      intervals: 128,
      trajectories: 16,
      startNoise: (k) => torchStartNoise(16)(1000 + k)
    })
    const t = await evaluateSchedules({
      denoise,
      startNoise: torchStartNoise(16),
      samplers: ['euler', 'dpmpp_2m'],
      schedules: ['karras', 'score_optimal'],
      steps: [10],
      seeds: [0, 1, 2, 3, 4, 5, 6, 7],
      model: SD,
      profile,
      reference: { sampler: 'heun', steps: 400, schedule: 'karras', params: { rho: 7 } }
    })
    const m = (s: string, sch: string): number => findCell(t, s, sch, 10)!.meanRmse!
    // dpmpp_2m: score_optimal beats karras (0.0141 vs 0.0211).
    expect(m('dpmpp_2m', 'score_optimal')).toBeLessThan(m('dpmpp_2m', 'karras'))
    // euler: a tie (0.1249 vs 0.1242): seed 1 lands in another mixture component under both schedules and
    // contributes ~0.7 of the ~1.0 summed RMSE; see the report / bench for 64 seeds and medians.
    const recorded: Array<[string, string, number]> = [
      ['euler', 'karras', 0.1242],
      ['euler', 'score_optimal', 0.1249],
      ['dpmpp_2m', 'karras', 0.0211],
      ['dpmpp_2m', 'score_optimal', 0.0141]
    ]
    for (const [s, sch, v] of recorded) expect(Math.abs(m(s, sch) - v) / v).toBeLessThan(0.03)
  })
})
