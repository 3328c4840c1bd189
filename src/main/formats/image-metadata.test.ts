import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { encodeTextChunk, withTextChunks } from '../png/chunks'
import { embedImageMetadata, readImageMetadata, IMAGE_META_FORMAT, type ImageMetadata } from './image-metadata'
import { validateGenerationParams } from '../../shared/params'

async function tinyPng(w = 8, h = 4): Promise<Buffer> {
  const data = Buffer.alloc(w * h * 3, 0).map((_, i) => (i * 37) % 256)
  return sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()
}

describe('image metadata chunks', () => {
  it('embeds A1111 parameters and our exact JSON, and reads both back', async () => {
    const params = validateGenerationParams({ prompt: 'a fox, running: fast', negativePrompt: 'blur', sampler: 'dpmpp_2m', seed: '18446744073709551615', model: 'sd15' })
    const meta: ImageMetadata = { format: IMAGE_META_FORMAT, schemaVersion: 1, id: 'abc-1', params, modelName: 'sd15', modelHash: '0123456789', appVersion: '0.1.0', createdAt: '2026-01-01T00:00:00.000Z' }
    const png = embedImageMetadata(await tinyPng(), meta)
    const md = readImageMetadata(png)
    expect(md.meta).toEqual(meta)
    expect(md.infotext).toContain('Seed: 18446744073709551615')
    expect(md.infotext).toContain('Model hash: 0123456789, Model: sd15')
  })

  it('reports a bad sigma-studio chunk without failing the whole read', async () => {
    const png = withTextChunks(await tinyPng(), [encodeTextChunk('sigma-studio', '{"format":"sigma-studio-image","schemaVersion":99}', { forceItxt: true })])
    const md = readImageMetadata(png)
    expect(md.meta).toBeUndefined()
    expect(md.metaProblem).toMatch(/newer Sigma Studio/)
  })
})

describe('sigma-studio chunks written before parameters were versioned', () => {
  it('read migrated, with a note; ours are written with the version', async () => {
    const { readFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { readSettings, readSettingsChunks } = await import('./read')
    const { PARAMS_VERSION } = await import('../../shared/params-version')
    const old = readFileSync(join(__dirname, 'fixtures', 'sigma-chunk-params-v1.json'), 'utf8')
    const base = await sharp(Buffer.alloc(8 * 8 * 3, 90), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer()
    const png = withTextChunks(base, [encodeTextChunk('sigma-studio', old, { forceItxt: true })])
    const md = readImageMetadata(png)
    expect(md.metaProblem).toBeUndefined()
    expect(md.meta!.params).toMatchObject({ sampler: 'uni_pc_bh2', samplerOptions: {}, steps: 9 })
    const r = readSettings(png)
    expect(r.format).toBe('sigma-png')
    expect(r.warnings).toEqual([expect.stringMatching(/uni_pc_bh2/)])
    // Written back, it records the version, and reads with no note.
    const again = embedImageMetadata(base, md.meta!)
    const chunk = JSON.parse(readSettingsChunks(again).get('sigma-studio')!)
    expect(chunk.paramsVersion).toBe(PARAMS_VERSION)
    expect(readSettings(again).warnings).toEqual([])
  })
})
