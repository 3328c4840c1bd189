/**
 * Stopping the web host with Ctrl+C (SIGINT) or SIGTERM in the middle of a job on a real ONNX model —
 * also right after a failed job — shuts down in order: the job is cancelled, the worker releases its
 * sessions, the library closes, and the process exits 0 without a native abort; the library is
 * consistent afterwards.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { decodeWire, encodeWire, WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../shared/wire'
import { Library } from '../library/library'
import { FIXTURES_DIR } from '../models/test-fixtures'

const root = mkdtempSync(join(tmpdir(), 'sigma-shutdown-'))
writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>')
afterAll(() => rmSync(root, { recursive: true, force: true }))

async function runAndStop(signal: NodeJS.Signals, failFirst: boolean): Promise<{ code: number | null; stderr: string; library: string }> {
  const library = mkdtempSync(join(root, 'lib-'))
  rmSync(library, { recursive: true })
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('src/main/web/test-support/host-process.ts'), FIXTURES_DIR, 'sd1-tiny', library, root], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)))
  const ready = await new Promise<{ port: number; token: string; origin: string }>((ok, fail) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) ok(JSON.parse(line))
    })
    void exited.then((c) => fail(new Error(`host exited (${c}) before it was ready: ${stderr}`)))
  })
  const ws = new WebSocket(`ws://127.0.0.1:${ready.port}${WS_PATH}`, [WS_PROTOCOL, WS_TOKEN_PREFIX + ready.token], { origin: ready.origin })
  await new Promise<void>((ok, fail) => {
    ws.on('open', () => ok())
    ws.on('error', fail)
  })
  const events: Array<{ event?: string; payload?: { state?: string; jobId?: string } }> = []
  ws.on('message', (d) => events.push(decodeWire(d.toString()) as (typeof events)[number]))
  ws.on('error', () => undefined)
  const waitFor = async (pred: (e: (typeof events)[number]) => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 3000; i++) {
      if (events.some(pred)) return
      await new Promise((r) => setTimeout(r, 10))
    }
    throw new Error(`timed out waiting for ${what}; stderr: ${stderr}`)
  }
  const params = { prompt: 'a red fox', width: 64, height: 64, steps: 1000, cfg: 7 }
  if (failFirst) {
    // A job that fails inside the worker (a model folder that is not there), then the long one.
    ws.send(encodeWire({ id: 1, call: 'studio:generate', payload: { params: { ...params, steps: 2, model: 'no-such-model' } } }))
    await waitFor((e) => e.event === 'studio:job' && e.payload?.state === 'failed', 'the failed job')
  }
  ws.send(encodeWire({ id: 2, call: 'studio:generate', payload: { params } }))
  await waitFor((e) => e.event === 'studio:progress', 'the job to be under way')
  child.kill(signal)
  const code = await exited
  return { code, stderr, library }
}

describe('web host shutdown mid-job (real ONNX model)', () => {
  for (const [signal, failFirst] of [
    ['SIGINT', false],
    ['SIGTERM', false],
    ['SIGINT', true]
  ] as const) {
    it(`${signal}${failFirst ? ' after a failed job' : ''}: exits 0, no native abort, the library is consistent`, async () => {
      const r = await runAndStop(signal, failFirst)
      expect(r.stderr).not.toMatch(/terminate called|Napi::Error|Aborted|core dumped/)
      expect(r.code, r.stderr).toBe(0)
      const lib = Library.open(r.library, { readonly: true })
      try {
        const v = lib.verify()
        expect(v.tempFiles).toEqual([])
        expect(v.damaged).toEqual([])
        expect(v.missingFiles).toEqual([])
      } finally {
        lib.close()
      }
    }, 60_000)
  }
})
