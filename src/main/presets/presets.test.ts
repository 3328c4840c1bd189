import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { DEFAULT_PARAMS, validateGenerationParams } from '../../shared/params'
import { embedImageMetadata, IMAGE_META_FORMAT } from '../formats/image-metadata'
import { encodeTextChunk, withTextChunks } from '../png/chunks'
import { PresetError } from './errors'
import { applyPreset, makePreset, validatePreset, PRESET_SCHEMA_VERSION } from './schema'
import { PresetStore, presetFileName } from './store'
import { exportComfy, exportInfotext, importPresets, readPresets } from './import'
import { comfyWorkflowJson, toComfyWorkflow } from '../formats/comfy-write'
import { infotextToParams } from '../formats/infotext'

const FIXTURE = join(__dirname, 'fixtures', 'preset-v1.json')

function good(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { format: 'sigma-studio-preset', schemaVersion: 1, name: 'Nice', params: { sampler: 'euler', steps: 20, cfg: 7 }, createdAt: '2026-01-01T00:00:00Z', ...over }
}

function fail(raw: unknown): PresetError {
  try {
    validatePreset(raw, 'test.json')
  } catch (e) {
    if (e instanceof PresetError) return e
    throw e
  }
  throw new Error('expected a PresetError')
}

describe('preset schema', () => {
  it('loads the frozen v1 fixture', () => {
    const p = validatePreset(JSON.parse(readFileSync(FIXTURE, 'utf8')), FIXTURE)
    expect(p.name).toBe('Crisp portrait')
    expect(p.params).toMatchObject({ sampler: 'dpmpp_2m_sde', samplerOptions: { eta: 1, solver_type: 'heun' }, steps: 28, cfg: 6.5, height: 768 })
    expect(p.params.guidance).toEqual({ rescale: 0.7, interval: null, thresholdPercentile: null, clipSample: null })
    expect(p.params).not.toHaveProperty('model')
  })

  it('gives each malformed preset a clear error that points at the field', () => {
    const cases: Array<[unknown, string | undefined, RegExp]> = [
      // wrong types
      [good({ params: { steps: '20' } }), 'params.steps', /finite number, got "20"/],
      [good({ params: { cfg: true } }), 'params.cfg', /finite number/],
      [good({ name: 42 }), 'name', /must be text/],
      [good({ params: [] }), 'params', /object of generation parameters/],
      [good({ createdAt: 'yesterday' }), 'createdAt', /ISO date/],
      // unknown sampler / schedule / field
      [good({ params: { sampler: 'warp_drive' } }), 'params.sampler', /unknown sampler "warp_drive"; choose one of/],
      [good({ params: { schedule: 'lunar' } }), 'params.schedule', /unknown schedule/],
      [good({ params: { cfg_scale: 7 } }), 'params.cfg_scale', /not a generation parameter/],
      [good({ colour: 'red' }), 'colour', /not a preset field/],
      // missing fields
      [(({ name, ...r }) => r)(good()), 'name', /missing/],
      [(({ params, ...r }) => r)(good()), 'params', /missing/],
      [(({ format, ...r }) => r)(good()), 'format', /missing/],
      [(({ schemaVersion, ...r }) => r)(good()), 'schemaVersion', /missing/],
      [(({ createdAt, ...r }) => r)(good()), 'createdAt', /missing/],
      // absurd values
      [good({ params: { steps: 1e9 } }), 'params.steps', /between 1 and 1000/],
      [good({ params: { steps: 2.5 } }), 'params.steps', /whole number/],
      [good({ params: { cfg: -3 } }), 'params.cfg', /between 0 and 100/],
      [good({ params: { width: 513 } }), 'params.width', /not a multiple of 8/],
      [good({ params: { seed: '99999999999999999999' } }), 'params.seed', /below 2\^64/],
      [good({ params: { sampler: 'euler', samplerOptions: { eta: 1 } } }), 'params.samplerOptions.eta', /not an option of euler/],
      [good({ params: { samplerOptions: { s_churn: 1 } } }), 'params.samplerOptions', /without "sampler"/],
      // machine-specific fields
      [good({ params: { model: 'sd15' } }), 'params.model', /not stored in presets/],
      // names
      [good({ name: 'portraits/crisp' }), 'name', /path separator/],
      [good({ name: '..\\evil' }), 'name', /path separator/],
      [good({ name: 'two\nlines' }), 'name', /control character/],
      [good({ name: 'x'.repeat(81) }), 'name', /81 characters.*80/],
      [good({ name: '' }), 'name', /empty/],
      [good({ name: ' padded ' }), 'name', /spaces/],
      [good({ name: '..' }), 'name', /only dots/]
    ]
    for (const [raw, field, msg] of cases) {
      const e = fail(raw)
      expect(e.field, JSON.stringify(raw)).toBe(field)
      expect(e.message, JSON.stringify(raw)).toMatch(msg)
      expect(e.message).toContain('test.json')
    }
  })

  it('refuses a newer schema version with a message to update', () => {
    const e = fail(good({ schemaVersion: PRESET_SCHEMA_VERSION + 1 }))
    expect(e.code).toBe('newer-schema')
    expect(e.message).toMatch(new RegExp(`made by a newer Sigma Studio \\(schema ${PRESET_SCHEMA_VERSION + 1}\\); update the app to import it`))
  })

  it('applies a preset over the current parameters without mixing sampler options', () => {
    const base = validateGenerationParams({ prompt: 'keep me', sampler: 'euler_ancestral', samplerOptions: { eta: 0.5 }, model: 'sd15' })
    const p = makePreset('DPM', { sampler: 'dpmpp_2m', steps: 30 })
    expect(p.params.samplerOptions).toEqual({})
    const out = applyPreset(base, p)
    expect(out).toMatchObject({ prompt: 'keep me', sampler: 'dpmpp_2m', samplerOptions: {}, steps: 30, model: 'sd15' })
  })
})

