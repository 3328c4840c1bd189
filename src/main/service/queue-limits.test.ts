/**
 * The queue under a flood: a bounded number of waiting jobs and of init-image bytes, queue events that
 * carry only the start of each prompt, and payloads whose shape (depth, number of values) is refused
 * before any validator walks them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { GenerateRequest, QueueDelta, QueueEntry, QueueState } from '../../shared/api'
import { applyQueueDelta } from '../../shared/queue'
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

  it('queue events carry no prompts; a list asks for the start of each', () => {
    const s = make()
    const deltas: QueueDelta[] = []
    s.on('studio:queue', (d) => deltas.push(d))
    const long = 'a red fox '.repeat(2000)
    s.generate(request(long))
    const { jobId } = s.generate(request(long))
    for (const d of deltas) expect(JSON.stringify(d)).not.toContain('red fox')
    const [details] = s.details([jobId, 'jnope'])
    expect(details).toMatchObject({ jobId, promptChars: long.length })
    expect(details.prompt.length).toBeLessThanOrEqual(QUEUE_PROMPT_CHARS)
    expect(details.prompt.endsWith('…')).toBe(true)
    expect(long.startsWith(details.prompt.slice(0, -1))).toBe(true)
    expect(s.details(['jnope'])).toEqual([])
  })
})

describe('queue deltas', () => {
  it('rebuild the queue exactly when applied in order, numbered one by one', async () => {
    const s = make()
    let followed: QueueState = s.queue()
    const seqs: number[] = []
    // After every change the followed queue must equal the service's own (kept as text: the service
    // catches what its listeners throw).
    const mismatches: string[] = []
    s.on('studio:queue', (d) => {
      seqs.push(d.seq)
      followed = applyQueueDelta(followed, d)!
      if (JSON.stringify(followed) !== JSON.stringify(s.queue())) mismatches.push(`after ${JSON.stringify(d)}: ${JSON.stringify(followed)} vs ${JSON.stringify(s.queue())}`)
    })
    const ids = Array.from({ length: 6 }, (_, i) => s.generate(request(`job ${i}`)).jobId) // 0 runs, 1-5 wait
    s.reorder([ids[4], ids[2]])
    expect(followed.waiting.map((j) => j.jobId)).toEqual([ids[4], ids[2], ids[1], ids[3], ids[5]])
    s.remove(ids[1])
    s.cancel(ids[0]) // the running one: it ends, the next one starts
    await expect.poll(() => followed.running?.jobId, { timeout: 20_000 }).toBe(ids[4])
    expect(followed.running?.state).toBe('running')
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
    await s.close()
    expect(followed).toEqual(s.queue())
    expect(followed.waiting).toEqual([])
    expect(mismatches).toEqual([])
  })

  it('a client that missed a delta is told to take a new snapshot; old deltas change nothing', () => {
    const entry = (jobId: string): QueueEntry => ({ jobId, state: 'waiting', model: 'm', cells: 1, queuedAt: 0 })
    const q: QueueState = { seq: 4, running: null, waiting: [entry('a')] }
    expect(applyQueueDelta(q, { seq: 6, added: [entry('b')] })).toBeNull()
    expect(applyQueueDelta(q, { seq: 4, added: [entry('b')] })).toBe(q)
    expect(applyQueueDelta(q, { seq: 5, added: [entry('b')], order: ['b'] })).toEqual({ seq: 5, running: null, waiting: [entry('b'), entry('a')] })
    expect(applyQueueDelta(q, { seq: 5, updated: [{ ...entry('a'), state: 'running' }] })).toEqual({ seq: 5, running: { ...entry('a'), state: 'running' }, waiting: [] })
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
