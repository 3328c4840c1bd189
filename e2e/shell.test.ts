/** The built renderer loads in Debian Chromium and shows the catalogue. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SAMPLERS } from '../src/shared/catalogue'
import { launchChromium } from './chromium'
import { OUT, outputPath } from './paths'
import { serveStatic } from '../src/main/web/static-files'

describe('renderer shell in Chromium', () => {
  let server: Awaited<ReturnType<typeof serveStatic>>
  beforeAll(async () => {
    if (!existsSync(join(OUT, 'renderer/index.html'))) throw new Error('out/renderer is missing: run "npm run build" first')
    server = await serveStatic(join(OUT, 'renderer'))
  })
  afterAll(async () => server?.close())

  it('renders every sampler of the catalogue', async () => {
    const browser = await launchChromium()
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(server.url)
      await page.getByRole('heading', { name: 'Sigma Studio' }).waitFor()
      expect(await page.locator('[data-sampler]').count()).toBe(SAMPLERS.length)
      await page.screenshot({ path: outputPath('shell.png') })
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
