import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { encodeTextChunk, withTextChunks } from '../png/chunks'
import { readSettings } from './read'

const fixtureText = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8')

async function pngWith(entries: Array<[string, string]>): Promise<Buffer> {
  const base = await sharp(Buffer.alloc(8 * 8 * 3, 90), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer()
  return withTextChunks(base, entries.map(([k, t]) => encodeTextChunk(k, t)))
}

describe('reading settings from any file', () => {
  it('reads a ComfyUI PNG from its prompt chunk, and from its workflow chunk when there is no prompt', async () => {
    const api = readSettings(await pngWith([['prompt', fixtureText('comfy-api-txt2img.json')], ['workflow', fixtureText('comfy-ui-sampler-custom.json')]]))
    expect(api.format).toBe('comfy-api')
    expect(api.params.seed).toBe('1011480519381337042')
    const ui = readSettings(await pngWith([['workflow', fixtureText('comfy-ui-sampler-custom.json')]]))
    expect(ui.params).toMatchObject({ sampler: 'euler_ancestral', schedule: 'ays_sdxl', seed: '123456789' })
  })

  it('reads InvokeAI PNGs, new and old', async () => {
    expect((await pngWith([['invokeai_metadata', fixtureText('invokeai-metadata.json')]]).then(readSettings)).params.schedule).toBe('karras')
    expect((await pngWith([['sd-metadata', fixtureText('invokeai-sd-metadata.json')]]).then(readSettings)).params.sampler).toBe('euler_ancestral')
    expect((await pngWith([['Dream', '"a fox" -s 12 -S 5 -W 512 -H 512 -C 7 -A k_heun']]).then(readSettings)).params).toMatchObject({ sampler: 'heun', steps: 12 })
  })

  it('reads JSON files of every kind and text as A1111 infotext', () => {
    const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
    expect(readSettings(bytes(fixtureText('comfy-ui-sampler-custom.json'))).format).toBe('comfy-api')
    expect(readSettings(bytes(fixtureText('invokeai-metadata.json'))).format).toBe('invokeai')
    expect(readSettings(bytes(fixtureText('sd15-scheduler_config.json'))).format).toBe('diffusers-scheduler')
    expect(readSettings(bytes('\uFEFFa cat\nSteps: 9, Sampler: Heun, CFG scale: 3')).params).toMatchObject({ prompt: 'a cat', sampler: 'heun', steps: 9 })
    expect(() => readSettings(bytes('{"hello": 1}'), { source: 'x.json' })).toThrow(/x.json: is JSON, but not a ComfyUI workflow/)
  })

  it('says so when a PNG carries no settings', async () => {
    expect(() => readSettings(Buffer.from([]), {})).toThrow()
    await expect(pngWith([['Comment', 'hello']]).then((b) => readSettings(b, { source: 'plain.png' }))).rejects.toThrow(/plain.png: this PNG carries no generation settings/)
  })
})

describe('the settings keywords the renderer keeps', () => {
  it('are exactly the keywords the readers use, in their order of preference', async () => {
    const { SETTINGS_TEXT_KEYWORDS } = await import('../../shared/png-chunks')
    const { SIGMA_KEYWORD, PARAMETERS_KEYWORD } = await import('./image-metadata')
    const { INVOKEAI_KEYWORD, INVOKEAI_LEGACY_KEYWORD, INVOKEAI_DREAM_KEYWORD } = await import('./invokeai')
    expect([...SETTINGS_TEXT_KEYWORDS]).toEqual([SIGMA_KEYWORD, PARAMETERS_KEYWORD, 'prompt', 'workflow', INVOKEAI_KEYWORD, INVOKEAI_LEGACY_KEYWORD, INVOKEAI_DREAM_KEYWORD])
  })

  it('read the same settings from a PNG shrunk by the renderer as from the whole file', async () => {
    const { settingsOnlyPng } = await import('../../shared/png-chunks')
    // Noise does not compress: a PNG with many image-data chunks.
    let x = 2463534242
    const noise = Buffer.alloc(256 * 256 * 3).map(() => {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      return x & 255
    })
    const big = await sharp(noise, { raw: { width: 256, height: 256, channels: 3 } })
      .png()
      .toBuffer()
    const info = 'a castle\nNegative prompt: fog\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 5, Size: 512x768'
    const whole = withTextChunks(big, [encodeTextChunk('Comment', 'x'.repeat(5000)), encodeTextChunk('parameters', info)])
    const small = settingsOnlyPng(whole)
    expect(small.length).toBeLessThan(whole.length / 4)
    expect(readSettings(small)).toEqual(readSettings(whole))
  })
})
