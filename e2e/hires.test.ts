/**
 * The Hires fix section of the Generate view, end to end in Debian Chromium against the web host and the
 * sd1-tiny fixture in the real worker: collapsed by default, it shows the final size before anything runs,
 * explains a size off the model's step, and a job with it on runs both passes and returns a picture at the
 * hires size whose params carry the hires settings.
 */
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResultEvent } from '../src/shared/api'
import { chromiumAvailable, launchChromium } from './chromium'
import { startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath } from './paths'
import { openStudio } from './studio-page'

describe.skipIf(!chromiumAvailable())('hires fix in the generate view (Chromium)', () => {
  let fx: FixtureHost
  let browser: Browser
  const results: ResultEvent[] = []
  const errors: string[] = []

  beforeAll(async () => {
    fx = await startFixtureHost({})
    fx.service.on('studio:result', (r) => results.push(r))
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await fx?.close()
  })

  async function open(): Promise<Page> {
    const { page } = await openStudio(browser, fx.host.url, { viewport: { width: 1280, height: 800 }, errors })
    await page.getByRole('region', { name: 'Generate' }).waitFor()
    return page
  }

  it('shows the final size, refuses an off-step size, and runs both passes to the hires size', async () => {
    const page = await open()
    try {
      await page.getByLabel('Model').selectOption('sd1-tiny')
      await page.getByLabel('Prompt', { exact: true }).fill('a red apple')
      await page.getByLabel('Steps', { exact: true }).fill('4')
      await page.getByLabel('Width', { exact: true }).fill('64')
      await page.getByLabel('Height', { exact: true }).fill('64')
      // Collapsed: no hires field is on the page.
      expect(await page.getByLabel('Hires steps', { exact: true }).count()).toBe(0)
      await page.getByText('Hires fix', { exact: true }).click()
      await page.getByLabel('Upscale and refine in a second pass').check()
      await page.getByLabel('Hires steps', { exact: true }).fill('2')
      await page.getByLabel('Upscaler', { exact: true }).selectOption('Latent (bicubic)')
      await page.getByLabel('Resize width to', { exact: true }).fill('100')
      await expect.poll(() => page.getByText(/is not a multiple of this model's/).textContent()).toMatch(/^100 is not a multiple of this model's 8 px step; use 96 or 104\.$/)
      await page.getByLabel('Resize width to', { exact: true }).fill('0')
      await page.getByLabel('Upscale by', { exact: true }).fill('2')
      await expect.poll(() => page.getByText(/^Final size/).textContent()).toBe('Final size from 64×64 to 128×128; 4 + 2 steps.')
      expect(await page.locator('.hires summary').textContent()).toBe('Hires fix: from 64×64 to 128×128')

      results.length = 0
      await page.getByRole('region', { name: 'Generate' }).getByRole('button', { name: 'Generate' }).click()
      await expect.poll(() => results.length, { timeout: 60_000 }).toBe(1)
      const r = results[0]
      expect(r.params.hires).toMatchObject({ scale: 2, steps: 2, upscaler: 'Latent (bicubic)', denoise: 0.7 })
      const png = await fx.service.sink.read(r.resultId)
      const meta = await sharp(png!).metadata()
      expect([meta.width, meta.height]).toEqual([128, 128])
      await page.getByRole('img', { name: 'Generated image' }).waitFor()
      await page.screenshot({ path: outputPath('hires.png') })
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })
})
