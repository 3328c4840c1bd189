/**
 * The service against a real worker thread running the fake (analytic) runner: queueing, cancel in the
 * middle of a step, model errors, crashed workers, grid jobs with batched model calls.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_PREVIEW, type EventName, type Events, type GenerateRequest } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import { validateGenerationParams } from '../../shared/params'
import type { FakeRunnerOptions } from '../worker/protocol'
import { sourceWorkerFactory } from '../worker/spawn'
import { GenerationService, type FinishedJobInfo } from './service'

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10]

function request(over: Record<string, unknown> = {}, extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    params: validateGenerationParams({ model: 'fake', prompt: 'a red fox', width: 64, height: 64, steps: 6, cfg: 1, ...over }),
    preview: DEFAULT_PREVIEW,
    grid: null,
    ...extra
  }
}

type Seen = { [E in EventName]: Events[E][] }

function record(service: GenerationService): Seen {
  const seen: Seen = { 'studio:queue': [], 'studio:job': [], 'studio:progress': [], 'studio:preview': [], 'studio:result': [], 'studio:error': [], 'studio:calibration': [], 'studio:models:import': [], 'studio:library:reconcile': [] }
  service.onAny((name, payload) => (seen[name] as unknown[]).push(payload))
  return seen
}

function finished(service: GenerationService, jobId: string): Promise<FinishedJobInfo> {
  return new Promise((ok) => {
    const off = service.onJobFinished((info) => {
      if (info.jobId === jobId) {
        off()
        ok(info)
      }
    })
  })
}

const services: GenerationService[] = []
function makeService(fake: FakeRunnerOptions = {}): GenerationService {
  const s = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: '/nonexistent', defaultModel: 'fake', fake })
  services.push(s)
  return s
}
afterAll(async () => {
  await Promise.all(services.map((s) => s.close()))
})

describe('generation service (real worker, fake runner)', () => {
  const shared = makeService({ callMs: 2 })
  let seen = record(shared)
  afterEach(() => {
    seen = record(shared)
  })

  it('runs a job: progress every step, previews, a PNG result, model kept warm', async () => {
    const { jobId } = shared.generate(request())
    const info = await finished(shared, jobId)
    expect(info.state).toBe('completed')
    const progress = seen['studio:progress'].filter((p) => p.jobId === jobId)
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6])
    expect(progress.at(-1)!.remainingMs).toBe(0)
    const previews = seen['studio:preview'].filter((p) => p.jobId === jobId)
    expect(previews).toHaveLength(6)
    expect([...previews[0].data.subarray(0, 8)]).toEqual(PNG_SIGNATURE)
    expect(previews[0]).toMatchObject({ width: 8, height: 8, source: 'latent2rgb' })
    const [result] = seen['studio:result'].filter((r) => r.jobId === jobId)
    expect(result).toMatchObject({ width: 64, height: 64, cell: 0, cells: 1 })
    const image = await shared.handlers['studio:result:image']({ resultId: result.resultId })
    expect([...image.data.subarray(0, 8)]).toEqual(PNG_SIGNATURE)
    expect(info.timings!.modelCalls).toBe(6)

    const second = shared.generate(request({ seed: '5' }, { preview: { mode: 'off', every: 1 } }))
    const info2 = await finished(shared, second.jobId)
    expect(info2.timings!.loadMs).toBe(0) // the model stayed loaded
    expect(seen['studio:preview'].filter((p) => p.jobId === second.jobId)).toHaveLength(0)
  })

  it('previews every N steps and always on the last step', async () => {
    const { jobId } = shared.generate(request({ steps: 7 }, { preview: { mode: 'latent2rgb', every: 3 } }))
    await finished(shared, jobId)
    expect(seen['studio:preview'].filter((p) => p.jobId === jobId).map((p) => p.step)).toEqual([3, 6, 7])
  })

  it('queues jobs in order; waiting jobs can be reordered and removed', async () => {
    const a = shared.generate(request({ steps: 4 }))
    const b = shared.generate(request({ steps: 4 }))
    const c = shared.generate(request({ steps: 4 }))
    const d = shared.generate(request({ steps: 4 }))
    expect(shared.queue().running?.jobId).toBe(a.jobId)
    expect(shared.queue().waiting.map((j) => j.jobId)).toEqual([b.jobId, c.jobId, d.jobId])
    const q = shared.reorder([d.jobId, c.jobId])
    expect(q.waiting.map((j) => j.jobId)).toEqual([d.jobId, c.jobId, b.jobId])
    expect(shared.remove(c.jobId)).toBe(true)
    expect(shared.remove(a.jobId)).toBe(false) // running, not waiting
    await finished(shared, b.jobId)
    const started = seen['studio:job'].filter((j) => j.state === 'running').map((j) => j.jobId)
    expect(started).toEqual([a.jobId, d.jobId, b.jobId])
    expect(seen['studio:job'].findLast((j) => j.jobId === c.jobId)?.state).toBe('cancelled')
  })

  it('runs a grid as one job with per-cell progress and batched model calls', async () => {
    const req = request({ steps: 5, cfg: 1 }, { grid: { samplers: ['euler', 'dpmpp_2m'], seeds: ['1', '2', '3'] } })
    const { jobId } = shared.generate(req)
    const info = await finished(shared, jobId)
    expect(info.state).toBe('completed')
    const results = seen['studio:result'].filter((r) => r.jobId === jobId)
    expect(results.map((r) => r.cell).sort()).toEqual([0, 1, 2, 3, 4, 5])
    expect(results[0].cells).toBe(6)
    expect(new Set(results.map((r) => `${r.params.sampler}/${r.params.seed}`)).size).toBe(6)
    const progress = seen['studio:progress'].filter((p) => p.jobId === jobId)
    for (let cell = 0; cell < 6; cell++) expect(progress.filter((p) => p.cell === cell).map((p) => p.step)).toEqual([1, 2, 3, 4, 5])
    expect(progress.at(-1)!.jobStep).toBe(30)
    // 6 cells x 5 steps = 30 model evaluations, but cells at the same step share one call.
    expect(info.timings!.modelRows).toBe(30)
    expect(info.timings!.modelCalls).toBe(5)
  })

  it('validates requests at the boundary with a field name', () => {
    expect(() => VALIDATORS['studio:generate']({ params: { steps: 0 } })).toThrow(/params.steps/)
    expect(() => VALIDATORS['studio:generate']({ params: {}, evil: 1 })).toThrow(/evil/)
    expect(() => VALIDATORS['studio:cancel']({ jobId: '../x' })).toThrow(/jobId/)
    expect(() => VALIDATORS['studio:generate']({ params: {}, grid: { seeds: Array.from({ length: 300 }, (_, i) => i) } })).toThrow(/grid/)
  })
})

describe('cancel', () => {
  it('stops the running job within one model call, even while the worker is busy in a call', async () => {
    const callMs = 60
    const s = makeService({ callMs })
    const seen = record(s)
    const { jobId } = s.generate(request({ steps: 30 }))
    await new Promise<void>((ok) => {
      const off = s.on('studio:progress', (p) => {
        if (p.step === 3) {
          off()
          // Land in the middle of the 4th model call.
          setTimeout(ok, callMs / 2)
        }
      })
    })
    const stepsAtCancel = seen['studio:progress'].length
    expect(s.cancel(jobId)).toBe(true)
    const info = await finished(s, jobId)
    expect(info.state).toBe('cancelled')
    // At most the call in flight finishes; no further model call starts.
    expect(seen['studio:progress'].length - stepsAtCancel).toBeLessThanOrEqual(1)
    expect(info.timings!.modelCalls).toBeLessThanOrEqual(stepsAtCancel + 1)
    // How long that takes is measured by `npm run -s bench -- pipeline` (cancelLatencyMs), not asserted here.
    expect(seen['studio:result']).toHaveLength(0)
    // The next job runs normally.
    const next = s.generate(request({ steps: 2 }))
    expect((await finished(s, next.jobId)).state).toBe('completed')
  })
})

describe('failures', () => {
  it('reports a model error as a structured event and runs the next job', async () => {
    const s = makeService({ failOnCall: { model: 'fake', call: 3 }, missingModels: ['nope'] })
    const seen = record(s)
    const bad = s.generate(request())
    expect((await finished(s, bad.jobId)).state).toBe('failed')
    expect(seen['studio:error']).toEqual([expect.objectContaining({ jobId: bad.jobId, code: 'model-error', message: expect.stringMatching(/simulated model failure/) })])
    const missing = s.generate(request({ model: 'nope' }))
    expect((await finished(s, missing.jobId)).state).toBe('failed')
    expect(seen['studio:error'][1]).toMatchObject({ jobId: missing.jobId, code: 'model-not-found' })
    const good = s.generate(request())
    expect((await finished(s, good.jobId)).state).toBe('completed')
  })

  it.each(['exit', 'throw'] as const)('reports a crashed worker (%s) and accepts the next job', async (how) => {
    const s = makeService({ crashOnCall: { model: 'crashy', call: 2, how } })
    const seen = record(s)
    const doomed = s.generate(request({ model: 'crashy' }))
    const queued = s.generate(request({ steps: 3 }))
    expect((await finished(s, doomed.jobId)).state).toBe('failed')
    expect(seen['studio:error']).toEqual([expect.objectContaining({ jobId: doomed.jobId, code: 'worker-crashed' })])
    expect((await finished(s, queued.jobId)).state).toBe('completed')
    expect(seen['studio:result'].map((r) => r.jobId)).toEqual([queued.jobId])
  })
})
