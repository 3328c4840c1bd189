/**
 * The web host's guards: token, Host and Origin checks on HTTP and on the WebSocket upgrade, the CSP
 * header, and one authenticated call/event round trip (fake runner in a real worker).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { decodeWire, encodeWire, WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX, type WireFromHost } from '../../shared/wire'
import type { GenerationService } from '../service/service'
import { Studio } from '../service/studio'
import { sourceWorkerFactory } from '../worker/spawn'
import { startWebHost, type WebHost } from './host'

let dir: string
let studio: Studio
let service: GenerationService
let host: WebHost

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigma-webhost-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>')
  studio = await Studio.start({ libraryDir: null, workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: dir, defaultModel: 'fake', fake: { callMs: 1 } })
  service = studio.service
  host = await startWebHost({ api: studio, rendererDir: dir })
})
afterAll(async () => {
  await host?.close()
  await studio?.close()
  rmSync(dir, { recursive: true, force: true })
})

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port: host.port, path, headers: { host: `127.0.0.1:${host.port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', fail)
    req.end()
  })
}

/** Tries a WebSocket upgrade; resolves with the open socket or the HTTP status it was refused with. */
function connect(opts: { origin?: string; token?: string | null; host?: string }): Promise<{ ws?: WebSocket; status?: number }> {
  const protocols = [WS_PROTOCOL, ...(opts.token === null ? [] : [WS_TOKEN_PREFIX + (opts.token ?? host.token)])]
  const headers: Record<string, string> = {}
  if (opts.host) headers.host = opts.host
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${WS_PATH}`, protocols, { origin: opts.origin ?? host.origin, headers })
  return new Promise((ok) => {
    ws.on('open', () => ok({ ws }))
    ws.on('unexpected-response', (_req, res) => ok({ status: res.statusCode }))
    ws.on('error', () => ok({ status: -1 }))
  })
}

describe('web host security', () => {
  it('binds to 127.0.0.1 and prints a URL with a 32-byte token in the fragment', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/#token=[0-9a-f]{64}$`))
  })

  it('serves static files with a strict CSP', async () => {
    const r = await get('/')
    expect(r.status).toBe(200)
    expect(String(r.headers['content-security-policy'])).toMatch(/default-src 'self'.*frame-ancestors 'none'/)
  })

  it('refuses DNS-rebinding Host values and foreign origins on HTTP', async () => {
    expect((await get('/', { host: `evil.example:${host.port}` })).status).toBe(421)
    expect((await get('/', { origin: 'http://evil.example' })).status).toBe(403)
  })

  it('requires the token on HTTP API routes', async () => {
    expect((await get('/api/results/r1')).status).toBe(401)
    expect((await get('/api/results/r1', { authorization: 'Bearer nope' })).status).toBe(401)
    expect((await get('/api/results/r1', { authorization: `Bearer ${host.token}` })).status).toBe(404)
  })

  it('refuses WebSocket connections without the token, with a wrong token, origin or Host', async () => {
    expect((await connect({ token: null })).status).toBe(401)
    expect((await connect({ token: 'f'.repeat(64) })).status).toBe(401)
    expect((await connect({ origin: 'http://evil.example' })).status).toBe(403)
    expect((await connect({ origin: `http://127.0.0.1:${host.port + 1}` })).status).toBe(403)
    expect((await connect({ host: `attacker.test:${host.port}` })).status).toBe(421)
  })

  it('accepts the right token and origin, answers calls, validates payloads and streams events', async () => {
    const { ws } = await connect({})
    expect(ws).toBeDefined()
    const inbox: WireFromHost[] = []
    ws!.on('message', (d) => inbox.push(decodeWire(d.toString()) as WireFromHost))
    const waitFor = async (pred: (m: WireFromHost) => boolean): Promise<WireFromHost> => {
      for (let i = 0; i < 500; i++) {
        const m = inbox.find(pred)
        if (m) return m
        await new Promise((r) => setTimeout(r, 10))
      }
      throw new Error('timed out waiting for a message')
    }
    ws!.send(encodeWire({ id: 1, call: 'studio:generate', payload: { params: { steps: 0 } } }))
    const bad = await waitFor((m) => 'id' in m && m.id === 1)
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request', field: 'params.steps' } })
    ws!.send(encodeWire({ id: 2, call: 'studio:shell:exec', payload: {} }))
    expect(await waitFor((m) => 'id' in m && m.id === 2)).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    ws!.send(encodeWire({ id: 3, call: 'studio:generate', payload: { params: { prompt: 'x', steps: 3, width: 64, height: 64 } } }))
    await waitFor((m) => 'id' in m && m.id === 3 && m.ok)
    const result = (await waitFor((m) => 'event' in m && m.event === 'studio:result')) as { payload: { resultId: string } }
    const preview = (await waitFor((m) => 'event' in m && m.event === 'studio:preview')) as { payload: { data: Uint8Array } }
    expect(preview.payload.data).toBeInstanceOf(Uint8Array)
    const png = await get(`/api/results/${result.payload.resultId}`, { authorization: `Bearer ${host.token}` })
    expect(png.status).toBe(200)
    expect(png.headers['content-type']).toBe('image/png')
    ws!.close()
  })
})
