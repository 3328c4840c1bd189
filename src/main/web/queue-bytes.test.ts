/**
 * What a flood of queued jobs costs the sockets: 300 jobs with 20,000-character prompts, three clients.
 * When every change sent the whole queue with its prompts this pushed 2.6 GiB; with deltas each message
 * carries only the job it is about, so every bound here grows with the number of jobs, never its square,
 * and no prompt text travels at all. Bytes are counted, nothing is timed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { MAX_WAITING_JOBS } from '../service/service'
import { Studio } from '../service/studio'
import { decodeWire, encodeWire, WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX, type WireFromHost } from '../../shared/wire'
import { validateGenerationParams } from '../../shared/params'
import { sourceWorkerFactory } from '../worker/spawn'
import { startWebHost, type WebHost } from './host'

let dir: string
let studio: Studio
let host: WebHost

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigma-queue-bytes-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>')
  // Slow model calls: the first job keeps running while every other one waits.
  studio = await Studio.start({ libraryDir: null, workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: dir, defaultModel: 'fake', fake: { callMs: 500 } })
  host = await startWebHost({ api: studio, rendererDir: dir })
})
afterAll(async () => {
  await host?.close()
  await studio?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Client {
  ws: WebSocket
  /** Sizes of the messages the host sent, in bytes, event by event. */
  events: { event: string; bytes: number; text: string }[]
  call(name: string, payload: unknown): Promise<unknown>
}

async function connect(): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${WS_PATH}`, [WS_PROTOCOL, WS_TOKEN_PREFIX + host.token], { origin: host.origin })
  const events: Client['events'] = []
  const pending = new Map<number, (v: unknown) => void>()
  let next = 1
  ws.on('message', (raw) => {
    const text = raw.toString()
    const msg = decodeWire(text) as WireFromHost
    if ('event' in msg) events.push({ event: msg.event, bytes: Buffer.byteLength(text), text })
    else pending.get(msg.id)?.(msg.ok ? msg.value : msg.error)
  })
  await new Promise((ok, fail) => ws.once('open', ok).once('error', fail))
  return {
    ws,
    events,
    call: (name, payload) =>
      new Promise((ok) => {
        const id = next++
        pending.set(id, ok)
        ws.send(encodeWire({ id, call: name, payload }))
      })
  }
}

describe('300 queued jobs with 20k-character prompts', () => {
  it('push small queue messages without prompt text to every client', async () => {
    const clients = [await connect(), await connect(), await connect()]
    const [sender] = clients
    const prompt = (i: number): string => `job ${i} ${'a quiet marsh at dawn '.repeat(1000)}`.slice(0, 20_000)
    const generate = (i: number): Promise<unknown> =>
      sender.call('studio:generate', { params: validateGenerationParams({ model: 'fake', prompt: prompt(i), steps: 50, width: 64, height: 64 }), preview: { mode: 'off', every: 1 }, grid: null })
    // The queue holds at most MAX_WAITING_JOBS waiting jobs: queue that many (plus the running one),
    // empty the waiting list, and queue the rest.
    const jobs = 300
    const first = MAX_WAITING_JOBS + 1
    for (let i = 0; i < first; i++) await generate(i)
    expect(studio.service.queue().waiting).toHaveLength(MAX_WAITING_JOBS)
    for (const j of studio.service.queue().waiting) await sender.call('studio:queue:remove', { jobId: j.jobId })
    for (let i = first; i < jobs; i++) await generate(i)
    // One reorder: the only message whose size follows the waiting list (job ids only).
    const waitingIds = studio.service.queue().waiting.map((j) => j.jobId)
    await sender.call('studio:queue:reorder', { jobIds: [waitingIds.at(-1)] })
    const seq = studio.service.queue().seq
    await expect.poll(() => clients.every((c) => c.events.some((e) => e.event === 'studio:queue' && (decodeWire(e.text) as { payload: { seq: number } }).payload.seq === seq))).toBe(true)

    const idBytes = Math.max(...waitingIds.map((id) => id.length)) + 3 // "id",
    for (const c of clients) {
      const queueEvents = c.events.filter((e) => e.event === 'studio:queue')
      // Every job was added once, and the removed ones removed once: one delta per change.
      expect(queueEvents.length).toBe(seq)
      for (const e of c.events) expect(e.text).not.toContain('quiet marsh')
      for (const e of queueEvents) {
        const d = (decodeWire(e.text) as { payload: { order?: string[] } }).payload
        // A job's entry is a few hundred bytes; an order lists the waiting ids once.
        expect(e.bytes).toBeLessThanOrEqual(400 + (d.order ? d.order.length * idBytes : 0))
      }
      const total = c.events.reduce((sum, e) => sum + e.bytes, 0)
      // Per job: its entry added, maybe started or removed, and its 'studio:job' events; plus the one order.
      expect(total).toBeLessThanOrEqual(jobs * 1200 + waitingIds.length * idBytes)
    }
    for (const c of clients) c.ws.close()
  }, 120_000)
})
