/**
 * A guidance sweep end to end in Debian Chromium against the local web host, the committed sd1-tiny
 * fixture model and a real (temporary) library: a 3x3 CFG x steps sweep runs as one job and fills in
 * cell by cell, a cell opens large and is picked for compare, the grid exports as one labelled PNG
 * (saved in the library's exports folder and offered as a download), and the library holds the nine
 * cells as one sweep group with both axes. Screenshots: e2e-output/sweep.png, and the exported grid as
 * e2e-output/sweep-grid.png.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable, launchChromium } from './chromium'
import { startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath } from './paths'
import { openStudio } from './studio-page'

const CFG = [1, 4, 7]
const STEPS = [2, 4, 6]
const CELLS = CFG.length * STEPS.length

describe('guidance sweep in Chromium', () => {
  let fx: FixtureHost
  beforeAll(async () => {
    fx = await startFixtureHost({ library: true })
  })
  afterAll(async () => fx?.close())

  it.skipIf(!chromiumAvailable())('runs a 3x3 CFG x steps sweep, exports the grid PNG and keeps the cells as one library group', async () => {
    const browser = await launchChromium()
    try {
      const { page, errors, view: sweep } = await openStudio(browser, fx.host.url, { tab: 'Sweep' })

      await sweep.getByLabel('X axis parameter').selectOption('cfg')
      await sweep.getByLabel('X axis values').fill('1, 4, 7')
      await sweep.getByLabel('Y axis parameter').selectOption('steps')
      // A range, to walk the range syntax too: 2, 4, 6.
      await sweep.getByLabel('Y axis values').fill('2-6 (+2)')
      await expect.poll(() => sweep.locator('[data-axis="y"] .axis-feedback').textContent()).toBe('3 values: 2, 4, 6')
      // A bad token is reported under the field and blocks the run, naming the axis and the token.
      await sweep.getByLabel('X axis values').fill('1, four, 7')
      await expect.poll(() => sweep.locator('[data-axis="x"] .axis-feedback').textContent()).toMatch(/^X axis: "four" is not a number/)
      expect(await sweep.getByRole('button', { name: 'Run sweep' }).isDisabled()).toBe(true)
      await sweep.getByLabel('X axis values').fill('1, 4, 7')
      await expect.poll(() => sweep.locator('[data-axis="x"] .axis-feedback').textContent()).toBe('3 values: 1, 4, 7')

      await sweep.getByLabel('Model', { exact: true }).selectOption('sd1-tiny')
      await sweep.getByRole('textbox', { name: 'Prompt', exact: true }).fill('a small red fox, studio light')
      await expect.poll(() => sweep.getByLabel('Planned cells').textContent()).toBe(`${CELLS} cells`)
      // The swept base fields say so.
      expect(await sweep.getByLabel('CFG (swept)').isDisabled()).toBe(true)
      await sweep.getByRole('button', { name: 'Run sweep' }).click()

      const cells = sweep.locator('figure.sweep-cell')
      await expect.poll(() => cells.count()).toBe(CELLS)
      await expect.poll(() => sweep.locator('figure.sweep-cell[data-status="done"] img').count(), { timeout: 90_000 }).toBe(CELLS)
      await expect.poll(() => sweep.getByRole('status').first().textContent()).toContain(`Completed: ${CELLS}/${CELLS} cells done`)
      // Live previews were drawn into the cells while they ran.
      expect(await cells.locator('canvas[data-step]').count()).toBeGreaterThanOrEqual(1)
      for (const meta of await cells.locator('.meta').allTextContents()) expect(meta).toMatch(/^\d+\.\d\d s · \d+ calls$/)
      // Columns are the X values, rows the Y values.
      expect(await sweep.locator('.col-head').allTextContents()).toEqual(['1', '4', '7'])
      expect(await sweep.locator('.row-head').allTextContents()).toEqual(['2', '4', '6'])
      expect(await cells.nth(5).getAttribute('aria-label')).toBe('Steps 4 · CFG scale 7')

      // Open one large; Esc closes it.
      await cells.nth(4).getByRole('button', { name: /^Show large/ }).click()
      const overlay = page.getByRole('dialog', { name: 'Large view: Steps 4 · CFG scale 4' })
      await overlay.waitFor()
      await page.keyboard.press('Escape')
      await overlay.waitFor({ state: 'detached' })
      // Pick two cells for compare.
      await cells.nth(0).getByRole('button', { name: 'A', exact: true }).click()
      await cells.nth(8).getByRole('button', { name: 'B', exact: true }).click()
      expect(await cells.nth(8).getByRole('button', { name: 'B', exact: true }).getAttribute('aria-pressed')).toBe('true')

      // Export the grid: a download link plus where it was saved.
      await sweep.getByRole('button', { name: 'Export grid PNG' }).click()
      const link = sweep.getByRole('link', { name: /^Download sweep-.*\.png$/ })
      await link.waitFor({ timeout: 30_000 })
      const width = Number(await link.getAttribute('data-width'))
      const height = Number(await link.getAttribute('data-height'))
      const where = (await sweep.getByRole('status', { name: 'Export' }).textContent()) ?? ''
      const saved = /saved to (.+\.png)$/.exec(where)?.[1]
      expect(saved, where).toBeTruthy()
      expect(dirname(saved!)).toBe(`${fx.library!.dir}/exports`)
      expect(existsSync(saved!)).toBe(true)
      const meta = await sharp(saved!).metadata()
      expect([meta.width, meta.height]).toEqual([width, height])
      // 64 px cells enlarged to 256 px, three by three, plus labels and margins.
      expect(width).toBeGreaterThan(3 * 256)
      expect(height).toBeGreaterThan(3 * 256)
      expect(width).toBeLessThan(3 * 256 + 400)
      // The link downloads the same bytes as the saved file.
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
      expect(download.suggestedFilename()).toBe(basename(saved!))
      expect(readFileSync((await download.path())!).equals(readFileSync(saved!))).toBe(true)
      copyFileSync(saved!, outputPath('sweep-grid.png'))

      // The library holds the nine cells as one sweep group with both axes, in grid order.
      const groups = fx.library!.listGroups()
      expect(groups).toHaveLength(1)
      expect(groups[0]).toMatchObject({
        kind: 'sweep',
        axes: [
          { name: 'steps', values: STEPS },
          { name: 'cfg', values: CFG }
        ]
      })
      const group = fx.library!.groupCells(groups[0].id)
      expect(group.cells).toHaveLength(CELLS)
      expect(group.cells.map((c) => c.values)).toEqual(STEPS.flatMap((steps) => CFG.map((cfg) => ({ steps, cfg }))))
      expect(group.cells.every((c) => c.entry.params.prompt === 'a small red fox, studio light')).toBe(true)

      // Picking the last row's B scrolled the grid; show it from the top for the screenshot.
      await sweep.locator('.sweep-scroll').evaluate((el) => el.scrollTo(0, 0))
      await page.screenshot({ path: outputPath('sweep.png') })
      await page.setViewportSize({ width: 1920, height: 1080 })
      await page.screenshot({ path: outputPath('sweep-1920.png') })
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })

  it.skipIf(!chromiumAvailable())('cancels a running sweep and marks the unfinished cells', async () => {
    const browser = await launchChromium()
    try {
      const { view: sweep } = await openStudio(browser, fx.host.url, { tab: 'Sweep' })
      await sweep.getByLabel('X axis parameter').selectOption('seed')
      await sweep.getByLabel('X axis values').fill('1-3')
      await sweep.getByLabel('Y axis parameter').selectOption('')
      // Large and long enough that the tiny fixture model is still busy when Cancel is clicked (it makes
      // 150 steps at 512x512 in about a second on an idle machine).
      await sweep.getByLabel('Steps', { exact: true }).fill('1000')
      await sweep.getByLabel('Width').fill('512')
      await sweep.getByLabel('Height').fill('512')
      await expect.poll(() => sweep.getByLabel('Planned cells').textContent()).toBe('3 cells')
      await sweep.getByRole('button', { name: 'Run sweep' }).click()
      await sweep.locator('figure.sweep-cell[data-status="running"]').first().waitFor({ timeout: 30_000 })
      await sweep.getByRole('button', { name: 'Cancel' }).click()
      await expect.poll(() => sweep.getByRole('status').first().textContent(), { timeout: 30_000 }).toMatch(/^Cancelled: \d\/3 cells done/)
      expect(await sweep.locator('figure.sweep-cell[data-status="cancelled"]').count()).toBeGreaterThanOrEqual(1)
      // A single-row sweep labels its columns with the axis name.
      expect(await sweep.locator('.col-head').allTextContents()).toEqual(['Seed 1', 'Seed 2', 'Seed 3'])
      expect(await sweep.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true)
    } finally {
      await browser.close()
    }
  })
})
