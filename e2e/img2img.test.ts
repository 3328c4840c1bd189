/**
 * img2img in the generate view, end to end in Debian Chromium against the web host and the sd1-tiny
 * fixture model in the real worker: a refused file is explained next to the field and nothing is sent;
 * a PNG (written with sharp) chosen with the file picker, strength 0.5, runs fewer steps than the step
 * count with previews and a result whose params name the image by its hash; the result and a library
 * image become the init image; a file dropped on the section or pasted is taken; the layout holds at
 * 1280x800.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResultEvent } from '../src/shared/api'
import { chromiumAvailable, launchChromium } from './chromium'
import { startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath } from './paths'
import { openStudio } from './studio-page'

const run = chromiumAvailable()

/** A 128x128 PNG: a warm gradient with a dark disc, so the result visibly starts from it. */
async function initPng(): Promise<Buffer> {
  const side = 128
  const rgb = Buffer.alloc(side * side * 3)
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const disc = (x - 64) ** 2 + (y - 64) ** 2 < 30 ** 2
      rgb.set(disc ? [20, 30, 90] : [240, 120 + (y >> 1), 40 + x], (y * side + x) * 3)
    }
  }
  return sharp(rgb, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer()
}

describe.skipIf(!run)('img2img in the generate view (Chromium)', () => {
  let fx: FixtureHost
  let browser: Browser
  let dir: string
  let pngPath: string
  let png: Buffer
  const results: ResultEvent[] = []
  const errors: string[] = []

  beforeAll(async () => {
    fx = await startFixtureHost({ library: true })
    fx.service.on('studio:result', (r) => results.push(r))
    browser = await launchChromium()
    dir = mkdtempSync(join(tmpdir(), 'e2e-img2img-'))
    png = await initPng()
    pngPath = join(dir, 'sunset.png')
    writeFileSync(pngPath, png)
  })
  afterAll(async () => {
    await browser?.close()
    await fx?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  async function open(width = 1280, height = 800): Promise<Page> {
    errors.length = 0
    const { page } = await openStudio(browser, fx.host.url, { viewport: { width, height }, errors })
    await page.getByRole('region', { name: 'Generate' }).waitFor()
    return page
  }

  const section = (page: Page) => page.getByRole('group', { name: 'Image to image' })
  const fileInput = (page: Page) => page.getByLabel('Init image', { exact: true })
  const status = (page: Page) => page.getByRole('region', { name: 'Generate' }).getByRole('status')
  const generate = (page: Page) => page.getByRole('region', { name: 'Generate' }).getByRole('button', { name: 'Generate' })
  const hash = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex').slice(0, 32)}`

  it('refuses a file that is not an image next to the field, and sends nothing', async () => {
    const page = await open()
    try {
      results.length = 0
      await fileInput(page).setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('just some text, not a picture') })
      await expect.poll(() => section(page).getByRole('alert').textContent()).toBe('Init image: "notes.png" is not a PNG, JPEG or WebP image. Choose one of those.')
      expect(await fileInput(page).getAttribute('aria-invalid')).toBe('true')
      await page.screenshot({ path: outputPath('img2img-refused.png') })
      // Still text-to-image: no strength, and a job sent now carries no init image.
      expect(await page.getByLabel('Denoising strength', { exact: true }).count()).toBe(0)
      await page.getByLabel('Steps').fill('3')
      await generate(page).click()
      await expect.poll(() => results.length, { timeout: 30_000 }).toBe(1)
      expect(results[0].params.img2img).toBeNull()
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('generates from a chosen PNG at strength 0.5: fewer steps run, previews stream, the result names the image', async () => {
    const page = await open()
    try {
      results.length = 0
      await page.getByLabel('Model').selectOption('sd1-tiny')
      await page.getByLabel('Prompt', { exact: true }).fill('a blue moon over a desert')
      await page.getByLabel('Steps').fill('8')
      await page.getByLabel('Seed mode').selectOption('fixed')
      await page.getByLabel('Seed', { exact: true }).fill('7')
      await fileInput(page).setInputFiles(pngPath)
      await section(page).getByRole('img', { name: 'Init image: sunset.png' }).waitFor()
      // Its size and what the worker does with it (resized to the 64x64 output).
      await expect.poll(() => section(page).getByText(/^128×128 PNG/).textContent()).toBe('128×128 PNG · Resized to 64×64.')
      const strength = page.getByLabel('Denoising strength', { exact: true })
      expect(await strength.inputValue()).toBe('0.75')
      await page.getByLabel('Denoising strength value').fill('0.5')
      expect(await strength.inputValue()).toBe('0.5')
      // floor(0.5 x 8) + 1 = 5 of the 8 steps run.
      await expect.poll(() => page.getByTestId('img2img-steps').textContent()).toMatch(/^Runs 5 of 8 steps/)
      // A different size: the note follows.
      await page.getByLabel('Width').fill('96')
      await expect.poll(() => section(page).getByText(/^128×128 PNG/).textContent()).toMatch(/^128×128 PNG · Stretched to 96×64 \(1:1 vs 3:2\)/)
      await section(page).getByRole('button', { name: 'Match aspect' }).click()
      expect([await page.getByLabel('Width').inputValue(), await page.getByLabel('Height').inputValue()]).toEqual(['80', '80'])
      await page.getByLabel('Width').fill('64')
      await page.getByLabel('Height').fill('64')

      const canvas = page.getByLabel('Preview of the image being generated')
      const frame = page.locator('.generate .frame').first()
      const before = await frame.boundingBox()
      await generate(page).click()
      await expect.poll(() => status(page).textContent(), { timeout: 30_000 }).toMatch(/^Done: 5\/5/)
      await expect.poll(async () => Number(await canvas.getAttribute('data-received')), { timeout: 10_000 }).toBeGreaterThan(0)
      await page.getByRole('img', { name: 'Generated image' }).waitFor()
      await expect.poll(() => results.length, { timeout: 30_000 }).toBe(1)
      expect(results[0].params).toMatchObject({ steps: 8, img2img: { image: hash(png), strength: 0.5 } })
      // The step count asked for stays as typed; the progress shows the 5 that ran.
      expect(await page.getByLabel('Steps').inputValue()).toBe('8')
      expect(await frame.boundingBox()).toEqual(before)
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true)
      await page.screenshot({ path: outputPath('img2img.png') })

      // The result becomes the init image (A1111's "Send to img2img"), at the output size: used as is.
      await page.getByRole('button', { name: 'Use as init image' }).click()
      await section(page).getByRole('img', { name: 'Init image: Result, seed 7' }).waitFor()
      expect(await section(page).getByText(/^64×64 PNG/).textContent()).toBe('64×64 PNG · Used as is (64×64).')
      await generate(page).click()
      await expect.poll(() => results.length, { timeout: 30_000 }).toBe(2)
      // The image sent is the result's own PNG, byte for byte.
      expect(results[1].params.img2img?.image).toBe(hash((await fx.service.sink.read(results[0].resultId))!))
      expect(results[1].params.img2img?.strength).toBe(0.5)

      // Clear: back to text-to-image.
      await section(page).getByRole('button', { name: 'Clear' }).click()
      expect(await page.getByLabel('Denoising strength', { exact: true }).count()).toBe(0)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('library: "Use these settings" brings back the init image the library kept; "Use as init image" brings the image itself', async () => {
    const page = await open()
    try {
      const MOON = 'a blue moon over a desert'
      const openMoon = async () => {
        await page.getByRole('button', { name: 'Library', exact: true }).click()
        await page.getByRole('button', { name: `Open: ${MOON}` }).first().click()
        const dialog = page.getByRole('dialog', { name: `Library image: ${MOON}` })
        await dialog.getByRole('img', { name: `Large: ${MOON}` }).waitFor()
        return dialog
      }
      await (await openMoon()).getByRole('button', { name: 'Use these settings' }).click()
      // The library keeps a result's init image (inputs/, issue 16): its settings bring the image back, img2img on.
      await section(page).getByRole('img', { name: /^Init image: / }).waitFor()
      expect(await page.getByLabel('Denoising strength value').inputValue()).toBe('0.5')
      await expect.poll(() => section(page).textContent()).not.toMatch(/not loaded/)

      await (await openMoon()).getByRole('button', { name: 'Use as init image' }).click()
      await section(page).getByRole('img', { name: `Init image: Library: ${MOON}` }).waitFor()
      expect(await section(page).getByText(/^64×64 PNG/).textContent()).toBe('64×64 PNG · Used as is (64×64).')
      // The loaded settings' strength was kept for when an image came.
      expect(await page.getByLabel('Denoising strength value').inputValue()).toBe('0.5')
      await expect.poll(() => section(page).textContent()).not.toMatch(/not loaded/)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('takes an image dropped on the section, or pasted', async () => {
    const page = await open()
    try {
      // Built in the page (a string: this file is type-checked without the DOM library).
      const dt = await page.evaluateHandle(`(() => {
        const bytes = Uint8Array.from(atob('${png.toString('base64')}'), (c) => c.charCodeAt(0))
        const t = new DataTransfer()
        t.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }))
        return t
      })()`)
      await section(page).dispatchEvent('dragover', { dataTransfer: dt })
      await section(page).dispatchEvent('drop', { dataTransfer: dt })
      await section(page).getByRole('img', { name: 'Init image: dropped.png' }).waitFor()
      expect(await page.getByLabel('Denoising strength', { exact: true }).inputValue()).toBe('0.75')
      // Pasting a copied image replaces it.
      await page.evaluate(`(() => {
        const t = new DataTransfer()
        t.items.add(new File([Uint8Array.from(atob('${png.toString('base64')}'), (c) => c.charCodeAt(0))], 'pasted.png', { type: 'image/png' }))
        document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: t, bubbles: true, cancelable: true }))
      })()`)
      await section(page).getByRole('img', { name: 'Init image: pasted.png' }).waitFor()
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })
})
