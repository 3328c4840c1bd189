/**
 * The sampler gallery and A/B compare end to end in Debian Chromium against the local web host and
 * the committed sd1-tiny fixture model: a 2 samplers x 2 schedules grid runs as one job and fills in
 * cell by cell, a result opens large, two results are picked as A and B, and the compare view shows
 * a finite mean absolute difference. Screenshots: e2e-output/gallery.png, e2e-output/compare.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebHost } from '../src/main/web/host'
import { chromiumAvailable, launchChromium } from './chromium'
import { startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath } from './paths'
import { openStudio } from './studio-page'

const SAMPLERS = ['euler', 'dpmpp_2m']
const SCHEDULES = ['karras', 'normal']
const STEPS = 6
const CELLS = SAMPLERS.length * SCHEDULES.length

describe('gallery and compare in Chromium', () => {
  let fx: FixtureHost
  let host: WebHost
  beforeAll(async () => {
    fx = await startFixtureHost()
    host = fx.host
  })
  afterAll(async () => fx?.close())

  it.skipIf(!chromiumAvailable())('runs a sampler x schedule grid, opens a result large and compares two results', async () => {
    const browser = await launchChromium()
    try {
      const { page, errors, view: gallery } = await openStudio(browser, host.url, { tab: 'Gallery' })

      // Exactly the samplers and schedules under test.
      const ticked = gallery.locator('input[data-sampler]:checked, input[data-schedule]:checked')
      while ((await ticked.count()) > 0) await ticked.first().uncheck()
      for (const id of SAMPLERS) await gallery.locator(`input[data-sampler="${id}"]`).check()
      for (const id of SCHEDULES) await gallery.locator(`input[data-schedule="${id}"]`).check()
      await gallery.getByLabel('Model').selectOption('sd1-tiny')
      await gallery.getByRole('textbox', { name: /^Prompt/ }).fill('a small red fox, studio light')
      await gallery.getByLabel('Steps (list)').fill(String(STEPS))
      await expect.poll(() => gallery.locator('.plan').textContent()).toContain(`${CELLS} cells`)
      await gallery.getByRole('button', { name: 'Run gallery' }).click()

      const cells = gallery.locator('figure.gallery-cell')
      await expect.poll(() => cells.count()).toBe(CELLS)
      await expect.poll(() => gallery.locator('figure.gallery-cell[data-status="done"] img').count(), { timeout: 60_000 }).toBe(CELLS)
      await expect.poll(() => gallery.getByRole('status').textContent()).toContain(`Completed: ${CELLS}/${CELLS} cells done`)
      // Live previews were drawn into the cells' canvases while they ran.
      expect(await cells.locator('canvas[data-step]').count()).toBeGreaterThanOrEqual(1)
      // Every cell is labelled with its time and model-call count.
      for (const meta of await cells.locator('.meta').allTextContents()) expect(meta).toMatch(/^\d+\.\d\d s · \d+ calls$/)
      // Rows are samplers, columns schedules x steps, both in catalogue order.
      expect(await gallery.locator('.row-head').allTextContents()).toEqual(['Euler', 'DPM++ 2M'])
      expect(await gallery.locator('.col-head').allTextContents()).toEqual([`Normal · ${STEPS} steps`, `Karras · ${STEPS} steps`])

      // Open one large; Esc closes it.
      await cells.nth(0).getByRole('button', { name: /^Show large/ }).click()
      const overlay = page.getByRole('dialog', { name: /Large view: Euler \/ Normal/ })
      await overlay.waitFor()
      await page.keyboard.press('Escape')
      await overlay.waitFor({ state: 'detached' })

      // Pick A and B.
      await cells.nth(0).getByRole('button', { name: 'A', exact: true }).click()
      await cells.nth(3).getByRole('button', { name: 'B', exact: true }).click()
      await page.screenshot({ path: outputPath('gallery.png') })

      await page.getByRole('button', { name: 'Compare', exact: true }).click()
      const compare = page.getByRole('region', { name: 'Compare' })
      await compare.waitFor()
      const mean = compare.getByLabel('Mean absolute difference', { exact: true })
      await expect.poll(() => mean.getAttribute('data-value')).not.toBe('')
      const value = Number(await mean.textContent())
      expect(Number.isFinite(value)).toBe(true)
      expect(value).toBeGreaterThanOrEqual(0)
      expect(value).toBeLessThanOrEqual(255)
      // Drag the divider to a quarter of the way across.
      const box = compare.getByLabel('Slider overlay: A left of the divider, B right')
      const r = await box.boundingBox()
      if (!r) throw new Error('the slider overlay has no box')
      await page.mouse.move(r.x + r.width / 2, r.y + r.height / 2)
      await page.mouse.down()
      await page.mouse.move(r.x + r.width / 4, r.y + r.height / 2, { steps: 4 })
      await page.mouse.up()
      expect(Number(await compare.getByRole('slider', { name: 'Divider' }).getAttribute('aria-valuenow'))).toBe(25)
      await page.screenshot({ path: outputPath('compare.png') })
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })

  it.skipIf(!chromiumAvailable())('cancels a running grid and marks the unfinished cells', async () => {
    const browser = await launchChromium()
    try {
      const { view: gallery } = await openStudio(browser, host.url, { tab: 'Gallery' })
      for (const id of ['euler', 'heun', 'dpmpp_2m']) await gallery.locator(`input[data-sampler="${id}"]`).check()
      for (const id of ['karras', 'normal', 'exponential']) await gallery.locator(`input[data-schedule="${id}"]`).check()
      // Large and long enough that the tiny fixture model is still busy when Cancel is clicked.
      await gallery.getByLabel('Steps (list)').fill('150')
      await gallery.getByLabel('Size').selectOption('512x512')
      await gallery.getByRole('button', { name: 'Run gallery' }).click()
      // Cells of a grid may run batched (together), so cancel as soon as one is under way.
      await gallery.locator('figure.gallery-cell[data-status="running"]').first().waitFor({ timeout: 30_000 })
      await gallery.getByRole('button', { name: 'Cancel' }).click()
      await expect.poll(() => gallery.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/^Cancelled: \d+\/9 cells done/)
      expect(await gallery.locator('figure.gallery-cell[data-status="cancelled"]').count()).toBeGreaterThanOrEqual(1)
      expect(await gallery.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true)
    } finally {
      await browser.close()
    }
  })
})
