/**
 * Per-cell model calls and model time in grid jobs, in the real worker: a batched grid of euler and heun
 * cells reports each cell's own UNet runs (the same counts as each cell run alone), and each cell's share
 * of the job's model time; on the fake runner and on the ONNX runner with the sd1-tiny fixture.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GridSpec, type ResultEvent } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import { GenerationService, type FinishedJobInfo } from '../service/service'
import { sourceWorkerFactory } from './spawn'

const FIXTURES = resolve(__dirname, '../../../tools/fixtures/models')
let dir: string
const services: { fake?: GenerationService; onnx?: GenerationService } = {}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigma-cell-calls-'))
  symlinkSync(join(FIXTURES, 'sd1-tiny'), join(dir, 'sd1-tiny'))
  services.fake = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: '/nonexistent', defaultModel: 'fake', fake: { callMs: 2 } })
  services.onnx = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: dir, defaultModel: 'sd1-tiny' })
})
afterAll(async () => {
  await Promise.all([services.fake?.close(), services.onnx?.close()])
  rmSync(dir, { recursive: true, force: true })
})

/** `results` in cell order; `arrival` the cells in the order their results went out. */
async function run(service: GenerationService, params: Record<string, unknown>, grid: GridSpec | null): Promise<{ info: FinishedJobInfo; results: ResultEvent[]; arrival: number[] }> {
  const results: ResultEvent[] = []
  const off = service.on('studio:result', (r) => results.push(r))
  const req = VALIDATORS['studio:generate']({ params: { prompt: 'a blue square', width: 64, height: 64, cfg: 5, seed: '3', ...params }, preview: { mode: 'off' }, grid })
  const { jobId } = service.generate(req)
  const info = await new Promise<FinishedJobInfo>((ok) => {
    const done = service.onJobFinished((i) => i.jobId === jobId && (done(), ok(i)))
  })
  off()
  expect(info.state).toBe('completed')
  const mine = results.filter((r) => r.jobId === jobId)
  return { info, results: [...mine].sort((a, b) => a.cell - b.cell), arrival: mine.map((r) => r.cell) }
}

/** Euler: one UNet run per step. Heun: two per step, but Euler's one on the last step to sigma 0. */
const EXPECTED: Record<string, number> = { euler: 4, heun: 7 }

describe.each(['fake', 'onnx'] as const)('per-cell model calls (%s runner)', (runner) => {
  const service = (): GenerationService => services[runner]!

  it('each cell of a batched grid reports its own calls, as it does alone, and its share of model time', async () => {
    const alone: Record<string, number> = {}
    for (const sampler of ['euler', 'heun']) {
      const { info, results } = await run(service(), { sampler, steps: 4 }, null)
      alone[sampler] = results[0].timings.modelCalls
      // A job of one cell: the cell's figures are the job's (cond and uncond share each run).
      expect(info.timings!.modelCalls).toBe(alone[sampler])
      expect(results[0].timings.modelMs).toBeCloseTo(info.timings!.modelMs, 6)
    }
    expect(alone).toEqual(EXPECTED)

    const { info, results, arrival } = await run(service(), { steps: 4 }, { samplers: ['euler', 'heun'], seeds: ['1', '2'] })
    expect(results.map((r) => [r.params.sampler, r.timings.modelCalls])).toEqual([
      ['euler', 4],
      ['euler', 4],
      ['heun', 7],
      ['heun', 7]
    ])
    // Batched: the four cells shared runs, so the job made fewer runs than the cells' calls add up to.
    expect(info.timings!.modelCalls).toBe(7)
    expect(info.timings!.modelRows).toBe(2 * (4 + 4 + 7 + 7))
    // The cells' time shares add up to the job's model time (how fast is for the benchmarks, not here).
    const shares = results.map((r) => r.timings.modelMs)
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(info.timings!.modelMs, 6)
    // Each result went out when its cell was done: euler's 4 runs before heun's 7.
    expect(arrival.slice(0, 2).sort()).toEqual([0, 1])
  })

  it("leaves the shared reference solve out of the cells' calls", async () => {
    const { info, results } = await run(service(), { steps: 4 }, { samplers: ['euler', 'heun'], reference: true })
    expect(results.map((r) => r.timings.modelCalls)).toEqual([4, 7])
    expect(results.every((r) => r.metrics?.comparable)).toBe(true)
    expect(info.timings!.modelCalls).toBeGreaterThan(100)
    // The reference's runs are the job's, not the cells'.
    expect(results[0].timings.modelCalls + results[1].timings.modelCalls).toBeLessThan(info.timings!.modelCalls)
  })
})
