/**
 * The generate view end to end in Debian Chromium against the local web host and the sd1-tiny fixture
 * model in the real worker: the prompt's token counter (crossing one 75-token chunk), the seed modes
 * (increment advances the seed between two jobs), the waiting status behind another client's job,
 * Ctrl+Enter and Esc, and screenshots at 1280x800 and 1920x1080.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResultEvent } from '../src/shared/api'
import { DEFAULT_PARAMS } from '../src/shared/params'
import { PromptTokenCounter } from '../src/main/service/prompt-handlers'
import { chromiumAvailable, launchChromium } from './chromium'
import { FIXTURES, startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath } from './paths'
import { openStudio } from './studio-page'

const run = chromiumAvailable()

describe.skipIf(!run)('generate view in Chromium', () => {
  let fx: FixtureHost
  let browser: Browser
  const results: ResultEvent[] = []
  const errors: string[] = []

  beforeAll(async () => {
    fx = await startFixtureHost({ library: true })
    fx.service.on('studio:result', (r) => results.push(r))
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await fx?.close()
  })

  async function open(width = 1280, height = 800): Promise<Page> {
    const { page } = await openStudio(browser, fx.host.url, { viewport: { width, height }, errors })
    await page.getByRole('region', { name: 'Generate' }).waitFor()
    return page
  }

  const prompt = (page: Page) => page.getByLabel('Prompt', { exact: true })
  const seed = (page: Page) => page.getByLabel('Seed', { exact: true })
  const status = (page: Page) => page.getByRole('status')

  it('counts prompt tokens as you type, into a second chunk', async () => {
    const page = await open()
    try {
      // The expected numbers come from the same counter over the fixture's own (tiny) vocabulary.
      const counter = new PromptTokenCounter({ modelsDir: FIXTURES, defaultModel: 'sd1-tiny' })
      const expected = (text: string): string => {
        const c = counter.count('sd1-tiny', text)
        return `${c.total}/${c.limit}`
      }
      const count = page.getByTestId('prompt-tokens')
      await prompt(page).fill('')
      await prompt(page).pressSequentially('a red fox', { delay: 20 })
      await expect.poll(() => count.textContent()).toBe(expected('a red fox'))
      expect(expected('a red fox')).toMatch(/\/75$/)

      // Grow the prompt until it spills over 75 tokens; the counter follows to "/150".
      let text = 'a red fox'
      while (!expected(text).endsWith('/150')) text += ', (studio light:1.2)'
      await prompt(page).fill(text)
      await expect.poll(() => count.textContent()).toBe(expected(text))
      expect(Number(expected(text).split('/')[0])).toBeGreaterThan(75)

      // The negative prompt counts separately.
      await page.getByLabel('Negative prompt').fill('blurry')
      await expect.poll(() => page.getByTestId('negative-prompt-tokens').textContent()).toBe(expected('blurry'))
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('increment mode advances the seed between two jobs; reuse puts the last seed back', async () => {
    const page = await open()
    try {
      results.length = 0
      await page.getByLabel('Model').selectOption('sd1-tiny')
      await prompt(page).fill('a lighthouse')
      await page.getByLabel('Steps').fill('4')
      await page.getByLabel('Seed mode').selectOption('increment')
      const generate = page.getByRole('region', { name: 'Generate' }).getByRole('button', { name: 'Generate' })
      // A bad seed is named next to the field and in the status, and nothing is sent.
      await seed(page).fill('12ab')
      expect(await seed(page).getAttribute('aria-invalid')).toBe('true')
      await generate.click()
      await expect.poll(() => status(page).textContent()).toMatch(/^Seed must be a whole number/)
      expect(results).toHaveLength(0)
      await seed(page).fill('100')
      await generate.click()
      await expect.poll(() => status(page).textContent(), { timeout: 30_000 }).toMatch(/^Done: 4\/4/)
      await expect.poll(() => seed(page).inputValue()).toBe('101')
      await generate.click()
      await expect.poll(() => results.length, { timeout: 30_000 }).toBe(2)
      await expect.poll(() => seed(page).inputValue()).toBe('102')
      expect(results.map((r) => r.params.seed)).toEqual(['100', '101'])
      // The result caption names the seed that made the image.
      await expect.poll(() => page.locator('figcaption', { hasText: 'Result' }).textContent()).toMatch(/seed 101/)

      // Random mode: each job draws a fresh seed and shows it.
      await page.getByLabel('Seed mode').selectOption('random')
      await generate.click()
      await expect.poll(() => results.length, { timeout: 30_000 }).toBe(3)
      await expect.poll(() => seed(page).inputValue()).toBe(results[2].params.seed)
      await page.getByRole('button', { name: 'Reuse last seed' }).click()
      expect(await page.getByLabel('Seed mode').inputValue()).toBe('fixed')
      expect(await seed(page).inputValue()).toBe(results[2].params.seed)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('sends the sampler options set under "More options"', async () => {
    const page = await open()
    try {
      results.length = 0
      await page.getByLabel('Sampler').selectOption('euler_ancestral')
      await page.getByLabel('Steps').fill('3')
      await page.getByText('More options').click()
      await page.getByLabel('eta', { exact: true }).fill('0.5')
      await expect.poll(() => page.locator('.advanced summary').textContent()).toBe('More options · eta 0.5')
      await page.screenshot({ path: outputPath('generate-more-options.png') })
      await page.getByRole('region', { name: 'Generate' }).getByRole('button', { name: 'Generate' }).click()
      await expect.poll(() => results.length, { timeout: 30_000 }).toBe(1)
      expect(results[0].params).toMatchObject({ sampler: 'euler_ancestral', samplerOptions: { eta: 0.5 } })
      // Another sampler has other options: eta is dropped, not sent to a sampler that refuses it.
      await page.getByLabel('Sampler').selectOption('dpmpp_2m')
      await expect.poll(() => page.locator('.advanced summary').textContent()).toBe('More options')
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('says how many jobs are ahead while waiting, starts with Ctrl+Enter and cancels with Esc', async () => {
    const page = await open()
    try {
      // Another client's long job occupies the worker (the fixture is fast: 1000 steps at 512x512 keep it busy for seconds).
      const long = { steps: 1000, width: 512, height: 512 }
      const other = fx.service.generate({ params: { ...DEFAULT_PARAMS, ...long, model: 'sd1-tiny', prompt: 'other' }, preview: { mode: 'off', every: 1 }, grid: null })
      await expect.poll(() => fx.service.queue().running?.jobId).toBe(other.jobId)

      await page.getByLabel('Steps').fill(String(long.steps))
      await page.getByLabel('Width').fill(String(long.width))
      await page.getByLabel('Height').fill(String(long.height))
      await prompt(page).fill('a long job')
      await prompt(page).press('Control+Enter')
      await expect.poll(() => status(page).textContent()).toBe('Waiting (1 ahead)')
      // Ctrl+Enter in the prompt did not type a newline.
      expect(await prompt(page).inputValue()).toBe('a long job')

      fx.service.cancel(other.jobId)
      await expect.poll(() => status(page).textContent(), { timeout: 30_000 }).toMatch(/^Step \d+\/1000/)
      const canvas = page.getByLabel('Preview of the image being generated')
      await expect.poll(async () => Number(await canvas.getAttribute('data-received')), { timeout: 30_000 }).toBeGreaterThan(2)
      // Esc from the page itself (nothing focused) cancels the shown job.
      await page.evaluate('document.activeElement && document.activeElement.blur()')
      await page.keyboard.press('Escape')
      await expect.poll(() => status(page).textContent(), { timeout: 10_000 }).toMatch(/^Cancelled at step \d+\/1000/)
      expect(fx.service.queue().running).toBeNull()
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('keeps following a job while another view is shown', async () => {
    const page = await open()
    try {
      results.length = 0
      // Long enough to be seen running: sd1-tiny makes 150 steps at 256x256 in 0.3 s on an idle machine.
      await page.getByLabel('Steps').fill('1000')
      await page.getByLabel('Width').fill('256')
      await page.getByLabel('Height').fill('256')
      await page.getByRole('region', { name: 'Generate' }).getByRole('button', { name: 'Generate' }).click()
      await expect.poll(() => status(page).textContent(), { timeout: 30_000 }).toMatch(/^Step \d+\/1000/)
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Catalogue' }).click()
      await expect.poll(() => results.length, { timeout: 60_000 }).toBe(1)
      await expect.poll(() => fx.service.queue().running).toBeNull()
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Generate' }).click()
      await expect.poll(() => status(page).textContent()).toMatch(/^Done: 1000\/1000/)
      await page.getByRole('img', { name: 'Generated image' }).waitFor()
      // The last preview frame is drawn again on return.
      await expect.poll(async () => Number(await page.getByLabel('Preview of the image being generated').getAttribute('data-frames'))).toBe(1)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  for (const [w, h] of [
    [1280, 800],
    [1920, 1080]
  ] as const) {
    it(`looks right at ${w}x${h}`, async () => {
      const page = await open(w, h)
      try {
        await page.getByLabel('Model').selectOption('sd1-tiny')
        await prompt(page).fill('a small red fox in the snow, (studio light:1.2), detailed')
        await page.getByLabel('Negative prompt').fill('blurry, text')
        await page.getByLabel('Sampler').selectOption('dpmpp_2m')
        await page.getByLabel('Steps').fill('12')
        await page.getByLabel('Batch').fill('3')
        await page.getByLabel('Seed mode').selectOption('fixed')
        await seed(page).fill('7')
        // The preview frame keeps its size from the first frame to the last.
        const frame = page.locator('.generate .frame').first()
        const before = await frame.boundingBox()
        await page.getByRole('region', { name: 'Generate' }).getByRole('button', { name: 'Generate' }).click()
        await expect.poll(() => status(page).textContent(), { timeout: 30_000 }).toMatch(/^Done: 12\/12/)
        await expect.poll(() => page.getByRole('list', { name: 'Images of this job' }).getByRole('img').count(), { timeout: 30_000 }).toBe(3)
        expect(await frame.boundingBox()).toEqual(before)
        // Nothing overflows the window sideways.
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true)
        await page.screenshot({ path: outputPath(`generate-${w}x${h}.png`) })
        expect(errors).toEqual([])
      } finally {
        await page.close()
      }
    })
  }
})
