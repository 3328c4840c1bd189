/**
 * Launches the real Electron app where an Electron binary exists. On machines where Electron's
 * install script could not download its binary (no network to its host), the test is skipped and says so.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { _electron as electron } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { EVENT_NAMES } from '../src/shared/api'
import { INVOKE_NAMES } from '../src/shared/api-validators'
import { OUT, ROOT, outputPath } from './paths'

function electronBinary(): string | undefined {
  const pathFile = join(ROOT, 'node_modules/electron/path.txt')
  if (!existsSync(pathFile)) return undefined
  const bin = join(ROOT, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(bin) ? bin : undefined
}

const bin = electronBinary()
const reason = 'skipped: no Electron binary in node_modules/electron/dist (its install script did not run or could not download it)'

describe(bin ? 'Electron app' : `Electron app (${reason})`, () => {
  it.skipIf(!bin)('opens a sandboxed window that shows the studio', async () => {
    const app = await electron.launch({ executablePath: bin!, args: [join(OUT, 'main/index.js')] })
    try {
      const win = await app.firstWindow()
      await win.getByRole('heading', { name: 'Sigma Studio' }).waitFor()
      // The renderer must not see Node.
      expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined')
      // The preload exposes exactly the typed API: one method per call, one subscription per event.
      const surface = await win.evaluate(() => {
        const s = (globalThis as unknown as { studio: { host: string; invoke: object; events: object } }).studio
        return { host: s.host, keys: Object.keys(s).sort(), invoke: Object.keys(s.invoke).sort(), events: Object.keys(s.events).sort() }
      })
      expect(surface).toEqual({ host: 'electron', keys: ['events', 'host', 'invoke'], invoke: [...INVOKE_NAMES].sort(), events: [...EVENT_NAMES].sort() })
      const listed = await win.evaluate(() =>
        (globalThis as unknown as { studio: { invoke: Record<string, (p: unknown) => Promise<{ ok: boolean }>> } }).studio.invoke['studio:models:list']({})
      )
      expect(listed.ok).toBe(true)
      // A payload that fails validation comes back as a structured error, not a crash.
      const bad = await win.evaluate(() =>
        (globalThis as unknown as { studio: { invoke: Record<string, (p: unknown) => Promise<unknown>> } }).studio.invoke['studio:cancel']({ jobId: '../etc' })
      )
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request', field: 'jobId' } })
      await win.screenshot({ path: outputPath('electron.png') })
    } finally {
      await app.close()
    }
  })
})
if (!bin) console.log(`[e2e] Electron test ${reason}`)
