/**
 * The queue follower against a scripted client: it starts from a snapshot, applies deltas in order,
 * takes a new snapshot when one is missing (and when the snapshot answered after newer deltas came),
 * forgets the queue while disconnected and fetches it again on reconnection.
 */
import { describe, expect, it } from 'vitest'
import type { QueueDelta, QueueEntry, QueueState } from '../../../shared/queue'
import type { ConnectionState, StudioClient } from './client'
import { followQueue } from './queue-follower'

const entry = (jobId: string, state: QueueEntry['state'] = 'waiting'): QueueEntry => ({ jobId, state, model: 'm', cells: 1, queuedAt: 0 })

function scripted(): {
  client: StudioClient
  server: QueueState
  fetches: number
  answer: () => void
  push: (d: QueueDelta) => void
  connection: (c: ConnectionState) => void
} {
  const deltas = new Set<(d: QueueDelta) => void>()
  const conn = new Set<(c: ConnectionState) => void>()
  const waitingAnswers: (() => void)[] = []
  const s = {
    server: { seq: 0, running: null, waiting: [] } as QueueState,
    fetches: 0,
    // Snapshot calls answer when the test says so, with the server's queue at that moment.
    answer: () => waitingAnswers.shift()?.(),
    push: (d: QueueDelta) => deltas.forEach((cb) => cb(d)),
    connection: (c: ConnectionState) => conn.forEach((cb) => cb(c)),
    client: {
      transport: 'websocket',
      call: ((name: string) => {
        if (name !== 'studio:queue:get') throw new Error(name)
        s.fetches++
        return new Promise<unknown>((ok) => waitingAnswers.push(() => ok(structuredClone(s.server))))
      }) as StudioClient['call'],
      on: ((name: string, cb: (d: QueueDelta) => void) => {
        if (name === 'studio:queue') deltas.add(cb)
        return () => deltas.delete(cb)
      }) as StudioClient['on'],
      onConnection: (cb: (c: ConnectionState) => void) => {
        conn.add(cb)
        cb('connected')
        return () => conn.delete(cb)
      }
    } satisfies StudioClient
  }
  return s
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

describe('followQueue', () => {
  it('applies deltas after the snapshot, buffering those that come while it is on its way', async () => {
    const s = scripted()
    const seen: (QueueState | null)[] = []
    followQueue(s.client, (q) => seen.push(q))
    s.server = { seq: 2, running: entry('a', 'running'), waiting: [entry('b')] }
    // Deltas 2 (already in the snapshot) and 3 arrive before the snapshot does.
    s.push({ seq: 2, added: [entry('b')] })
    s.push({ seq: 3, added: [entry('c')] })
    s.answer()
    await settle()
    expect(seen.at(-1)).toEqual({ seq: 3, running: entry('a', 'running'), waiting: [entry('b'), entry('c')] })
    s.push({ seq: 4, removed: ['a'], updated: [entry('b', 'running')] })
    expect(seen.at(-1)).toEqual({ seq: 4, running: entry('b', 'running'), waiting: [entry('c')] })
    expect(s.fetches).toBe(1)
  })

  it('takes a new snapshot when a delta is missing', async () => {
    const s = scripted()
    const seen: (QueueState | null)[] = []
    followQueue(s.client, (q) => seen.push(q))
    s.answer()
    await settle()
    s.server = { seq: 6, running: null, waiting: [entry('x'), entry('y')] }
    s.push({ seq: 6, added: [entry('y')] }) // 1-5 never came
    expect(s.fetches).toBe(2)
    s.answer()
    await settle()
    expect(seen.at(-1)).toEqual(s.server)
  })

  it('forgets the queue while disconnected and fetches it again when back', async () => {
    const s = scripted()
    const seen: (QueueState | null)[] = []
    followQueue(s.client, (q) => seen.push(q))
    s.answer()
    await settle()
    s.connection('disconnected')
    expect(seen.at(-1)).toBeNull()
    s.server = { seq: 9, running: entry('z', 'running'), waiting: [] }
    s.connection('connected')
    s.answer()
    await settle()
    expect(seen.at(-1)).toEqual(s.server)
    expect(s.fetches).toBe(2)
  })
})
