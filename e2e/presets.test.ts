/**
 * The presets view end to end in Debian Chromium against the local web host and a temporary library:
 * save the Generate form as a preset (and see a bad name refused beside the name field), export it as
 * our JSON (a real download), as A1111 infotext and as a ComfyUI workflow, delete it, import the
 * downloaded file back, meet the name clash on a second import and keep both, rename one (a taken name
 * is refused beside the field), apply it to the Generate form, and import a malformed preset whose bad fields are listed by name. Screenshot:
 * e2e-output/presets.png.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable, launchChromium } from './chromium'
import { startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath } from './paths'
import { openStudio } from './studio-page'

async function download(page: Page, click: () => Promise<void>, dir: string): Promise<{ name: string; path: string; text: string }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()])
  const path = join(dir, d.suggestedFilename())
  await d.saveAs(path)
  return { name: d.suggestedFilename(), path, text: readFileSync(path, 'utf8') }
}

describe('presets in Chromium', () => {
  let fx: FixtureHost
  let dir: string
  beforeAll(async () => {
    fx = await startFixtureHost({ library: true })
    dir = mkdtempSync(join(tmpdir(), 'e2e-presets-'))
  })
  afterAll(async () => {
    await fx?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it.skipIf(!chromiumAvailable())('saves, exports, deletes, re-imports and applies a preset; shows field errors', async () => {
    const browser = await launchChromium()
    try {
      const { page, errors } = await openStudio(browser, fx.host.url)
      const gen = page.getByRole('region', { name: 'Generate' })
      await gen.getByLabel('Model').selectOption('sd1-tiny')
      await gen.getByLabel('Prompt', { exact: true }).fill('a lighthouse at dusk')
      await gen.getByLabel('Sampler').selectOption('dpmpp_2m')
      await gen.getByLabel('Steps').fill('24')

      await page.getByRole('button', { name: 'Presets', exact: true }).click()
      const presets = page.getByRole('region', { name: 'Presets' })
      const list = presets.getByRole('list', { name: 'Saved presets' })
      const name = presets.getByLabel('Preset name')

      // A name with a path separator is refused, with the reason beside the name field.
      await name.fill('coast/evening')
      await presets.getByRole('button', { name: 'Save preset' }).click()
      await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true')
      const describedBy = (await name.getAttribute('aria-describedby'))!
      expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/path separator/)

      await name.fill('Lighthouse')
      await presets.getByRole('button', { name: 'Save preset' }).click()
      await list.getByRole('listitem', { name: 'Lighthouse' }).waitFor()
      expect(await name.getAttribute('aria-invalid')).toBe('false')
      expect(await list.getByRole('listitem', { name: 'Lighthouse' }).textContent()).toMatch(/DPM\+\+ 2M · \w+ · 24 steps/)

      // Export in every format.
      const json = await download(page, () => list.getByRole('button', { name: 'Export Lighthouse as JSON' }).click(), dir)
      expect(json.name).toBe('Lighthouse.json')
      expect(JSON.parse(json.text)).toMatchObject({ format: 'sigma-studio-preset', name: 'Lighthouse', params: { prompt: 'a lighthouse at dusk', sampler: 'dpmpp_2m', steps: 24 } })
      const a1111 = await download(page, () => list.getByRole('button', { name: 'Export Lighthouse as A1111' }).click(), dir)
      expect(a1111.text).toMatch(/^a lighthouse at dusk\n.*Steps: 24, Sampler: DPM\+\+ 2M/s)
      const comfy = await download(page, () => list.getByRole('button', { name: 'Export Lighthouse as ComfyUI' }).click(), dir)
      expect(Object.values(JSON.parse(comfy.text)).some((n) => (n as { class_type: string; inputs: { steps?: number } }).class_type === 'KSampler')).toBe(true)

      // Delete it, then import the downloaded JSON back.
      await list.getByRole('button', { name: 'Delete Lighthouse' }).click()
      await list.getByRole('group', { name: 'Confirm deleting Lighthouse' }).getByRole('button', { name: 'Delete', exact: true }).click()
      await expect.poll(() => list.getByRole('listitem').count()).toBe(0)
      const file = presets.getByLabel('Preset file')
      await file.setInputFiles(json.path)
      await presets.getByRole('button', { name: 'Import', exact: true }).click()
      await list.getByRole('listitem', { name: 'Lighthouse' }).waitFor()
      await expect.poll(() => presets.getByRole('status').textContent()).toBe('Imported "Lighthouse".')

      // The same file again: a clash, never a silent overwrite; "Keep both" imports it under a new name.
      await file.setInputFiles(json.path)
      await presets.getByRole('button', { name: 'Import', exact: true }).click()
      const clash = presets.getByRole('alert').filter({ hasText: 'already exists' })
      await clash.waitFor()
      await clash.getByRole('button', { name: /Keep both/ }).click()
      await list.getByRole('listitem', { name: 'Lighthouse (2)' }).waitFor()

      // Rename: a taken name is refused beside the new-name field; a free one is taken.
      await list.getByRole('button', { name: 'Rename Lighthouse (2)' }).click()
      const newName = list.getByLabel('New name for Lighthouse (2)')
      await newName.fill('lighthouse')
      await list.getByRole('button', { name: 'Save name' }).click()
      await expect.poll(() => newName.getAttribute('aria-invalid')).toBe('true')
      expect(await page.locator(`[id="${await newName.getAttribute('aria-describedby')}"]`).textContent()).toMatch(/already exists/)
      await newName.fill('Harbour')
      await list.getByRole('button', { name: 'Save name' }).click()
      await list.getByRole('listitem', { name: 'Harbour' }).waitFor()

      // A malformed preset: every bad field is listed by name.
      await file.setInputFiles({
        name: 'broken.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify({ format: 'sigma-studio-preset', schemaVersion: 1, name: 'Broken', params: { sampler: 'warp_drive', steps: 'many' }, createdAt: '2026-01-01T00:00:00Z' }))
      })
      await presets.getByRole('button', { name: 'Import', exact: true }).click()
      const problems = presets.getByRole('list', { name: 'Problems in the imported preset' })
      await problems.waitFor()
      expect(await problems.locator('li[data-field="params.sampler"]').textContent()).toMatch(/params\.sampler.*unknown sampler "warp_drive"/)
      expect(await problems.locator('li[data-field="params.steps"]').textContent()).toMatch(/params\.steps.*"many"/)
      expect(await list.getByRole('listitem').count()).toBe(2)
      await problems.scrollIntoViewIfNeeded()
      await page.screenshot({ path: outputPath('presets.png') })

      // Apply: the Generate form takes the preset's settings.
      await list.getByRole('button', { name: 'Apply Harbour' }).click()
      const form = page.getByRole('region', { name: 'Generate' })
      await form.waitFor()
      expect(await form.getByLabel('Steps').inputValue()).toBe('24')
      expect(await form.getByLabel('Sampler').inputValue()).toBe('dpmpp_2m')
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
