/**
 * Hostile input to the web host: raw frames no browser would send (invalid UTF-8, unmasked, bad opcode,
 * RSV1 without an extension, a 100 MiB length header), deep and wide JSON, and a connection reset
 * mid-handshake. After each the host must still answer a well-formed client: one bad socket never ends
 * the process, its queue or its running job.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect as tcpConnect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { decodeWire, encodeWire, WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX, type WireFromHost } from '../../shared/wire'
import { Studio } from '../service/studio'
import { sourceWorkerFactory } from '../worker/spawn'
import { startWebHost, type WebHost } from './host'
import { wireShapeProblem } from './wire-guard'

let dir: string
let studio: Studio
let host: WebHost

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigma-hostile-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>')
  studio = await Studio.start({ libraryDir: null, workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: dir, defaultModel: 'fake', fake: { callMs: 1 } })
  host = await startWebHost({ api: studio, rendererDir: dir })
})
afterAll(async () => {
  await host?.close()
  await studio?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** An authenticated WebSocket handshake over a bare TCP socket, so any bytes can follow it. */
function rawSocket(): Promise<Socket> {
  return new Promise((ok, fail) => {
    const s = tcpConnect(host.port, '127.0.0.1', () => {
      s.write(
        [
          `GET ${WS_PATH} HTTP/1.1`,
          `Host: 127.0.0.1:${host.port}`,
          `Origin: ${host.origin}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
          `Sec-WebSocket-Protocol: ${WS_PROTOCOL}, ${WS_TOKEN_PREFIX}${host.token}`,
          '',
          ''
        ].join('\r\n')
      )
    })
    s.once('data', (d) => (String(d).startsWith('HTTP/1.1 101') ? ok(s) : fail(new Error(String(d)))))
    s.on('error', () => {})
  })
}

/** Writes the bytes and resolves when the host has closed the connection. */
function sendAndWaitClose(s: Socket, bytes: Buffer): Promise<void> {
  return new Promise((ok) => {
    s.on('close', () => ok())
    s.write(bytes)
  })
}

/** A masked client frame (mask key 0, so the payload goes as is). */
function frame(firstByte: number, payload: Buffer): Buffer {
  if (payload.length >= 126) throw new Error('short frames only')
  return Buffer.concat([Buffer.from([firstByte, 0x80 | payload.length, 0, 0, 0, 0]), payload])
}

/** A fresh, well-formed client makes a call: the host is alive and working. */
async function hostAnswers(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${WS_PATH}`, [WS_PROTOCOL, WS_TOKEN_PREFIX + host.token], { origin: host.origin })
  await new Promise<void>((ok, fail) => {
    ws.on('open', () => ok())
    ws.on('error', fail)
  })
  const reply = await new Promise<WireFromHost>((ok) => {
    ws.on('message', (d) => {
      const m = decodeWire(d.toString()) as WireFromHost
      if ('id' in m && m.id === 7) ok(m)
    })
    ws.send(encodeWire({ id: 7, call: 'studio:queue:get', payload: {} }))
  })
  expect(reply).toMatchObject({ ok: true })
  ws.close()
}

describe('web host under hostile frames', () => {
  const cases: Array<[string, Buffer]> = [
    ['a text frame with invalid UTF-8', frame(0x81, Buffer.from([0xc3, 0x28, 0xff, 0xfe]))],
    ['an unmasked frame', Buffer.from([0x81, 0x04, 0x61, 0x62, 0x63, 0x64])],
    ['a reserved opcode', frame(0x83, Buffer.alloc(0))],
    ['RSV1 without a negotiated extension', frame(0xc1, Buffer.from('{}'))],
    ['a header claiming 100 MiB', Buffer.concat([Buffer.from([0x81, 0xff]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(100n << 20n); return b })(), Buffer.alloc(4)])]
  ]
  for (const [name, bytes] of cases) {
    it(`survives ${name}`, async () => {
      await sendAndWaitClose(await rawSocket(), bytes)
      await hostAnswers()
    })
  }

  it('survives a connection reset in the middle of the handshake', async () => {
    const s = tcpConnect(host.port, '127.0.0.1')
    await new Promise<void>((ok) => s.on('connect', () => ok()))
    s.write(`GET ${WS_PATH} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n`)
    s.resetAndDestroy()
    await new Promise((r) => setTimeout(r, 50))
    await hostAnswers()
  })

  it('closes a socket that sends deeply nested or container-heavy JSON without parsing it', async () => {
    for (const text of ['['.repeat(200_000) + ']'.repeat(200_000), `[${'{},'.repeat(100_000)}{}]`]) {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}${WS_PATH}`, [WS_PROTOCOL, WS_TOKEN_PREFIX + host.token], { origin: host.origin })
      await new Promise<void>((ok) => ws.on('open', () => ok()))
      const code = await new Promise<number>((ok) => {
        ws.on('close', (c) => ok(c))
        ws.send(text)
      })
      expect(code).toBe(1009)
    }
    await hostAnswers()
  })
})

describe('wireShapeProblem', () => {
  it('counts only structure outside strings', () => {
    expect(wireShapeProblem(JSON.stringify({ s: '[[[[{{{{'.repeat(1000) }), { maxDepth: 3, maxContainers: 10 })).toBeNull()
    expect(wireShapeProblem('{"a":"\\"[[[["}', { maxDepth: 1, maxContainers: 10 })).toBeNull()
    expect(wireShapeProblem('[[[[]]]]', { maxDepth: 3, maxContainers: 10 })).toMatch(/deeper than 3/)
    expect(wireShapeProblem('[[],[],[]]', { maxDepth: 3, maxContainers: 3 })).toMatch(/more than 3/)
  })
})
