/**
 * The library view end to end in Debian Chromium against the local web host, the committed sd1-tiny
 * fixture model and a temporary library: results made by the real worker show up in the virtualised
 * grid (also one made while the view is open), a prompt search keeps only the matching images, a
 * favourite is found by the favourites filter, "Use these settings" fills the Generate form, and a
 * delete removes the image from the grid and the disk; the Settings view switches the library folder.
 * Screenshots: e2e-output/library.png, library-detail.png and settings.png.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type JobState } from '../src/shared/api'
import { VALIDATORS } from '../src/shared/api-validators'
import { chromiumAvailable, launchChromium } from './chromium'
import { startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath } from './paths'
import { openStudio } from './studio-page'

const FOX = 'a red fox in the snow'
const WHALE = 'a blue whale at sea'
const BARN = 'a red barn at dusk'

describe('library in Chromium', () => {
  let fx: FixtureHost
  beforeAll(async () => {
    fx = await startFixtureHost({ library: true })
  })
  afterAll(async () => fx?.close())

  /** One image through the real service and worker; resolves when its job has ended. */
  async function generate(prompt: string, sampler: string, seed: string): Promise<void> {
    const ended = new Map<string, JobState>()
    let want: string | null = null
    let done!: () => void
    const finished = new Promise<void>((ok) => (done = ok))
    const off = fx.service.on('studio:job', (j) => {
      if (j.state === 'completed' || j.state === 'failed' || j.state === 'cancelled') {
        ended.set(j.jobId, j.state)
        if (j.jobId === want) done()
      }
    })
    try {
      const req = VALIDATORS['studio:generate']({ params: { model: 'sd1-tiny', prompt, sampler, schedule: 'karras', steps: 6, seed, width: 64, height: 64 }, preview: { mode: 'off', every: 1 }, grid: null })
      want = (await fx.studio.handlers['studio:generate'](req)).jobId
      if (ended.has(want)) done()
      await finished
      expect(ended.get(want)).toBe('completed')
    } finally {
      off()
    }
  }

  it.skipIf(!chromiumAvailable())('shows results, searches, filters favourites, loads settings into Generate and deletes', async () => {
    await generate(FOX, 'euler', '11')
    await generate(WHALE, 'dpmpp_2m', '22')
    const browser = await launchChromium()
    try {
      const { page, errors, view: library } = await openStudio(browser, fx.host.url, { tab: 'Library' })
      const tiles = library.getByRole('list', { name: 'Library images' }).getByRole('listitem')
      await expect.poll(() => tiles.count()).toBe(2)

      // A result saved while the view is open appears at the front.
      await generate(BARN, 'euler', '33')
      await expect.poll(() => tiles.count()).toBe(3)
      expect(await tiles.first().getByRole('button', { name: /^Open:/ }).getAttribute('aria-label')).toBe(`Open: ${BARN}`)
      await expect.poll(() => tiles.locator('img').count()).toBe(3) // every thumbnail arrived
      await expect.poll(() => library.getByRole('status').textContent()).toBe('3 images')

      // Search: only the entries whose prompt has the word.
      await library.getByRole('searchbox', { name: 'Search prompts' }).fill('red')
      await expect.poll(() => tiles.count()).toBe(2)
      expect(await tiles.locator('img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt')))).toEqual([BARN, FOX])
      await library.getByRole('searchbox', { name: 'Search prompts' }).fill('')
      await expect.poll(() => tiles.count()).toBe(3)

      // Favourite the whale and filter favourites.
      const whale = tiles.filter({ has: page.getByRole('button', { name: `Open: ${WHALE}` }) })
      await whale.getByRole('button', { name: 'Favourite', exact: true }).click()
      await expect.poll(() => whale.getByRole('button', { name: 'Unfavourite' }).getAttribute('aria-pressed')).toBe('true')
      await library.getByLabel('Favourites only').check()
      await expect.poll(() => tiles.count()).toBe(1)
      expect(await tiles.first().getByRole('img').getAttribute('alt')).toBe(WHALE)
      await library.getByLabel('Favourites only').uncheck()
      // The sampler filter: only the DPM++ 2M image.
      await library.getByLabel('Sampler').selectOption('dpmpp_2m')
      await expect.poll(() => tiles.count()).toBe(1)
      await library.getByLabel('Sampler').selectOption('')
      await expect.poll(() => tiles.count()).toBe(3)
      await page.screenshot({ path: outputPath('library.png') })

      // Open the fox large, with its settings; then load them into the Generate form.
      await tiles.filter({ has: page.getByRole('button', { name: `Open: ${FOX}` }) }).getByRole('button', { name: /^Open:/ }).click()
      const dialog = page.getByRole('dialog', { name: `Library image: ${FOX}` })
      await dialog.getByRole('img', { name: `Large: ${FOX}` }).waitFor()
      expect(await dialog.textContent()).toContain('Euler / Karras · 6 steps · CFG')
      expect(await dialog.getByLabel('Infotext').textContent()).toMatch(/Steps: 6, Sampler: Euler, Schedule type: Karras/)
      await dialog.getByRole('button', { name: 'Compare as A' }).click()
      await expect.poll(() => dialog.getByRole('button', { name: 'Compare as A' }).getAttribute('aria-pressed')).toBe('true')
      await page.screenshot({ path: outputPath('library-detail.png') })
      await dialog.getByRole('button', { name: 'Use these settings' }).click()
      const generatePanel = page.getByRole('region', { name: 'Generate' })
      await generatePanel.waitFor()
      expect(await generatePanel.getByLabel('Prompt', { exact: true }).inputValue()).toBe(FOX)
      expect(await generatePanel.getByLabel('Sampler').inputValue()).toBe('euler')
      expect(await generatePanel.getByLabel('Steps').inputValue()).toBe('6')

      // Delete the whale (after confirming): gone from the grid and from the disk.
      await page.getByRole('button', { name: 'Library', exact: true }).click()
      await expect.poll(() => tiles.count()).toBe(3)
      const whaleEntry = fx.library!.list({}).items.find((e) => e.params.prompt === WHALE)!
      await whale.getByRole('button', { name: /^Open:/ }).click()
      const whaleDialog = page.getByRole('dialog', { name: `Library image: ${WHALE}` })
      // Esc shuts the large view; open it again.
      await whaleDialog.waitFor()
      await page.keyboard.press('Escape')
      await whaleDialog.waitFor({ state: 'detached' })
      await whale.getByRole('button', { name: /^Open:/ }).click()
      await whaleDialog.getByRole('button', { name: 'Delete…' }).click()
      await whaleDialog.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Delete', exact: true }).click()
      await whaleDialog.waitFor({ state: 'detached' })
      await expect.poll(() => tiles.count()).toBe(2)
      expect(fx.library!.get(whaleEntry.id)).toBeUndefined()
      expect(existsSync(whaleEntry.file)).toBe(false)
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })

  it.skipIf(!chromiumAvailable())('mounts only the rows in view, jumps to the end at once and moves with the keyboard', async () => {
    const lib = fx.studio.library!
    const px = { data: new Uint8Array(16 * 16 * 3).fill(90), width: 16, height: 16, channels: 3 as const }
    for (let i = 0; i < 150; i++) await lib.save({ pixels: px, params: { model: 'sd1-tiny', prompt: `bulk image ${i}` }, noThumbnail: i % 2 === 0 })
    const total = lib.count()
    const browser = await launchChromium()
    try {
      const { page, view: library } = await openStudio(browser, fx.host.url, { viewport: { width: 1920, height: 1080 }, tab: 'Library' })
      // The grid knows the total from the first page.
      await expect.poll(() => library.getByRole('status').textContent()).toBe(`${total} images`)
      const tiles = library.getByRole('list', { name: 'Library images' }).getByRole('listitem')
      const mounted = await tiles.count()
      expect(mounted).toBeGreaterThan(0)
      expect(mounted).toBeLessThan(80) // a screenful and a margin, not every image
      await expect.poll(() => tiles.locator('img').count()).toBe(mounted) // thumbnails made on demand too
      await page.screenshot({ path: outputPath('library-1920.png') })
      // Jump to the end: the last page is fetched directly and the oldest image is mounted.
      const grid = library.locator('.vgrid')
      await grid.evaluate((el) => el.scrollTo(0, el.scrollHeight))
      await library.getByRole('button', { name: 'Open: bulk image 0', exact: true }).waitFor()
      expect(await tiles.count()).toBeLessThan(80)
      // Keyboard: Home puts the cursor on the newest image and scrolls back to it; Enter opens it.
      await grid.focus()
      await page.keyboard.press('Home')
      await expect.poll(() => library.locator('.vgrid-tile[aria-current="true"]').getAttribute('aria-posinset')).toBe('1')
      await page.keyboard.press('ArrowRight')
      await expect.poll(() => library.locator('.vgrid-tile[aria-current="true"]').getAttribute('aria-posinset')).toBe('2')
      await page.keyboard.press('Enter')
      await page.getByRole('dialog').waitFor()
      await page.keyboard.press('Escape')
    } finally {
      await browser.close()
    }
  })

  it.skipIf(!chromiumAvailable())('switches the library folder in Settings and refuses one that cannot be written', async () => {
    const browser = await launchChromium()
    const elsewhere = mkdtempSync(join(tmpdir(), 'e2e-library-2-'))
    try {
      const { page, view: settings } = await openStudio(browser, fx.host.url, { tab: 'Settings' })
      const before = fx.studio.library!.dir
      await expect.poll(() => settings.getByTestId('library-dir').textContent()).toBe(before)
      const folder = settings.getByLabel('Folder', { exact: true })

      // A folder inside a file cannot be made: refused beside the field, nothing changes.
      writeFileSync(join(elsewhere, 'a-file'), 'x')
      await folder.fill(join(elsewhere, 'a-file', 'library'))
      await settings.getByRole('button', { name: 'Apply' }).click()
      await expect.poll(() => folder.getAttribute('aria-invalid')).toBe('true')
      expect(await settings.getByRole('alert').textContent()).toMatch(/a-file is a file, not a folder; choose a folder path where nothing else is in the way/)
      expect(fx.studio.library!.dir).toBe(before)

      // A new folder becomes a library only when the user confirms it.
      const next = join(elsewhere, 'library')
      await folder.fill(next)
      await settings.getByRole('button', { name: 'Apply' }).click()
      await expect.poll(() => settings.getByRole('form', { name: 'Library folder' }).getByRole('status').textContent()).toMatch(/does not exist yet, not a library; confirm to create a new, empty library there/)
      expect(existsSync(next)).toBe(false)
      await settings.getByRole('button', { name: 'Create a library here' }).click()
      await expect.poll(() => settings.getByTestId('library-dir').textContent()).toBe(next)
      expect(await settings.getByTestId('library-source').textContent()).toBe('From the folder chosen here.')
      expect(fx.studio.library!.dir).toBe(next)
      await page.screenshot({ path: outputPath('settings.png') })

      // The new library is empty, and new results go there.
      await page.getByRole('button', { name: 'Library', exact: true }).click()
      const library = page.getByRole('region', { name: 'Library' })
      await expect.poll(() => library.getByRole('status').textContent()).toBe('No images match.')
      await generate('a green owl', 'euler', '44')
      await expect.poll(() => library.getByRole('list', { name: 'Library images' }).getByRole('listitem').count()).toBe(1)
      expect(fx.studio.library!.list({}).items.map((e) => e.params.prompt)).toEqual(['a green owl'])
    } finally {
      await browser.close()
      rmSync(elsewhere, { recursive: true, force: true })
    }
  })
})
