/**
 * `npm run -s bench -- hostile`: what hostile input costs now — A1111 infotext without colons (the old
 * pattern backtracked quadratically: 3 s at 50k characters), a PNG whose settings chunk is a deflate
 * bomb, a 2,000-preset bundle import (was 49 s), and queueing 200 jobs with 20,000-character prompts
 * (the queue events' size is what every window and socket receives).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import sharp from 'sharp'
import { validateGenerationParams } from '../src/shared/params'
import { parseInfotext } from '../src/main/formats/infotext'
import { withTextChunks } from '../src/main/png/chunks'
import { readImageMetadata } from '../src/main/formats/image-metadata'
import { importPresets } from '../src/main/presets/import'
import { makePreset, PRESET_BUNDLE_FORMAT, PRESET_SCHEMA_VERSION } from '../src/main/presets/schema'
import { PresetStore } from '../src/main/presets/store'
import { GenerationService } from '../src/main/service/service'
import { sourceWorkerFactory } from '../src/main/worker/spawn'

const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10

export async function benchHostile(): Promise<unknown> {
  const infotext: Record<string, number> = {}
  for (const n of [50_000, 200_000, 1 << 20]) {
    const t0 = performance.now()
    parseInfotext('A'.repeat(n))
    infotext[`${n} chars without colons, ms`] = ms(t0)
  }

  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer()
  const bomb = deflateSync(Buffer.alloc(1 << 30, 0x41), { level: 9 })
  const bombed = withTextChunks(png, [{ type: 'zTXt', data: Buffer.concat([Buffer.from('parameters\0\0', 'latin1'), bomb]) }])
  let t0 = performance.now()
  readImageMetadata(bombed)
  const bombMs = ms(t0)

  const dir = mkdtempSync(join(tmpdir(), 'bench-hostile-'))
  const bundle = JSON.stringify({ format: PRESET_BUNDLE_FORMAT, schemaVersion: PRESET_SCHEMA_VERSION, exportedAt: new Date().toISOString(), presets: Array.from({ length: 2000 }, (_, i) => makePreset(`P ${i}`, { steps: 1 + (i % 50) })) })
  t0 = performance.now()
  importPresets(new PresetStore(dir), { text: bundle })
  const bundleMs = ms(t0)
  rmSync(dir, { recursive: true, force: true })

  const service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: '/nonexistent', defaultModel: 'fake', fake: { callMs: 1000 } })
  let queueBytes = 0
  service.on('studio:queue', (q) => (queueBytes += JSON.stringify(q).length))
  const params = validateGenerationParams({ model: 'fake', prompt: 'x'.repeat(20_000), width: 64, height: 64 })
  t0 = performance.now()
  for (let i = 0; i < 201; i++) service.generate({ params, preview: { mode: 'off', every: 1 }, grid: null })
  const queueMs = ms(t0)
  await service.close(1000)

  return {
    infotextParse: infotext,
    deflateBomb: { pngBytes: bombed.length, inflatesTo: '1 GiB', readSettingsMs: bombMs },
    bundleImport2000PresetsMs: bundleMs,
    queue201JobsWith20kPrompts: { ms: queueMs, queueEventBytesTotal: queueBytes }
  }
}
