/**
 * Inpainting in the generate view, end to end in Debian Chromium against the web host and the sd1-tiny
 * fixture model in the real worker: choose an init image, switch inpainting on, paint one stroke in the
 * mask editor (undo/redo and the [ ] shortcuts on the way), generate, and check that the result differs
 * from the init image only inside the stroke (grown by the mask blur) — every other pixel is identical.
 * Then open that result in the Library: it shows the init image and the mask it was made from, and "Use
 * these settings" brings both back (with strength and the inpainting options), so generating again sends
 * the very same init image and mask.
 */
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
const SIDE = 64

describe.skipIf(!run)('inpainting with the mask editor (Chromium)', () => {
  let fx: FixtureHost
  let browser: Browser
  let dir: string
  let pngPath: string
  let initRgb: Buffer
  const results: ResultEvent[] = []
  const errors: string[] = []

  beforeAll(async () => {
    fx = await startFixtureHost({ library: true })
    fx.service.on('studio:result', (r) => results.push(r))
    browser = await launchChromium()
    dir = mkdtempSync(join(tmpdir(), 'e2e-inpaint-'))
    initRgb = Buffer.alloc(SIDE * SIDE * 3)
    for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) initRgb.set([(x * 4) & 255, (y * 4) & 255, 128], (y * SIDE + x) * 3)
    pngPath = join(dir, 'gradient.png')
    writeFileSync(pngPath, await sharp(initRgb, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer())
  })
  afterAll(async () => {
    await browser?.close()
    await fx?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  async function open(): Promise<Page> {
    errors.length = 0
    const { page } = await openStudio(browser, fx.host.url, { viewport: { width: 1280, height: 900 }, errors })
    await page.getByRole('region', { name: 'Generate' }).waitFor()
    return page
  }

  it('draws a stroke, generates, and the result differs only inside the stroke', async () => {
    const page = await open()
    try {
      results.length = 0
      await page.getByLabel('Model').selectOption('sd1-tiny')
      await page.getByLabel('Prompt', { exact: true }).fill('a red square')
      await page.getByLabel('Steps').fill('6')
      await page.getByLabel('Init image', { exact: true }).setInputFiles(pngPath)
      await page.getByLabel('Denoising strength value').fill('0.9')
      await page.getByLabel('Inpaint (paint a mask) or outpaint').check()
      await page.getByLabel('Mask blur').fill('0')
      const canvas = page.getByTestId('mask-canvas')
      await canvas.waitFor()
      const box = (await canvas.boundingBox())!
      const editor = page.getByLabel('Mask editor')
      // Brush size: [ and ] step it; set a known size with the slider, then paint a horizontal stroke
      // across the middle third of the image.
      await page.getByLabel('Brush size').fill('8')
      await editor.focus()
      await page.keyboard.press(']')
      await page.keyboard.press('[')
      const at = (fx: number, fy: number) => [box.x + box.width * fx, box.y + box.height * fy] as const
      await page.mouse.move(...at(0.3, 0.5))
      await page.mouse.down()
      await page.mouse.move(...at(0.5, 0.5), { steps: 5 })
      await page.mouse.move(...at(0.7, 0.5), { steps: 5 })
      await page.mouse.up()
      await expect.poll(() => page.getByTestId('mask-state').textContent()).toMatch(/repainted/)
      // Undo takes the stroke back, redo restores it.
      await editor.focus()
      await page.keyboard.press('Control+z')
      await expect.poll(() => page.getByTestId('mask-state').textContent()).toMatch(/Nothing painted/)
      await page.keyboard.press('Control+Shift+z')
      await expect.poll(() => page.getByTestId('mask-state').textContent()).toMatch(/repainted/)
      await page.screenshot({ path: outputPath('inpaint-editor.png') })

      await page.getByRole('region', { name: 'Generate' }).getByRole('button', { name: 'Generate' }).click()
      await expect.poll(() => results.length, { timeout: 60_000 }).toBe(1)
      const r = results[0]
      expect(r.params.img2img?.inpaint).toMatchObject({ mask: expect.stringMatching(/^sha256:/), maskBlur: 0, area: 'whole' })
      const png = (await fx.service.handlers['studio:result:image']({ resultId: r.resultId })).data
      const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true })
      // The stroke runs along row 32 from x ≈ 19 to 45 with a brush of 8 px: nothing outside rows 26..38
      // or columns 13..51 may change, and something inside must.
      let inside = 0
      for (let y = 0; y < SIDE; y++) {
        for (let x = 0; x < SIDE; x++) {
          const i = (y * SIDE + x) * 3
          const same = data[i] === initRgb[i] && data[i + 1] === initRgb[i + 1] && data[i + 2] === initRgb[i + 2]
          const nearStroke = y >= 26 && y <= 38 && x >= 13 && x <= 51
          if (!nearStroke) expect(same, `pixel ${x},${y} outside the stroke changed`).toBe(true)
          else if (!same) inside++
        }
      }
      expect(inside).toBeGreaterThan(50)
      await page.getByRole('img', { name: 'Generated image' }).waitFor()
      await page.screenshot({ path: outputPath('inpaint-result.png') })
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('the Library shows the init image and mask of the result, and "Use these settings" restores both', async () => {
    // Made by the test above (it ran first, in the same library).
    expect(results).toHaveLength(1)
    const first = results[0]
    const page = await open()
    try {
      // Another mask blur and strength in the form first, so the restore has something to undo.
      await page.getByLabel('Init image', { exact: true }).setInputFiles(pngPath)
      await page.getByLabel('Denoising strength value').fill('0.3')
      await page.getByRole('button', { name: 'Library', exact: true }).click()
      await page.getByRole('button', { name: 'Open: a red square' }).first().click()
      const dialog = page.getByRole('dialog', { name: 'Library image: a red square' })
      const madeFrom = dialog.getByRole('region', { name: 'Made from' })
      await madeFrom.getByRole('img', { name: 'Init image' }).waitFor()
      await madeFrom.getByTestId('made-from-overlay').waitFor()
      // The overlay is the init image tinted red inside the stroke only.
      const tint = await madeFrom.getByTestId('made-from-overlay').evaluate((el) => {
        // A <canvas>; typed by hand (the e2e files compile without the DOM library).
        const c = el as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
        const at = (x: number, y: number) => [...d.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 3)]
        return { size: [c.width, c.height], inStroke: at(32, 32), outside: at(5, 5) }
      })
      expect(tint.size).toEqual([SIDE, SIDE])
      expect(tint.outside).toEqual([...initRgb.subarray((5 * SIDE + 5) * 3, (5 * SIDE + 5) * 3 + 3)])
      expect(tint.inStroke[0]).toBeGreaterThan(initRgb[(32 * SIDE + 32) * 3] + 60)
      await page.screenshot({ path: outputPath('inpaint-library-detail.png') })

      await dialog.getByRole('button', { name: 'Use these settings' }).click()
      const generate = page.getByRole('region', { name: 'Generate' })
      await generate.waitFor()
      await expect.poll(() => page.getByTestId('mask-state').textContent()).toMatch(/repainted/)
      expect(await page.getByLabel('Denoising strength value').inputValue()).toBe('0.9')
      expect(await page.getByLabel('Mask blur').inputValue()).toBe('0')
      expect(await page.getByLabel('Inpaint (paint a mask) or outpaint').isChecked()).toBe(true)
      await page.screenshot({ path: outputPath('inpaint-restored.png') })

      // Generating again sends the same init image and mask (same content labels) and the same result.
      await generate.getByRole('button', { name: 'Generate' }).click()
      await expect.poll(() => results.length, { timeout: 60_000 }).toBe(2)
      const again = results[1]
      expect(again.params.img2img).toEqual(first.params.img2img)
      const a = (await fx.service.handlers['studio:result:image']({ resultId: first.resultId })).data
      const b = (await fx.service.handlers['studio:result:image']({ resultId: again.resultId })).data
      const [pa, pb] = await Promise.all([a, b].map((png) => sharp(png).raw().toBuffer()))
      expect(pb.equals(pa)).toBe(true)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })
})
