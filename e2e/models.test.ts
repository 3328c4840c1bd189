/**
 * The model manager end to end in Debian Chromium against the local web host: import the tiny SD 1.x
 * checkpoint fixture by its path (the web host has no file dialog), see it listed with family, size,
 * source and hash, rename it, generate an image with it from the Generate view, and remove it after the
 * confirmation; a LoRA-shaped file is refused with the importer's own message; the default model offers
 * neither rename nor remove.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResultEvent } from '../src/shared/api'
import { encodeSafetensors } from '../src/main/models/safetensors/write'
import { chromiumAvailable, launchChromium } from './chromium'
import { FIXTURES, startFixtureHost, type FixtureHost } from './fixture-host'
import { outputPath, ROOT } from './paths'
import { openStudio } from './studio-page'

const run = chromiumAvailable()
const CKPT = join(ROOT, 'tools/fixtures/checkpoints/sd1-tiny.safetensors')
const TINY_TEMPLATES = join(ROOT, 'tools/fixtures/checkpoints/templates')

describe.skipIf(!run)('model manager in Chromium', () => {
  let fx: FixtureHost
  let browser: Browser
  let models: string
  const results: ResultEvent[] = []
  const errors: string[] = []

  beforeAll(async () => {
    models = mkdtempSync(join(tmpdir(), 'e2e-models-'))
    // The default model lives outside the models folder, as the embedded one does when another folder is chosen.
    const def = join(FIXTURES, 'sd1-tiny')
    fx = await startFixtureHost({ modelsDir: models, defaultModel: def, protectedModels: [def], modelManager: { builtInDir: FIXTURES, templatesDir: TINY_TEMPLATES } })
    fx.service.on('studio:result', (r) => results.push(r))
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await fx?.close()
    if (models) rmSync(models, { recursive: true, force: true })
  })

  async function open(): Promise<Page> {
    const { page } = await openStudio(browser, fx.host.url, { viewport: { width: 1280, height: 800 }, errors })
    await page.getByRole('button', { name: 'Models', exact: true }).click()
    await page.getByRole('region', { name: 'Models' }).waitFor()
    return page
  }

  const row = (page: Page, name: string) => page.locator(`tr[data-model="${name}"]`)

  it('imports a checkpoint, lists it, renames it, generates with it and removes it', async () => {
    const page = await open()
    try {
      // The default model is listed (by its path: it is outside the models folder) and cannot be changed.
      const def = row(page, join(FIXTURES, 'sd1-tiny'))
      await expect.poll(() => def.textContent()).toMatch(/sd1-tiny.*default.*always there/)
      expect(await def.getByRole('button', { name: 'Remove' }).count()).toBe(0)

      // A LoRA file is refused in the importer's words; nothing lands in the models folder.
      const lora = join(models, '..', `lora-${process.pid}.safetensors`)
      writeFileSync(lora, encodeSafetensors({ 'lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight': { dtype: 'F16', shape: [1], data: new Uint8Array(2) } }))
      const form = page.getByRole('form', { name: 'Import a checkpoint' })
      await form.getByLabel(/Checkpoint file/).fill(lora)
      await form.getByRole('button', { name: 'Import' }).click()
      await expect.poll(() => form.getByRole('alert').first().textContent(), { timeout: 30_000 }).toMatch(/Could not import lora-\d+\.safetensors: .*is a LoRA file/)
      rmSync(lora)

      // A typed path that is not a checkpoint is refused by main before anything is opened.
      await form.getByLabel(/Checkpoint file/).fill('/etc/passwd')
      await form.getByRole('button', { name: 'Import' }).click()
      await expect.poll(() => form.getByRole('alert').first().textContent()).toMatch(/is not a \.safetensors checkpoint/)

      await form.getByLabel(/Checkpoint file/).fill(CKPT)
      await form.getByLabel('Name (optional)').fill('Imported tiny')
      await form.getByRole('button', { name: 'Import' }).click()
      await expect.poll(() => form.getByRole('list', { name: 'Imports' }).textContent(), { timeout: 60_000 }).toMatch(/Imported sd1-tiny\.safetensors as “Imported tiny”/)
      const r = row(page, 'Imported tiny')
      const sha = createHash('sha256').update(readFileSync(CKPT)).digest('hex')
      await expect.poll(() => r.textContent()).toMatch(new RegExp(`Imported tiny.*SD 1\\.x.*(KB|MB).*sd1-tiny\\.safetensors.*${sha.slice(0, 10)}`))
      await page.screenshot({ path: outputPath('models-imported.png') })

      // Rename.
      await r.getByRole('button', { name: 'Rename' }).click()
      await page.getByLabel('New name for Imported tiny').fill('Tiny renamed')
      await page.getByRole('button', { name: 'Save' }).click()
      await expect.poll(() => row(page, 'Tiny renamed').count()).toBe(1)
      expect(readdirSync(models).filter((n) => !n.startsWith('.'))).toEqual(['Tiny renamed'])

      // Generate with it.
      await page.getByRole('button', { name: 'Generate', exact: true }).click()
      const gen = page.getByRole('region', { name: 'Generate' })
      await gen.waitFor()
      await page.getByLabel('Model').selectOption('Tiny renamed')
      await page.getByLabel('Prompt', { exact: true }).fill('a red fox')
      await page.getByLabel('Steps').fill('3')
      await page.getByLabel('Width').fill('64')
      await page.getByLabel('Height').fill('64')
      await gen.getByRole('button', { name: 'Generate' }).click()
      await expect.poll(() => results.length, { timeout: 60_000 }).toBe(1)
      expect(results[0].params.model).toBe('Tiny renamed')

      // Remove, after the confirmation (which says the checkpoint itself stays).
      await page.getByRole('button', { name: 'Models', exact: true }).click()
      const renamed = row(page, 'Tiny renamed')
      await renamed.getByRole('button', { name: 'Remove' }).click()
      const confirm = page.getByRole('alertdialog', { name: 'Remove Tiny renamed?' })
      await expect.poll(() => confirm.textContent()).toMatch(/the checkpoint .*sd1-tiny\.safetensors itself stays where it is/)
      await confirm.getByRole('button', { name: 'Remove' }).click()
      await expect.poll(() => row(page, 'Tiny renamed').count()).toBe(0)
      expect(readdirSync(models)).toEqual([])
      expect(existsSync(CKPT)).toBe(true)

      // Settings shows the models folder in use (this host saves no settings, so the field is read-only).
      await page.getByRole('button', { name: 'Settings', exact: true }).click()
      const folder = page.getByRole('form', { name: 'Models folder' })
      await expect.poll(() => folder.getByTestId('models-dir').textContent()).toBe(models)
      expect(await folder.getByLabel('Models folder path').isDisabled()).toBe(true)
      expect(await folder.textContent()).toMatch(/This run saves no settings/)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  }, 180_000)
})