describe('preset store and import/export', () => {
  let dir: string
  let store: PresetStore
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'presets-'))
    store = new PresetStore(join(dir, 'presets'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('saves, lists, renames and deletes; names are unique regardless of case', () => {
    store.create('Portrait', { steps: 30 })
    store.create('Landscape: wide?', { width: 768 })
    expect(store.list().presets.map((p) => p.name)).toEqual(['Landscape: wide?', 'Portrait'])
    expect(readdirSync(store.dir).sort()).toEqual(['Landscape%3A wide%3F.json', 'Portrait.json'])
    expect(() => store.create('portrait', { steps: 1 })).toThrow(/already exists/)
    expect(store.create('portrait', { steps: 1 }, { mode: 'rename' }).preset.name).toBe('portrait (2)')
    store.rename('Portrait', 'Portrait HQ')
    expect(store.find('portrait hq')?.params.steps).toBe(30)
    store.delete('Portrait HQ')
    expect(store.list().presets.map((p) => p.name)).toEqual(['Landscape: wide?', 'portrait (2)'])
    expect(() => store.get('nope')).toThrow(/no preset named "nope"/)
    expect(presetFileName('CON')).toBe('%5FCON.json')
  })

  it('reports broken files in the folder and leaves them alone', () => {
    store.create('Fine', { steps: 30 })
    writeFileSync(join(store.dir, 'broken.json'), '{"format": "sigma-studio-preset", "schemaVersion": 1, "na')
    const l = store.list()
    expect(l.presets.map((p) => p.name)).toEqual(['Fine'])
    expect(l.problems[0].message).toMatch(/broken\.json: is not valid JSON \(the file looks truncated/)
  })

  it('refuses a truncated file on import with a clear message', () => {
    const f = join(dir, 'cut.json')
    const full = JSON.stringify(good())
    writeFileSync(f, full.slice(0, full.length - 15))
    expect(() => readPresets({ file: f })).toThrow(/cut\.json: is not valid JSON \(the file looks truncated/)
    expect(() => readPresets({ file: join(dir, 'absent.json') })).toThrow(/absent\.json: no such file/)
  })

  it('exports one or all and imports them back; an import never overwrites silently', () => {
    store.create('A', { steps: 11, sampler: 'heun' })
    store.create('B', { cfg: 4 })
    const bundle = join(dir, 'all.json')
    store.exportAll(bundle)
    const one = join(dir, 'a.json')
    store.exportOne('A', one)

    const other = new PresetStore(join(dir, 'other'))
    expect(importPresets(other, { file: bundle }).imported.map((o) => o.preset.name)).toEqual(['A', 'B'])
    // again: conflicts, nothing written
    const again = importPresets(other, { file: bundle })
    expect(again.imported).toEqual([])
    expect(again.conflicts.map((c) => c.name)).toEqual(['A', 'B'])
    expect(other.list().presets).toHaveLength(2)
    // explicit choices
    expect(importPresets(other, { file: one }, { mode: 'rename' }).imported[0].preset.name).toBe('A (2)')
    const over = importPresets(other, { file: one }, { mode: 'overwrite' }).imported[0]
    expect(over.overwrote).toBe(true)
    expect(other.list().presets.map((p) => p.name)).toEqual(['A', 'A (2)', 'B'])
    // save() itself refuses too
    expect(() => other.save(store.get('A'))).toThrow(PresetError)
  })

  it('imports pasted A1111 infotext and A1111 PNGs', async () => {
    const text = 'castle on a hill, sunset\nNegative prompt: fog\nSteps: 25, Sampler: DPM++ SDE, Schedule type: Karras, CFG scale: 5, Seed: 77, Size: 640x448, Model hash: 1234567890, Model: dream'
    const r = importPresets(store, { text }, { name: 'Castle' })
    expect(r.imported[0].preset).toMatchObject({ name: 'Castle', params: { prompt: 'castle on a hill, sunset', negativePrompt: 'fog', sampler: 'dpmpp_sde', schedule: 'karras', steps: 25, cfg: 5, seed: '77', width: 640, height: 448 } })
    expect(r.candidates[0].model).toEqual({ name: 'dream', hash: '1234567890' })

    const base = await sharp(Buffer.alloc(4 * 4 * 3), { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer()
    const a1111Png = withTextChunks(base, [encodeTextChunk('parameters', text)])
    const f = join(dir, 'from-a1111.png')
    writeFileSync(f, a1111Png)
    const c = readPresets({ file: f })[0]
    expect(c.origin).toBe('a1111')
    expect(c.preset.name).toBe('from-a1111')
    expect(c.preset.params.sampler).toBe('dpmpp_sde')

    const noSettings = join(dir, 'plain.png')
    writeFileSync(noSettings, base)
    expect(() => readPresets({ file: noSettings })).toThrow(/carries no generation settings/)
    writeFileSync(noSettings, base.subarray(0, 30))
    expect(() => readPresets({ file: noSettings })).toThrow(/truncated/)
  })

  it('imports our own PNGs from their exact JSON chunk', async () => {
    const params = validateGenerationParams({ prompt: 'exact', sampler: 'dpmpp_2m_sde', samplerOptions: { eta: 0.3, solver_type: 'heun' }, noise: { temperature: 1.1 }, seed: '18446744073709551615', model: 'sd15' })
    const base = await sharp(Buffer.alloc(4 * 4 * 3), { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer()
    const png = embedImageMetadata(base, { format: IMAGE_META_FORMAT, schemaVersion: 1, id: 'x1', params, modelName: 'sd15', modelHash: null, appVersion: '0.1.0', createdAt: '2026-01-01T00:00:00Z' })
    const c = readPresets({ bytes: png, source: 'mine.png' })[0]
    expect(c.origin).toBe('sigma-png')
    const { model, img2img, ...rest } = params
    void model
    void img2img
    expect(c.preset.params).toEqual(rest)
  })

  it('exports to A1111 infotext that reads back the same', () => {
    const p = makePreset('X', { prompt: 'a, b', sampler: 'euler_ancestral', schedule: 'exponential', steps: 12, cfg: 3.5, seed: '9', width: 320, height: 448 })
    const t = exportInfotext(p, { model: { name: 'sd15', hash: 'aaaaaaaaaa' } })
    expect(t).toContain('Sampler: Euler a, Schedule type: Exponential, CFG scale: 3.5, Seed: 9, Size: 320x448, Model hash: aaaaaaaaaa, Model: sd15')
    expect(infotextToParams(t).params).toMatchObject(p.params)
  })
})

describe('ComfyUI export', () => {
  it('builds an API-format graph with the same sampler, schedule, steps, CFG, seed and size', () => {
    const p = validateGenerationParams({ prompt: 'pos', negativePrompt: 'neg', sampler: 'dpmpp_2m', schedule: 'karras', steps: 28, cfg: 6.5, seed: '18446744073709551615', width: 768, height: 512, model: '/models/dreamshaper' })
    const { workflow, warnings } = toComfyWorkflow(p)
    expect(warnings).toEqual([])
    const ks = Object.values(workflow).find((n) => n.class_type === 'KSampler')!
    expect(ks.inputs).toMatchObject({ steps: 28, cfg: 6.5, sampler_name: 'dpmpp_2m', scheduler: 'karras', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] })
    expect(workflow['5'].inputs).toEqual({ width: 768, height: 512, batch_size: 1 })
    expect(workflow['4'].inputs.ckpt_name).toBe('dreamshaper.safetensors')
    expect(workflow['6'].inputs.text).toBe('pos')
    expect(workflow['7'].inputs.text).toBe('neg')
    expect(workflow['8']).toMatchObject({ class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } })
    expect(workflow['9']).toMatchObject({ class_type: 'SaveImage', inputs: { images: ['8', 0] } })
    // every link points at an existing node
    for (const n of Object.values(workflow)) for (const v of Object.values(n.inputs)) if (Array.isArray(v)) expect(workflow[v[0]], JSON.stringify(v)).toBeDefined()
    // the seed survives exactly in the JSON text
    const { json } = comfyWorkflowJson(p)
    expect(json).toMatch(/"seed": 18446744073709551615\b/)
  })

  it('uses SamplerCustom for Align Your Steps, RescaleCFG for guidance rescale, and refuses what ComfyUI cannot do', () => {
    const p = validateGenerationParams({ sampler: 'euler', schedule: 'ays_sdxl', steps: 10, guidance: { rescale: 0.7 } })
    const { workflow } = toComfyWorkflow(p)
    expect(Object.values(workflow).map((n) => n.class_type)).toEqual(expect.arrayContaining(['SamplerCustom', 'AlignYourStepsScheduler', 'KSamplerSelect', 'RescaleCFG']))
    expect(Object.values(workflow).find((n) => n.class_type === 'AlignYourStepsScheduler')!.inputs).toMatchObject({ model_type: 'SDXL', steps: 10 })
    expect(() => toComfyWorkflow(validateGenerationParams({ schedule: 'trailing' }))).toThrow(/not a ComfyUI scheduler/)
    expect(() => toComfyWorkflow(validateGenerationParams({ schedule: 'karras', scheduleParams: { rho: 5 } }))).toThrow(/rho=5/)
    const heun = toComfyWorkflow(validateGenerationParams({ sampler: 'dpmpp_2m_sde', samplerOptions: { solver_type: 'heun', eta: 0.5 } }))
    expect(Object.values(heun.workflow).find((n) => n.class_type === 'KSampler')!.inputs.sampler_name).toBe('dpmpp_2m_sde_heun')
    expect(heun.warnings[0]).toMatch(/eta=0.5/)
  })

  it('exports a preset over the defaults', () => {
    const { json } = exportComfy(makePreset('c', { steps: 9 }), { checkpoint: 'v1-5.safetensors' })
    const wf = JSON.parse(json)
    expect(wf['3'].inputs).toMatchObject({ steps: 9, cfg: DEFAULT_PARAMS.cfg, sampler_name: DEFAULT_PARAMS.sampler, scheduler: DEFAULT_PARAMS.schedule })
    expect(wf['4'].inputs.ckpt_name).toBe('v1-5.safetensors')
  })
})
