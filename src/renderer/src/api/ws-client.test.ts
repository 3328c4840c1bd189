/**
 * The WebSocket client when the web host goes away and comes back: it reports the disconnection at
 * once (pending calls fail, onConnection hears 'disconnected'), reconnects by itself with the same
 * token, and says so to onConnection listeners (which fetch what they follow again).
 */
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws'
import type { QueueState } from '../../../shared/api'
import { decodeWire, encodeWire } from '../../../shared/wire'
import type { ConnectionState } from './client'
import { wsClient } from './ws-client'

const g = globalThis as Record<string, unknown>
let port = 0
let server: WebSocketServer | null = null
let queue: QueueState = { seq: 0, running: null, waiting: [] }
let answer = true

function serve(): Promise<void> {
  server = new WebSocketServer({ port, handleProtocols: (p) => [...p][0] })
  server.on('connection', (ws) => {
    ws.on('message', (raw) => {
      const m = decodeWire(raw.toString()) as { id: number; call: string }
      if (!answer) return
      ws.send(encodeWire({ id: m.id, ok: true, value: m.call === 'studio:queue:get' ? queue : {} }))
    })
  })
  return new Promise((ok) => server!.on('listening', () => ok()))
}
async function stop(): Promise<void> {
  for (const c of server!.clients) c.terminate()
  await new Promise<void>((ok) => server!.close(() => ok()))
  server = null
}

beforeAll(async () => {
  await serve()
  port = (server!.address() as AddressInfo).port
  g.WebSocket = NodeWebSocket
  g.location = { host: `127.0.0.1:${port}` }
})
afterAll(async () => {
  if (server) await stop()
})

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('ws client across a host restart', () => {
  it('reports the disconnection at once and reconnects by itself', async () => {
    const client = wsClient('f'.repeat(64))
    const states: ConnectionState[] = []
    client.onConnection!((s) => states.push(s))
    expect(await client.call('studio:queue:get', {})).toEqual(queue)

    // A call in flight when the host stops fails at once, and the page hears it.
    answer = false
    const inFlight = client.call('studio:queue:get', {}).catch((e: Error) => e)
    await new Promise((r) => setTimeout(r, 20))
    await stop()
    expect(((await inFlight) as Error).message).toMatch(/connection to the studio was lost/)
    await until(() => states.at(-1) === 'disconnected', 'the disconnection')
    await expect(client.call('studio:queue:get', {})).rejects.toThrow()

    // Back: the same launch (same port and token); calls work again.
    answer = true
    queue = { seq: 7, running: { jobId: 'j1', state: 'running', model: 'm', cells: 1, queuedAt: 1 }, waiting: [] }
    await serve()
    await until(() => states.at(-1) === 'connected', 'the reconnection')
    expect(await client.call('studio:queue:get', {})).toEqual(queue)
    expect(states).toEqual(['connected', 'disconnected', 'connected'])
  })
})
