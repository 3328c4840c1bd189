/**
 * Reference error per grid cell (GridSpec.reference), against the real worker on the committed sd1-tiny
 * fixture: deterministic cells carry RMSE (latent) and PSNR (pixels) against a 200-step reference of the
 * same ODE from the same noise, computed once per prompt/seed/CFG/size in the job; stochastic samplers
 * are marked not comparable.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ErrorEvent, type GridSpec, type ResultEvent } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import { DEFAULT_REFERENCE, referenceCalls } from '../engine/reference/reference'
import { sourceWorkerFactory } from '../worker/spawn'
import { GenerationService, type FinishedJobInfo } from './service'

const FIXTURES = resolve(__dirname, '../../../tools/fixtures/models')
let dir: string
let service: GenerationService

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigma-reference-'))
  symlinkSync(join(FIXTURES, 'sd1-tiny'), join(dir, 'sd1-tiny'))
  service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: dir, defaultModel: 'sd1-tiny' })
})
afterAll(async () => {
  await service?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function grid(g: GridSpec): Promise<{ info: FinishedJobInfo; results: ResultEvent[]; errors: ErrorEvent[] }> {
  const results: ResultEvent[] = []
  const errors: ErrorEvent[] = []
  const offs = [service.on('studio:result', (r) => results.push(r)), service.on('studio:error', (e) => errors.push(e))]
  const req = VALIDATORS['studio:generate']({ params: { prompt: 'a blue square', width: 64, height: 64, cfg: 5, seed: '3' }, preview: { mode: 'off' }, grid: g })
  const { jobId } = service.generate(req)
  const info = await new Promise<FinishedJobInfo>((ok) => {
    const off = service.onJobFinished((i) => i.jobId === jobId && (off(), ok(i)))
  })
  offs.forEach((off) => off())
  return { info, results: results.sort((a, b) => a.cell - b.cell), errors }
}

const cell = (rs: ResultEvent[], sampler: string, steps: number): ResultEvent => rs.find((r) => r.params.sampler === sampler && r.params.steps === steps)!

describe('reference metrics per grid cell (real worker, sd1-tiny)', () => {
  it('measures deterministic cells against one shared reference and marks stochastic ones not comparable', async () => {
    const steps = [3, 12]
    const { info, results, errors } = await grid({ samplers: ['euler', 'dpmpp_2m', 'euler_ancestral'], steps, reference: true })
    expect(errors).toEqual([])
    expect(info.state).toBe('completed')
    expect(results).toHaveLength(6)

    for (const sampler of ['euler', 'dpmpp_2m']) {
      for (const n of steps) {
        const m = cell(results, sampler, n).metrics
        expect(m, `${sampler} ${n}`).toMatchObject({ comparable: true, startMismatch: false })
        if (!m?.comparable) throw new Error('unreachable')
        expect(Number.isFinite(m.rmseLatent)).toBe(true)
        expect(m.rmseLatent).toBeGreaterThan(0)
        // null would mean pixel-identical to the reference, which a 3-step run is not.
        if (n === 3) expect(Number.isFinite(m.psnr)).toBe(true)
        else expect(m.psnr === null || Number.isFinite(m.psnr)).toBe(true)
        expect(m.reference).toMatch(/heun/)
      }
    }
    // More steps of the same solver land closer to the ODE's solution.
    const rmse = (sampler: string, n: number): number => {
      const m = cell(results, sampler, n).metrics
      return m?.comparable ? m.rmseLatent : NaN
    }
    expect(rmse('euler', 12)).toBeLessThan(rmse('euler', 3))
    expect(rmse('dpmpp_2m', 12)).toBeLessThan(rmse('dpmpp_2m', 3))

    for (const n of steps) expect(cell(results, 'euler_ancestral', n).metrics).toEqual({ comparable: false, reason: expect.stringMatching(/ancestral/) })

    // All six cells share one seed, prompt, CFG and size: the reference is solved once (cond + uncond
    // rows per call), on top of the cells' own steps.
    const cellRows = 2 * 3 * steps.reduce((a, b) => a + b, 0)
    expect(info.timings!.modelRows).toBe(cellRows + 2 * referenceCalls(DEFAULT_REFERENCE))
  })

  it('solves one reference per seed, and none without the option', async () => {
    const seeds = await grid({ samplers: ['euler'], steps: [4], seeds: ['1', '2'], reference: true })
    expect(seeds.results.map((r) => r.metrics?.comparable)).toEqual([true, true])
    const [a, b] = seeds.results.map((r) => (r.metrics?.comparable ? r.metrics.rmseLatent : NaN))
    expect(a).not.toBe(b)
    expect(seeds.info.timings!.modelRows).toBe(2 * 2 * 4 + 2 * 2 * referenceCalls(DEFAULT_REFERENCE))

    const plain = await grid({ samplers: ['euler'], steps: [4], seeds: ['1', '2'] })
    expect(plain.results.map((r) => r.metrics)).toEqual([undefined, undefined])
    expect(plain.info.timings!.modelRows).toBe(2 * 2 * 4)
  })
})
