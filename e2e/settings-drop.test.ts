/**
 * Settings dropped onto the Generate view, end to end in Debian Chromium against the web host and the
 * sd1-tiny fixture model: a PNG the studio made (through the real service, worker and library) dropped on
 * the form fills prompt, negative prompt, sampler, schedule, steps, CFG, seed and size; pasted A1111
 * infotext does the same and lists what it could not carry (the warnings a preset import gives); a JPEG
 * is explained, not read. Nothing is saved as a preset. Screenshot: e2e-output/settings-drop.png.
 */
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobState } from '../src/shared/api'
import { VALIDATORS } from '../src/shared/api-validators'
import { chromiumAvailable, launchChromium } from './chromium'
import { startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath } from './paths'
import { openStudio } from './studio-page'

/** Drops a file (built in the page from base64) on `target`. */
async function dropFile(page: Page, target: Locator, name: string, type: string, bytes: Buffer): Promise<void> {
  // Built in the page (a string: this file is type-checked without the DOM library).
  const dt = await page.evaluateHandle(`(() => {
    const bytes = Uint8Array.from(atob('${bytes.toString('base64')}'), (c) => c.charCodeAt(0))
    const t = new DataTransfer()
    t.items.add(new File([bytes], ${JSON.stringify(name)}, { type: ${JSON.stringify(type)} }))
    return t
  })()`)
  await target.dispatchEvent('dragover', { dataTransfer: dt })
  await target.dispatchEvent('drop', { dataTransfer: dt })
}

describe.skipIf(!chromiumAvailable())('settings dropped on the Generate view (Chromium)', () => {
  let fx: FixtureHost
  beforeAll(async () => {
    fx = await startFixtureHost({ library: true })
  })
  afterAll(async () => fx?.close())

  /** One image through the real service and worker, saved in the library; its PNG's bytes. */
  async function studioPng(): Promise<Buffer> {
    // Every job's end is recorded, so a job that ends before its id is known is not missed.
    const ended = new Map<string, JobState>()
    const off = fx.service.on('studio:job', (j) => {
      if (j.state === 'completed' || j.state === 'failed' || j.state === 'cancelled') ended.set(j.jobId, j.state)
    })
    try {
      const req = VALIDATORS['studio:generate']({
        params: { model: 'sd1-tiny', prompt: 'a lighthouse at dusk', negativePrompt: 'fog, blur', sampler: 'dpmpp_2m', schedule: 'exponential', steps: 7, cfg: 4.5, seed: '4242', width: 64, height: 96 },
        preview: { mode: 'off', every: 1 },
        grid: null
      })
      const { jobId } = await fx.studio.handlers['studio:generate'](req)
      await expect.poll(() => ended.get(jobId), { timeout: 60_000 }).toBe('completed')
    } finally {
      off()
    }
    const page = await fx.studio.handlers['studio:library:list'](VALIDATORS['studio:library:list']({}))
    expect(page.items.length).toBe(1)
    return Buffer.from((await fx.studio.handlers['studio:library:image']({ id: page.items[0].id })).data)
  }

  it('fills the form from a dropped studio PNG and from pasted infotext, and explains a JPEG', async () => {
    const png = await studioPng()
    const browser = await launchChromium()
    try {
      const { page, errors } = await openStudio(browser, fx.host.url)
      const gen = page.getByRole('region', { name: 'Generate' })
      await gen.getByLabel('Prompt', { exact: true }).waitFor()
      const notice = gen.getByLabel('Settings read')
      const value = (label: string): Promise<string> => gen.getByLabel(label, { exact: true }).inputValue()

      await dropFile(page, gen.getByLabel('Steps'), 'lighthouse.png', 'image/png', png)
      await expect.poll(() => notice.textContent()).toMatch(/Settings from “lighthouse\.png” \(Sigma Studio\) are in the form/)
      expect(await value('Prompt')).toBe('a lighthouse at dusk')
      expect(await value('Negative prompt')).toBe('fog, blur')
      expect(await value('Sampler')).toBe('dpmpp_2m')
      expect(await value('Schedule')).toBe('exponential')
      expect(await value('Steps')).toBe('7')
      expect(await value('CFG')).toBe('4.5')
      expect(await value('Seed')).toBe('4242')
      expect(await value('Seed mode')).toBe('fixed')
      expect(await value('Width')).toBe('64')
      expect(await value('Height')).toBe('96')
      // The image did not become the init image: that is what dropping on "Image to image" does.
      expect(await gen.getByRole('img', { name: /^Init image/ }).count()).toBe(0)

      // A1111 infotext pasted into the prompt: read as settings (A1111's "paste, then ↙"), with its warning.
      const info = 'a red barn in snow\nNegative prompt: people\nSteps: 13, Sampler: Euler a, Schedule type: Karras, CFG scale: 6, Seed: 77, Size: 128x64, Model: someone-elses'
      await gen.getByLabel('Prompt', { exact: true }).focus()
      await page.evaluate(`(() => {
        const t = new DataTransfer()
        t.setData('text/plain', ${JSON.stringify(info)})
        document.activeElement.dispatchEvent(new ClipboardEvent('paste', { clipboardData: t, bubbles: true, cancelable: true }))
      })()`)
      await expect.poll(() => value('Prompt')).toBe('a red barn in snow')
      expect(await notice.textContent()).toMatch(/Settings from the pasted text \(A1111\)/)
      expect(await value('Sampler')).toBe('euler_ancestral')
      expect(await value('Schedule')).toBe('karras')
      expect([await value('Steps'), await value('CFG'), await value('Seed'), await value('Width'), await value('Height')]).toEqual(['13', '6', '77', '128', '64'])
      const warnings = await notice.getByRole('list', { name: 'Settings not carried over' }).textContent()
      expect(warnings).toMatch(/A1111's GPU noise/)
      expect(warnings).toMatch(/made with the model "someone-elses"/)
      await page.screenshot({ path: outputPath('settings-drop.png') })

      // A JPEG carries no settings we read: said so, and the form is unchanged.
      await dropFile(page, gen.getByLabel('Steps'), 'photo.jpg', 'image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]))
      await expect.poll(() => notice.textContent()).toMatch(/“photo\.jpg” is a JPEG.*drop it on “Image to image”/)
      expect(await value('Steps')).toBe('13')

      // Reading saved nothing.
      expect((await fx.studio.handlers['studio:presets:list']({})).presets).toEqual([])
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
