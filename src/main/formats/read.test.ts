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
