/**
 * Queue and cancel through the browser UI, against the real worker running the analytic stub model
 * (each model call made slow on purpose, so jobs stay long enough to reorder, remove and cancel).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GenerationService } from '../src/main/service/service'
import { Studio } from '../src/main/service/studio'
import { startWebHost, type WebHost } from '../src/main/web/host'
import { sourceWorkerFactory } from '../src/main/worker/spawn'
import { chromiumAvailable, launchChromium } from './chromium'
import { OUT, outputPath } from './paths'

describe('web host queue and cancel in Chromium', () => {
  let studio: Studio
  let service: GenerationService
  let host: WebHost
  beforeAll(async () => {
    if (!existsSync(join(OUT, 'renderer/index.html'))) throw new Error('out/renderer is missing: run "npm run build" first')
    studio = await Studio.start({ libraryDir: null, workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: '/nonexistent', defaultModel: 'stub', fake: { callMs: 40 } })
    service = studio.service
    host = await startWebHost({ api: studio, rendererDir: join(OUT, 'renderer') })
  })
  afterAll(async () => {
    await host?.close()
    await studio?.close()
  })

  it.skipIf(!chromiumAvailable())('queues jobs behind the running one, removes a waiting job and cancels the running one', async () => {
    const browser = await launchChromium()
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      const prompts = new Map<string, string>()
      const cancelled: string[] = []
      service.on('studio:queue', (d) => service.details((d.added ?? []).map((j) => j.jobId)).forEach((j) => prompts.set(j.jobId, j.prompt)))
      service.on('studio:job', (j) => j.state === 'cancelled' && cancelled.push(j.jobId))
      await page.goto(host.url)
      const panel = page.getByRole('region', { name: 'Generate' })
      await panel.waitFor()
      await page.getByLabel('Steps').fill('60')
      const generate = panel.getByRole('button', { name: 'Generate' })
      await page.getByLabel('Prompt', { exact: true }).fill('first')
      await generate.click()
      await page.getByLabel('Prompt', { exact: true }).fill('second')
      await generate.click()
      await page.getByLabel('Prompt', { exact: true }).fill('third')
      await generate.click()

      const queue = page.getByRole('region', { name: 'Queue' })
      await expect.poll(() => queue.locator('li .prompt').allTextContents()).toEqual(['second', 'third'])
      await queue.locator('li', { hasText: 'third' }).getByRole('button', { name: 'Run next' }).click()
      await expect.poll(() => queue.locator('li .prompt').allTextContents()).toEqual(['third', 'second'])
      await queue.locator('li', { hasText: 'second' }).getByRole('button', { name: 'Remove' }).click()
      await expect.poll(() => queue.locator('li .prompt').allTextContents()).toEqual(['third'])
      const removed = [...prompts].find(([, p]) => p === 'second')![0]
      await page.screenshot({ path: outputPath('webhost-queue.png') })

      // Cancel the running job a few steps in; "third" takes over.
      await expect.poll(async () => Number(await page.getByLabel('Preview of the image being generated').getAttribute('data-received'))).toBeGreaterThan(2)
      await panel.getByRole('button', { name: 'Cancel' }).click()
      await expect.poll(() => prompts.get(service.queue().running?.jobId ?? '') ?? null).toBe('third')
      await expect.poll(() => queue.count()).toBe(0)
      // Removing a waiting job reports it cancelled too; the running one was "first".
      expect(cancelled.map((id) => prompts.get(id))).toEqual(['second', 'first'])
      expect(cancelled[0]).toBe(removed)
      await page.getByRole('img', { name: 'Generated image' }).waitFor({ timeout: 30_000 })
      await expect.poll(() => page.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/Done: 60\/60/)
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
