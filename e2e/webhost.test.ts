/**
 * The local web host end to end in Debian Chromium: the page opened with the printed URL connects over
 * the token-protected WebSocket, generates with a real ONNX model (the committed sd1-tiny fixture) in
 * the real worker, keeps the result in a (temporary) library and shows preview frames as they arrive
 * and the final image read back from it; and a page from another
 * local origin cannot drive it, even with the token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebHost } from '../src/main/web/host'
import { serveStatic } from '../src/main/web/static-files'
import { chromiumAvailable, launchChromium } from './chromium'
import { startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath } from './paths'
import { openStudio } from './studio-page'

const STEPS = 16

describe('web host in Chromium', () => {
  let fx: FixtureHost
  let host: WebHost
  beforeAll(async () => {
    fx = await startFixtureHost({ library: true })
    host = fx.host
  })
  afterAll(async () => fx?.close())

  it.skipIf(!chromiumAvailable())('generates with live previews and shows the result', async () => {
    const browser = await launchChromium()
    try {
      const viewport = { width: 1280, height: 900 }
      // Without the token the page is not connected and says how to get connected.
      const { page: unconnected, errors } = await openStudio(browser, host.origin + '/', { viewport })
      await unconnected.getByRole('button', { name: 'Generate' }).click()
      await unconnected.getByRole('alert').filter({ hasText: 'not connected' }).waitFor()

      await unconnected.close()
      const { page } = await openStudio(browser, host.url, { viewport, errors })
      const panel = page.getByRole('region', { name: 'Generate' })
      await panel.waitFor()
      expect(page.url()).not.toContain('token=') // the token left the address bar
      await page.getByLabel('Model').selectOption('sd1-tiny')
      await page.getByLabel('Prompt', { exact: true }).fill('a small red fox, studio light')
      await page.getByLabel('Sampler').selectOption('dpmpp_2m')
      await page.getByLabel('Steps').fill(String(STEPS))
      await panel.getByRole('button', { name: 'Generate' }).click()

      const result = page.getByRole('img', { name: 'Generated image' })
      await result.waitFor({ timeout: 30_000 })
      const canvas = page.getByLabel('Preview of the image being generated')
      const received = Number(await canvas.getAttribute('data-received'))
      const drawn = Number(await canvas.getAttribute('data-frames'))
      expect(received).toBe(STEPS)
      expect(drawn).toBeGreaterThanOrEqual(1)
      await expect.poll(() => page.getByRole('status').textContent()).toMatch(new RegExp(`Done: ${STEPS}/${STEPS}`))
      // The progress bar ends full, and the result says which seed made it.
      const bar = page.getByRole('progressbar', { name: 'Generation progress' })
      expect(await bar.getAttribute('aria-valuenow')).toBe(await bar.getAttribute('aria-valuemax'))
      expect(Number(await bar.getAttribute('aria-valuemax'))).toBe(STEPS)
      expect(await page.locator('figcaption', { hasText: 'Result' }).textContent()).toMatch(/seed 0 · 64×64/)
      const natural = await result.evaluate((img) => [(img as unknown as { naturalWidth: number }).naturalWidth, (img as unknown as { naturalHeight: number }).naturalHeight])
      expect(natural).toEqual([64, 64])
      await page.screenshot({ path: outputPath('webhost-generate.png') })
      expect(errors).toEqual([])
      // The image shown came from the library, where the result was kept with its prompt.
      expect(fx.library!.list({}).items).toHaveLength(1)
    } finally {
      await browser.close()
    }
  })

  it.skipIf(!chromiumAvailable())('refuses another local page, even one that knows the token', async () => {
    // A page served from another local port, as any local app or dev server could.
    const evilDir = mkdtempSync(join(tmpdir(), 'sigma-evil-'))
    writeFileSync(join(evilDir, 'index.html'), '<!doctype html><title>other page</title>')
    const evil = await serveStatic(evilDir)
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      await page.goto(evil.url)
      const outcome = await page.evaluate(
        async ({ port, token }) => {
          const ws = await new Promise<string>((ok) => {
            const s = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, ['sigma-studio.v1', `token.${token}`])
            s.onopen = () => ok('open')
            s.onerror = () => ok('refused')
          })
          const http = await fetch(`http://127.0.0.1:${port}/api/results/x`, { headers: { authorization: `Bearer ${token}` } }).then(
            (r) => `status ${r.status}`,
            () => 'blocked'
          )
          return { ws, http }
        },
        { port: host.port, token: host.token }
      )
      expect(outcome).toEqual({ ws: 'refused', http: 'blocked' })
    } finally {
      await browser.close()
      await evil.close()
      rmSync(evilDir, { recursive: true, force: true })
    }
  })
})
