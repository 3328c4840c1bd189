/**
 * The runner-independent part of per-cell reference error: which cells are comparable, one solve per
 * key even for concurrent cells, failures not cached, and the metrics themselves; then the fake runner
 * through the real service, whose analytic model makes the reference cheap.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { ProgressEvent, ResultEvent } from '../../shared/api'
import { DEFAULT_REFERENCE, referenceCalls } from '../engine/reference/reference'
import { validateGenerationParams } from '../../shared/params'
import { GenerationService, type FinishedJobInfo } from '../service/service'
import { cellComparability, measureCell, ReferenceCache, referenceKey, type ReferenceSolution } from './reference-metrics'
import { sourceWorkerFactory } from './spawn'

const params = (over: Record<string, unknown> = {}) => validateGenerationParams({ model: 'm', prompt: 'p', width: 64, height: 64, ...over })

describe('reference metrics (unit)', () => {
  it('knows which cells follow the ODE', () => {
    expect(cellComparability(params({ sampler: 'euler' })).comparable).toBe(true)
    expect(cellComparability(params({ sampler: 'euler_ancestral' })).comparable).toBe(false)
    expect(cellComparability(params({ sampler: 'dpmpp_2m_sde' })).comparable).toBe(false)
    expect(cellComparability(params({ sampler: 'euler', samplerOptions: { s_churn: 1 } })).comparable).toBe(false)
    expect(cellComparability(params({ noise: { noiseInjection: 0.1 } })).reason).toMatch(/noise injection/)
    expect(cellComparability(params({ img2img: { image: 'sha256:00', strength: 0.5 } })).reason).toMatch(/img2img/)
  })

  it('shares a reference between cells that differ only in sampler, schedule or steps', () => {
    const a = referenceKey(params({ sampler: 'euler', schedule: 'karras', steps: 4 }))
    expect(referenceKey(params({ sampler: 'heun', schedule: 'simple', steps: 30 }))).toBe(a)
    for (const over of [{ seed: '1' }, { cfg: 3 }, { prompt: 'q' }, { width: 128 }, { guidance: { rescale: 0.5 } }]) expect(referenceKey(params(over))).not.toBe(a)
  })

  it('solves each key once, even for concurrent cells, and forgets failures', async () => {
    const cache = new ReferenceCache()
    let solves = 0
    const sol: ReferenceSolution = { latent: Float64Array.from([1, 2]), rgb: Uint8Array.from([10, 20, 30]), sigma0: 14 }
    const solve = async (): Promise<ReferenceSolution> => (solves++, sol)
    await Promise.all([cache.get('k', solve), cache.get('k', solve), cache.get('k', solve)])
    expect(solves).toBe(1)
    await expect(cache.get('bad', () => Promise.reject(new Error('cancelled')))).rejects.toThrow('cancelled')
    await cache.get('bad', solve)
    expect(solves).toBe(2)
  })

  it('measures RMSE and PSNR, null PSNR for identical pixels, and flags a different start', async () => {
    const ref: ReferenceSolution = { latent: Float64Array.from([0, 0, 0, 0]), rgb: Uint8Array.from([100, 100, 100]), sigma0: 14 }
    const m = await measureCell(params(), { latent: Float64Array.from([1, -1, 1, -1]), rgb: Uint8Array.from([110, 100, 90]), sigma0: 14 }, new ReferenceCache(), async () => ref)
    expect(m).toMatchObject({ comparable: true, rmseLatent: 1, startMismatch: false })
    if (!m.comparable) throw new Error('unreachable')
    expect(m.psnr).toBeCloseTo(10 * Math.log10((255 * 255) / (200 / 3)), 10)
    const same = await measureCell(params(), { latent: ref.latent, rgb: ref.rgb, sigma0: 12 }, new ReferenceCache(), async () => ref)
    expect(same).toMatchObject({ comparable: true, rmseLatent: 0, psnr: null, startMismatch: true })
    let called = false
    const stochastic = await measureCell(params({ sampler: 'euler_ancestral' }), { latent: ref.latent, rgb: ref.rgb, sigma0: 14 }, new ReferenceCache(), async () => ((called = true), ref))
    expect(stochastic.comparable).toBe(false)
    expect(called).toBe(false)
  })
})

describe('reference metrics with the fake runner (real worker)', () => {
  const service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: '/nonexistent', defaultModel: 'fake' })
  afterAll(() => service.close())

  it('measures a grid: more euler steps land closer; ancestral cells are not comparable', async () => {
    const results: ResultEvent[] = []
    const progress: ProgressEvent[] = []
    const offs = [service.on('studio:result', (r) => results.push(r)), service.on('studio:progress', (p) => progress.push(p))]
    const { jobId } = service.generate({
      params: validateGenerationParams({ model: 'fake', prompt: 'a red fox', width: 64, height: 64, cfg: 3 }),
      preview: { mode: 'off', every: 1 },
      grid: { samplers: ['euler', 'euler_ancestral'], steps: [3, 12], reference: true }
    })
    const info = await new Promise<FinishedJobInfo>((ok) => {
      const stop = service.onJobFinished((i) => i.jobId === jobId && (stop(), ok(i)))
    })
    offs.forEach((off) => off())
    expect(info.state).toBe('completed')
    // The reference solve reports its own progress, ending with all its calls made.
    const ref = progress.filter((p) => p.reference)
    expect(ref.length).toBeGreaterThan(0)
    expect(ref.at(-1)!.reference).toEqual({ calls: referenceCalls(DEFAULT_REFERENCE), totalCalls: referenceCalls(DEFAULT_REFERENCE) })
    const rmse = (steps: number): number => {
      const m = results.find((r) => r.params.sampler === 'euler' && r.params.steps === steps)!.metrics
      return m?.comparable ? m.rmseLatent : NaN
    }
    expect(rmse(12)).toBeLessThan(rmse(3))
    expect(results.filter((r) => r.params.sampler === 'euler_ancestral').map((r) => r.metrics?.comparable)).toEqual([false, false])
  })
})
