/**
 * The gallery's reference metrics and score_optimal calibration end to end in Debian Chromium, against
 * the local web host and the committed sd1-tiny fixture (library on, so calibrations are cached where
 * the app keeps them): a grid with "compare against a reference" labels deterministic cells with
 * "RMSE … · PSNR … dB" and the ancestral sampler's cells as not comparable, each cell with its own
 * model-call count; score_optimal cells first say they used the built-in fallback, "Calibrate
 * score_optimal" shows its progress and completion, and the next run's score_optimal cells say they
 * used the calibrated profile; a calibration waiting behind a grid is named as such in the Generate
 * view's queue and can be removed there. Screenshot: e2e-output/gallery-reference.png.
 *
 * sd1-tiny is a tiny random model: the default calibration (8 trajectories, about 2,400 model calls)
 * takes about a second, so the test uses the UI's own defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable, launchChromium } from './chromium'
import { startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath } from './paths'
import { openStudio } from './studio-page'

const SAMPLERS = ['euler', 'dpmpp_2m', 'euler_ancestral']
const SCHEDULES = ['karras', 'score_optimal']
const STEPS = [4, 8]
const CELLS = SAMPLERS.length * SCHEDULES.length * STEPS.length

describe('gallery reference metrics and score_optimal calibration in Chromium', () => {
  let fx: FixtureHost
  beforeAll(async () => {
    fx = await startFixtureHost({ library: true })
  })
  afterAll(async () => fx?.close())

  it.skipIf(!chromiumAvailable())('measures cells against a reference, calibrates score_optimal and uses the profile', async () => {
    const browser = await launchChromium()
    try {
      const { page, errors, view: gallery } = await openStudio(browser, fx.host.url, { tab: 'Gallery' })

      const ticked = gallery.locator('input[data-sampler]:checked, input[data-schedule]:checked')
      while ((await ticked.count()) > 0) await ticked.first().uncheck()
      for (const id of SAMPLERS) await gallery.locator(`input[data-sampler="${id}"]`).check()
      for (const id of SCHEDULES) await gallery.locator(`input[data-schedule="${id}"]`).check()
      await gallery.getByLabel('Model').selectOption('sd1-tiny')
      await gallery.getByLabel('Steps (list)').fill(STEPS.join(', '))
      await gallery.getByLabel('compare against a reference').check()
      await expect.poll(() => gallery.locator('.plan').last().textContent()).toContain(`${CELLS} cells`)

      const cells = gallery.locator('figure.gallery-cell')
      const cell = (sampler: string, schedule: string, steps: number) => cells.and(gallery.locator(`[data-sampler="${sampler}"][data-schedule="${schedule}"][data-steps="${steps}"]`))
      const run = async (): Promise<void> => {
        await gallery.getByRole('button', { name: 'Run gallery' }).click()
        await expect.poll(() => cells.count()).toBe(CELLS)
        const before = await gallery.locator('.gallery-grid').boundingBox()
        await expect.poll(() => gallery.locator('figure.gallery-cell[data-status="done"] img').count(), { timeout: 60_000 }).toBe(CELLS)
        // The metric and profile lines were kept free from the start: the grid did not grow as results came.
        expect((await gallery.locator('.gallery-grid').boundingBox())?.height).toBe(before?.height)
        // The grid's own status line (the calibration control has a status of its own).
        await expect.poll(() => gallery.locator('p.progress').textContent()).toContain(`Completed: ${CELLS}/${CELLS} cells done`)
      }

      // The calibration control appears with score_optimal ticked; this model has no profile yet.
      const calibration = gallery.getByLabel('score_optimal calibration')
      await expect.poll(() => calibration.getByRole('status').textContent()).toMatch(/^Not calibrated/)

      await run()
      for (const sampler of SAMPLERS)
        for (const schedule of SCHEDULES)
          for (const n of STEPS) {
            const c = cell(sampler, schedule, n)
            // Each cell reports its own UNet runs (one per step for these samplers), batched or not.
            expect(await c.locator('.meta').textContent()).toMatch(new RegExp(`^\\d+\\.\\d\\d s · ${n} calls$`))
            const metrics = await c.locator('.metrics').textContent()
            if (sampler === 'euler_ancestral') expect(metrics).toBe('not comparable (stochastic)')
            else expect(metrics).toMatch(/^RMSE \d[\d.e+-]* · PSNR (\d+\.\d dB|∞)( †)?$/)
            if (schedule === 'score_optimal') expect(await c.locator('.profile').textContent()).toBe('score_optimal: fallback')
            else expect(await c.locator('.profile').count()).toBe(0)
          }
      // The hover texts explain the short labels.
      expect(await cell('euler', 'karras', 4).locator('.meta').getAttribute('title')).toMatch(/4 model runs .* \(the reference solve is not included\)/)
      expect(await cell('euler_ancestral', 'karras', 4).locator('.metrics').getAttribute('title')).toMatch(/^Not measured against the reference: .*ancestral/)

      // Calibrate: a page-side observer records every status text, so the (fast) progress is seen.
      // (This file is type-checked without the DOM library, hence the typed globalThis.)
      type PageGlobals = { calibrationSeen: string[]; MutationObserver: new (cb: () => void) => { observe(el: unknown, opts: object): void } }
      await calibration.getByRole('status').evaluate((el) => {
        const g = globalThis as unknown as PageGlobals
        const seen: string[] = (g.calibrationSeen = [])
        new g.MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true })
      })
      await calibration.getByRole('button', { name: 'Calibrate score_optimal' }).click()
      await expect.poll(() => calibration.getByRole('status').textContent(), { timeout: 60_000 }).toMatch(/^Calibrated: score_optimal now uses this model's own profile/)
      const seen = await page.evaluate(() => (globalThis as unknown as PageGlobals).calibrationSeen)
      expect(seen.some((t) => /^Calibrating… \d+%/.test(t))).toBe(true)
      expect(await calibration.getByRole('button', { name: 'Calibrate score_optimal' }).isEnabled()).toBe(true)

      // The next run's score_optimal cells were cut from the calibrated profile.
      await run()
      for (const sampler of SAMPLERS)
        for (const n of STEPS) {
          const profile = cell(sampler, 'score_optimal', n).locator('.profile')
          expect(await profile.textContent()).toBe('score_optimal: calibrated')
          // The gallery form starts from the contract default CFG (7), which the calibration used.
          expect(await profile.getAttribute('title')).toMatch(/calibrated profile [0-9a-f]+ \(calibrated at CFG 7, 64x64\)/)
        }
      await page.screenshot({ path: outputPath('gallery-reference.png'), fullPage: true })
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })

  it.skipIf(!chromiumAvailable())('names a calibration waiting in the queue, which can be removed from there', async () => {
    const browser = await launchChromium()
    try {
      const { page, view: gallery } = await openStudio(browser, fx.host.url, { tab: 'Gallery' })
      await gallery.locator('input[data-schedule="score_optimal"]').check()
      await gallery.getByLabel('Model').selectOption('sd1-tiny')
      // Long enough that the grid is surely still running while the calibration waits behind it and is
      // removed: sd1-tiny is so small that 6 cells of 1000 steps take only seconds on an idle machine.
      // The test cancels the grid at the end, so its length costs nothing.
      await gallery.getByLabel('Steps (list)').fill('1000, 999, 998, 997, 996, 995')
      await gallery.getByLabel('Size').selectOption('512x512')
      await gallery.getByRole('button', { name: 'Run gallery' }).click()
      await gallery.locator('figure.gallery-cell[data-status="running"]').first().waitFor({ timeout: 30_000 })
      const calibration = gallery.getByLabel('score_optimal calibration')
      await calibration.getByRole('button', { name: 'Calibrate score_optimal' }).click()
      await expect.poll(() => calibration.getByRole('status').textContent()).toMatch(/^Calibrating… 0%/)

      await page.getByRole('button', { name: 'Generate', exact: true }).click()
      const queue = page.getByRole('region', { name: 'Queue' })
      const item = queue.getByRole('listitem').filter({ hasText: 'Calibrating score_optimal for sd1-tiny' })
      await item.waitFor({ timeout: 10_000 })
      await item.getByRole('button', { name: 'Remove' }).click()
      // The calibration leaves the queue; the queue itself stays, naming the gallery job running now.
      await item.waitFor({ state: 'detached' })
      await expect.poll(() => queue.locator('.running-other').textContent()).toMatch(/Running now: .* · 36 images/)

      // The gallery followed the calibration while another view was shown.
      await page.getByRole('button', { name: 'Gallery', exact: true }).click()
      await expect.poll(() => calibration.getByRole('status').textContent()).toBe('Calibration cancelled.')
      await gallery.getByRole('button', { name: 'Cancel' }).click()
      await expect.poll(() => gallery.locator('p.progress').textContent(), { timeout: 30_000 }).toMatch(/^Cancelled: /)
    } finally {
      await browser.close()
    }
  })
})
