/**
 * The embedded default model through the UI, as a newcomer meets it: the web host on the real models/
 * folder, the Generate view left on its default model, a prompt typed in. Prompt adherence is checked
 * without any outside model: "red heart" must come out red and "blue heart" blue (mean colour of the
 * pixels that are not the white background), which a model that ignored its prompt would fail.
 * Screenshot: e2e-output/default-model.png.
 */
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResultEvent } from '../src/shared/api'
import { chromiumAvailable, launchChromium } from './chromium'
import { startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath, ROOT } from './paths'
import { openStudio } from './studio-page'

/** Mean R, G, B of the pixels that are not near-white background. */
async function inkColour(png: Uint8Array): Promise<[number, number, number]> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const sum = [0, 0, 0]
  let n = 0
  for (let i = 0; i < data.length; i += info.channels) {
    if (data[i] > 230 && data[i + 1] > 230 && data[i + 2] > 230) continue
    sum[0] += data[i]
    sum[1] += data[i + 1]
    sum[2] += data[i + 2]
    n++
  }
  expect(n, 'the image is all background').toBeGreaterThan(200)
  return [sum[0] / n, sum[1] / n, sum[2] / n]
}

describe('the embedded default model in the UI', () => {
  let fx: FixtureHost
  beforeAll(async () => {
    fx = await startFixtureHost({ modelsDir: join(ROOT, 'models'), defaultModel: 'emoji-tiny' })
  })
  afterAll(async () => fx?.close())

  it.skipIf(!chromiumAvailable())('turns "red heart" into a red image and "blue heart" into a blue one', async () => {
    const results: ResultEvent[] = []
    fx.service.on('studio:result', (r) => results.push(r))
    const browser = await launchChromium()
    try {
      // The Generate view is the one the studio opens on.
      const { page, errors } = await openStudio(browser, fx.host.url)
      const view = page.getByRole('region', { name: 'Generate' })
      await view.waitFor()
      expect(await view.getByLabel('Model').locator('option:checked').textContent()).toMatch(/emoji-tiny/)
      const colours: Record<string, [number, number, number]> = {}
      for (const prompt of ['red heart', 'blue heart']) {
        await page.getByLabel('Prompt', { exact: true }).fill(prompt)
        await view.getByRole('button', { name: 'Generate' }).click()
        await expect.poll(() => results.length, { timeout: 30_000 }).toBe(Object.keys(colours).length + 1)
        const r = results[results.length - 1]
        expect(r.params.model).toBe('emoji-tiny')
        await page.getByRole('img', { name: 'Generated image' }).waitFor()
        colours[prompt] = await inkColour((await fx.studio.readResult(r.resultId))!)
      }
      await page.screenshot({ path: outputPath('default-model.png') })
      const [r1, g1, b1] = colours['red heart']
      const [r2, g2, b2] = colours['blue heart']
      expect(r1, `red heart came out ${colours['red heart'].map(Math.round)}`).toBeGreaterThan(Math.max(g1, b1) + 60)
      expect(b2, `blue heart came out ${colours['blue heart'].map(Math.round)}`).toBeGreaterThan(Math.max(r2, g2) + 40)
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
