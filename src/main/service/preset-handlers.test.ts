import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { DEFAULT_PARAMS, validateGenerationParams, type GenerationParams } from '../../shared/params'
import type { InvokeHandlers, PresetDoc, PresetFile, PresetImportResult, SettingsReadResult } from '../../shared/api'
import { Library } from '../library/library'
import { embedImageMetadata } from '../formats/image-metadata'
import { encodeTextChunk, withTextChunks } from '../png/chunks'
import { imageMetadataFor } from '../library/library'
import { dispatch } from './dispatch'
import { LibraryHolder } from './library-holder'
import { downloadName, presetHandlers } from './preset-handlers'

let dir: string
let holder: LibraryHolder
let h: InvokeHandlers
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'preset-handlers-'))
  holder = new LibraryHolder(Library.open(dir), dir)
  h = presetHandlers(holder) as InvokeHandlers
})
afterEach(() => {
  holder.close()
  rmSync(dir, { recursive: true, force: true })
})

const params = (over: Partial<GenerationParams> = {}): GenerationParams =>
  validateGenerationParams({ ...DEFAULT_PARAMS, model: 'sd1-tiny', prompt: 'a fox', sampler: 'dpmpp_2m', schedule: 'karras', steps: 24, cfg: 6.5, seed: '7', ...over })

async function ok<T>(name: string, payload: unknown): Promise<T> {
  const r = await dispatch(h, name, payload)
  if (!r.ok) throw new Error(`${name} failed: ${r.error.field}: ${r.error.message}`)
  return r.value as T
}
async function refused(name: string, payload: unknown): Promise<{ field?: string; message: string; code: string }> {
  const r = await dispatch(h, name, payload)
  if (r.ok) throw new Error(`${name} should have failed`)
  return r.error
}

