/**
 * The queue under a flood: a bounded number of waiting jobs and of init-image bytes, queue events that
 * carry only the start of each prompt, and payloads whose shape (depth, number of values) is refused
 * before any validator walks them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { GenerateRequest, QueueState } from '../../shared/api'
import { validateGenerationParams } from '../../shared/params'
import { sourceWorkerFactory } from '../worker/spawn'
import { dispatch } from './dispatch'
import { payloadShapeProblem } from './payload-shape'
import { GenerationService, MAX_QUEUED_INIT_BYTES, MAX_WAITING_JOBS, QUEUE_PROMPT_CHARS } from './service'

let service: GenerationService | null = null
afterEach(async () => {
  await service?.close()
  service = null
})

function make(): GenerationService {
  // Slow fake calls: the first job keeps running while the others wait.
  service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: '/nonexistent', defaultModel: 'fake', fake: { callMs: 200 } })
  return service
}

const request = (prompt: string, initImage?: Uint8Array): GenerateRequest => ({
  params: validateGenerationParams({ model: 'fake', prompt, width: 64, height: 64, steps: 50, ...(initImage ? { img2img: { image: 'x', strength: 0.5 } } : {}) }),
  preview: { mode: 'off', every: 1 },
  grid: null,
  ...(initImage ? { initImage } : {})
})

describe('queue limits', () => {
  it('refuses jobs beyond the most that may wait, saying so', () => {
    const s = make()
    for (let i = 0; i <= MAX_WAITING_JOBS; i++) s.generate(request(`job ${i}`)) // one runs, the rest wait
    expect(s.queue().waiting).toHaveLength(MAX_WAITING_JOBS)
    expect(() => s.generate(request('one too many'))).toThrow(/200 jobs are already waiting, the most the queue holds/)
  })

  it('refuses init images beyond what waiting jobs may hold together', () => {
    const s = make()
    s.generate(request('runs'))
    const img = new Uint8Array(32 * 2 ** 20)
    img.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const fits = MAX_QUEUED_INIT_BYTES / img.length
    for (let i = 0; i < fits; i++) s.generate(request(`img ${i}`, img))
    expect(() => s.generate(request('over', img))).toThrow(/initImage: waiting img2img jobs already hold 256 MiB of init images/)
    // Cancelling frees the room.
    s.cancel(s.queue().waiting[0].jobId)
    expect(() => s.generate(request('fits again', img))).not.toThrow()
  })

  it('queue events carry the start of a prompt, not all of it', () => {
    const s = make()
    const states: QueueState[] = []
    s.on('studio:queue', (q) => states.push(q))
    const long = 'a red fox '.repeat(2000)
    s.generate(request(long))
    s.generate(request(long))
    const last = states.at(-1)!
    for (const j of [last.running!, ...last.waiting]) {
      expect(j.prompt.length).toBeLessThanOrEqual(QUEUE_PROMPT_CHARS)
      expect(j.prompt.endsWith('…')).toBe(true)
      expect(long.startsWith(j.prompt.slice(0, -1))).toBe(true)
    }
    expect(JSON.stringify(last).length).toBeLessThan(2000)
  })
})

describe('payload shape', () => {
  it('refuses deep and huge payloads before validating them', async () => {
    let deep: unknown = {}
    for (let i = 0; i < 10_000; i++) deep = { a: deep }
    const wide = { params: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, {}])) }
    expect(payloadShapeProblem(deep)).toMatch(/nests deeper than 32 levels/)
    expect(payloadShapeProblem(wide)).toMatch(/holds more than 50000 values/)
    expect(payloadShapeProblem({ initImage: new Uint8Array(1 << 20), params: { prompt: 'x' } })).toBeNull()
    const handlers = {} as never
    const r = await dispatch(handlers, 'studio:generate', deep)
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/studio:generate request nests deeper/) } })
    const u = await dispatch(handlers, 'x'.repeat(1 << 20), {})
    expect(!u.ok && u.error.message.length).toBeLessThan(200)
  })
})