describe('preset calls', () => {
  it('saves from the form, lists, applies over the form, renames and deletes', async () => {
    const saved = await ok<{ preset: PresetDoc; overwrote: boolean }>('studio:presets:save', { name: 'Crisp', params: params() })
    expect(saved.preset.params).toMatchObject({ sampler: 'dpmpp_2m', steps: 24, cfg: 6.5 })
    // Machine-specific parts never enter a preset.
    expect(saved.preset.params).not.toHaveProperty('model')
    expect(saved.preset.params).not.toHaveProperty('img2img')
    const list = await ok<{ presets: PresetDoc[] }>('studio:presets:list', {})
    expect(list.presets.map((p) => p.name)).toEqual(['Crisp'])

    const base = params({ model: 'mine', sampler: 'euler', steps: 5, cfg: 2 })
    const applied = await ok<{ params: GenerationParams }>('studio:presets:apply', { name: 'crisp', base })
    expect(applied.params).toMatchObject({ model: 'mine', sampler: 'dpmpp_2m', steps: 24, cfg: 6.5 })

    await ok('studio:presets:rename', { from: 'Crisp', to: 'Sharp' })
    expect((await ok<{ presets: PresetDoc[] }>('studio:presets:list', {})).presets.map((p) => p.name)).toEqual(['Sharp'])
    expect(await ok('studio:presets:delete', { name: 'sharp' })).toEqual({ deleted: 'Sharp' })
    expect((await ok<{ presets: PresetDoc[] }>('studio:presets:list', {})).presets).toEqual([])
  })

  it('names the request field of every refusal', async () => {
    await ok('studio:presets:save', { name: 'Taken', params: params() })
    await ok('studio:presets:save', { name: 'Other', params: params() })
    const cases: Array<[string, unknown, string, RegExp]> = [
      ['studio:presets:save', { name: 'a/b', params: params() }, 'name', /path separator/],
      ['studio:presets:save', { name: '', params: params() }, 'name', /missing; give the preset a name/],
      ['studio:presets:save', { name: ' padded', params: params() }, 'name', /spaces/],
      ['studio:presets:save', { name: 'x'.repeat(90), params: params() }, 'name', /limit is 80/],
      ['studio:presets:save', { name: 'TAKEN', params: params() }, 'name', /already exists/],
      ['studio:presets:save', { name: 'New', params: { ...params(), steps: 0 } }, 'params.steps', /steps/],
      ['studio:presets:save', { name: 'New' }, 'params', /missing/],
      ['studio:presets:apply', { name: 'Ghost' }, 'name', /no preset named "Ghost"/],
      ['studio:presets:rename', { from: 'Ghost', to: 'X' }, 'from', /no preset named/],
      ['studio:presets:rename', { from: 'Taken', to: 'Other' }, 'to', /already exists/],
      ['studio:presets:rename', { from: 'Taken', to: 'a\\b' }, 'to', /path separator/],
      ['studio:presets:delete', { name: 'Ghost' }, 'name', /no preset named/],
      ['studio:presets:export', { name: 'Ghost', format: 'json' }, 'name', /no preset named/],
      ['studio:presets:export', { name: 'Taken', format: 'png' }, 'format', /json \(ours\), a1111/],
      ['studio:presets:export', { name: null, format: 'comfy' }, 'format', /only as our JSON bundle/],
      ['studio:presets:import', {}, 'text', /either the text/],
      ['studio:presets:import', { text: 'x', bytes: new Uint8Array([1]) }, 'text', /not both/],
      ['studio:presets:import', { text: '  ' }, 'text', /empty/],
      ['studio:presets:import', { text: 'a cat\nSteps: 20, Sampler: Euler, CFG scale: 7', name: 'no/slash' }, 'name', /path separator/],
      ['studio:presets:import', { text: '{}', mode: 'merge' }, 'mode', /error, rename or overwrite/]
    ]
    for (const [name, payload, field, msg] of cases) {
      const e = await refused(name, payload)
      expect([name, e.code, e.field]).toEqual([name, 'invalid-request', field])
      expect(e.message).toMatch(msg)
    }
    // An explicit overwrite replaces.
    expect((await ok<{ overwrote: boolean }>('studio:presets:save', { name: 'taken', params: params({ steps: 9 }), overwrite: true })).overwrote).toBe(true)
  })

  it('exports one preset as our JSON, A1111 infotext and a ComfyUI workflow, and all as a bundle', async () => {
    await ok('studio:presets:save', { name: 'Crisp: v2', params: params() })
    const json = await ok<PresetFile>('studio:presets:export', { name: 'Crisp: v2', format: 'json' })
    expect(json.filename).toBe('Crisp_ v2.json')
    expect(JSON.parse(json.text)).toMatchObject({ format: 'sigma-studio-preset', name: 'Crisp: v2' })
    const a1111 = await ok<PresetFile>('studio:presets:export', { name: 'Crisp: v2', format: 'a1111', model: '/models/sd1-tiny' })
    expect(a1111.mime).toBe('text/plain')
    expect(a1111.text).toMatch(/Steps: 24, Sampler: DPM\+\+ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 7/)
    expect(a1111.text).toMatch(/Model: sd1-tiny/)
    const comfy = await ok<PresetFile>('studio:presets:export', { name: 'Crisp: v2', format: 'comfy', model: 'sd1-tiny' })
    const wf = JSON.parse(comfy.text)
    expect(wf['3'].inputs).toMatchObject({ sampler_name: 'dpmpp_2m', scheduler: 'karras', steps: 24, cfg: 6.5, seed: 7 })
    expect(wf['4'].inputs.ckpt_name).toBe('sd1-tiny.safetensors')
    const all = await ok<PresetFile>('studio:presets:export', { name: null, format: 'json' })
    expect(JSON.parse(all.text)).toMatchObject({ format: 'sigma-studio-presets', presets: [{ name: 'Crisp: v2' }] })

    // What ComfyUI cannot express is refused with a reason.
    await ok('studio:presets:save', { name: 'Odd', params: params({ schedule: 'karras', scheduleParams: { rho: 3 } }) })
    const e = await refused('studio:presets:export', { name: 'Odd', format: 'comfy' })
    expect(e.field).toBe('name')
    expect(e.message).toMatch(/rho=3 cannot be expressed in ComfyUI/)
  })

  it('imports its own export back; a taken name is a conflict unless rename or overwrite is asked for', async () => {
    await ok('studio:presets:save', { name: 'Round trip', params: params() })
    const file = await ok<PresetFile>('studio:presets:export', { name: 'Round trip', format: 'json' })
    const clash = await ok<PresetImportResult>('studio:presets:import', { text: file.text, filename: file.filename })
    expect(clash).toMatchObject({ imported: [], conflicts: [{ name: 'Round trip', existing: 'Round trip' }], problems: [] })
    const renamed = await ok<PresetImportResult>('studio:presets:import', { text: file.text, mode: 'rename' })
    expect(renamed.imported).toEqual([{ name: 'Round trip (2)', renamedFrom: 'Round trip' }])
    await ok('studio:presets:delete', { name: 'Round trip' })
    const back = await ok<PresetImportResult>('studio:presets:import', { bytes: new TextEncoder().encode(file.text), filename: file.filename })
    expect(back.imported).toEqual([{ name: 'Round trip' }])
    const list = await ok<{ presets: PresetDoc[] }>('studio:presets:list', {})
    expect(list.presets.find((p) => p.name === 'Round trip')!.params).toMatchObject({ sampler: 'dpmpp_2m', steps: 24 })
  })

  it('imports pasted A1111 infotext, A1111 PNGs and our own PNGs', async () => {
    const info = 'a castle\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 5, Size: 512x512'
    expect((await ok<PresetImportResult>('studio:presets:import', { text: info, name: 'Castle' })).imported).toEqual([{ name: 'Castle' }])
    const png = await sharp(Buffer.alloc(8 * 8 * 3, 90), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer()
    const a1111Png = withTextChunks(png, [encodeTextChunk('parameters', info.replace('Steps: 30', 'Steps: 31'))])
    const r1 = await ok<PresetImportResult>('studio:presets:import', { bytes: new Uint8Array(a1111Png), filename: 'castle-from-a1111.png' })
    expect(r1.imported).toEqual([{ name: 'castle-from-a1111' }])
    const ours = embedImageMetadata(png, imageMetadataFor(params({ steps: 17 })))
    const r2 = await ok<PresetImportResult>('studio:presets:import', { bytes: new Uint8Array(ours), filename: 'ours.png' })
    expect(r2.imported).toEqual([{ name: 'ours' }])
    const list = (await ok<{ presets: PresetDoc[] }>('studio:presets:list', {})).presets
    expect(Object.fromEntries(list.map((p) => [p.name, p.params.steps]))).toEqual({ Castle: 30, 'castle-from-a1111': 31, ours: 17 })
  })

  it('reads settings without saving them, with the warnings an import gives (the Generate view\'s drop)', async () => {
    const png = await sharp(Buffer.alloc(8 * 8 * 3, 90), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer()
    const ours = embedImageMetadata(png, imageMetadataFor(params({ steps: 17, seed: '18446744073709551615' })))
    const r = await ok<SettingsReadResult>('studio:presets:read', { bytes: new Uint8Array(ours), filename: 'ours.png' })
    expect(r.format).toBe('sigma-png')
    expect(r.params).toMatchObject({ prompt: 'a fox', sampler: 'dpmpp_2m', schedule: 'karras', steps: 17, cfg: 6.5, seed: '18446744073709551615' })
    expect(r.params).not.toHaveProperty('model')
    // Infotext made with A1111's GPU noise (no RNG field): the same warning the Presets import shows, and no preset saved.
    const info = 'a castle\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 5, Size: 512x512'
    const read = await ok<SettingsReadResult>('studio:presets:read', { text: info })
    const imported = await ok<PresetImportResult>('studio:presets:import', { text: info, name: 'Castle' })
    expect(read.params).toMatchObject({ prompt: 'a castle', steps: 30, sampler: 'dpmpp_2m', cfg: 7, seed: '5' })
    expect(read.warnings).toEqual([expect.stringMatching(/A1111's GPU noise/)])
    expect(imported.warnings).toEqual(read.warnings.map((w) => `Castle: ${w}`))
    expect((await ok<{ presets: PresetDoc[] }>('studio:presets:list', {})).presets.map((p) => p.name)).toEqual(['Castle'])
    // A file that holds no settings is refused on the request field it came in.
    const bare = await refused('studio:presets:read', { bytes: new Uint8Array(png), filename: 'bare.png' })
    expect(bare.field).toBe('bytes')
    expect(bare.message).toMatch(/carries no generation settings/)
  })

  it('lists every bad field of a malformed preset file, and writes nothing', async () => {
    const bad = JSON.stringify({
      format: 'sigma-studio-preset',
      schemaVersion: 1,
      name: 'bad/name',
      params: { sampler: 'warp_drive', steps: 'twenty', cfg: 7 },
      createdAt: 'yesterday'
    })
    const r = await ok<PresetImportResult>('studio:presets:import', { text: bad, filename: 'bad.json' })
    expect(r.imported).toEqual([])
    const fields = r.problems.map((p) => p.field)
    expect(fields).toEqual(expect.arrayContaining(['name', 'params.sampler', 'params.steps', 'createdAt']))
    expect(r.problems.find((p) => p.field === 'params.sampler')!.message).toMatch(/unknown sampler "warp_drive"/)
    // Messages are bare: the field is shown beside them, not repeated in them.
    for (const p of r.problems) expect(p.message.startsWith(`${p.field}:`)).toBe(false)
    expect((await ok<{ presets: PresetDoc[] }>('studio:presets:list', {})).presets).toEqual([])

    // The same from a chosen file's bytes.
    const fromFile = await ok<PresetImportResult>('studio:presets:import', { bytes: new TextEncoder().encode(bad), filename: 'bad.json' })
    expect(fromFile.problems.map((p) => p.field)).toEqual(r.problems.map((p) => p.field))
    const truncated = await ok<PresetImportResult>('studio:presets:import', { text: bad.slice(0, 40), filename: 'cut.json' })
    expect(truncated.problems).toEqual([{ field: null, message: expect.stringMatching(/truncated/) }])
    const newer = await ok<PresetImportResult>('studio:presets:import', { text: JSON.stringify({ format: 'sigma-studio-preset', schemaVersion: 9 }) })
    expect(newer.problems[0].message).toMatch(/newer Sigma Studio/)
    const bundle = JSON.stringify({ format: 'sigma-studio-presets', schemaVersion: 1, presets: [{ format: 'sigma-studio-preset', schemaVersion: 1, name: 'ok', params: { steps: -1 }, createdAt: '2026-01-01T00:00:00Z' }] })
    expect((await ok<PresetImportResult>('studio:presets:import', { text: bundle })).problems.map((p) => p.field)).toEqual(['presets[0].params.steps'])
  })

  it('makes download names safe', () => {
    expect(downloadName('a/b:c*d')).toBe('a_b_c_d')
    expect(downloadName('...')).toBe('preset')
    expect(downloadName('Portrait (2)')).toBe('Portrait (2)')
  })
})
