/**
 * Our PNGs read back by A1111's rules. Two readers check the same files:
 * - our own parser (src/main/formats/infotext.ts), which implements A1111's rules in TypeScript;
 * - fixtures/a1111_reader.py, the same rules in Python with CPython's own `re` and `json` (so `\w`,
 *   quoting and JSON unescaping behave exactly as in A1111), and a PNG text reader that behaves like
 *   PIL's. It runs when python3 is on the PATH.
 * Both must give back the prompt, negative prompt, steps, sampler, schedule type, CFG, seed, size,
 * model hash and model we wrote, and the names must resolve to our ids again.
 */
import { describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { resolveSamplerName, resolveScheduleName } from '../../shared/catalogue'
import { validateGenerationParams, type GenerationParams } from '../../shared/params'
import { embedImageMetadata, IMAGE_META_FORMAT } from './image-metadata'
import { formatInfotext, infotextToParams, parseInfotext, quoteInfotextValue } from './infotext'
import { FormatError } from './errors'

const CASES: Array<{ label: string; params: Partial<GenerationParams>; modelName: string; modelHash: string | null }> = [
  { label: 'plain', params: { prompt: 'a lighthouse at dusk', negativePrompt: 'blurry', sampler: 'euler', schedule: 'karras', steps: 20, cfg: 7, seed: '965400086', width: 512, height: 512 }, modelName: 'sd15', modelHash: '45dee52b01' },
  { label: 'commas and colons', params: { prompt: 'masterpiece, (red fox:1.2), snow: deep, "quoted"', negativePrompt: 'lowres, bad hands: many', sampler: 'dpmpp_2m', schedule: 'exponential', steps: 31, cfg: 6.5, seed: '18446744073709551615', width: 768, height: 512 }, modelName: 'my model, v2: final', modelHash: '0123456789' },
  { label: 'multi-line and unicode', params: { prompt: 'ein Fuchs im Schnee\n狐、雪の中 🦊\nthird line', negativePrompt: 'flou\nzweite Zeile', sampler: 'euler_ancestral', schedule: 'normal', steps: 8, cfg: 1, seed: '0', width: 64, height: 1024 }, modelName: 'anime-ёлка', modelHash: null },
  { label: 'no negative prompt', params: { prompt: 'just a cat', negativePrompt: '', sampler: 'dpmpp_2m_sde_heun', schedule: 'sgm_uniform', steps: 1000, cfg: 100, seed: '4294967296', width: 4096, height: 8 }, modelName: 'sdxl-turbo', modelHash: 'ffffffffff' },
  { label: 'empty prompt', params: { prompt: '', negativePrompt: 'ugly', sampler: 'dpm_2_ancestral', schedule: 'ays_sd1', steps: 10, cfg: 3.25, seed: '12345', width: 512, height: 512, scheduleParams: {} }, modelName: 'sd15', modelHash: 'abcdef0123' },
  { label: 'quote and backslash', params: { prompt: 'say "hi", C:\\path\\to, end', negativePrompt: '', sampler: 'lms', schedule: 'beta', steps: 25, cfg: 12, seed: '7', width: 512, height: 640 }, modelName: 'x', modelHash: '1111111111' }
]

async function makePng(c: (typeof CASES)[number], i: number): Promise<Buffer> {
  const params = validateGenerationParams({ ...c.params, model: c.modelName })
  const base = await sharp(Buffer.alloc(8 * 8 * 3, 128), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer()
  return embedImageMetadata(base, { format: IMAGE_META_FORMAT, schemaVersion: 1, id: `case-${i}`, params, modelName: c.modelName, modelHash: c.modelHash, appVersion: '0.1.0', createdAt: '2026-01-01T00:00:00.000Z' })
}

/** What an A1111 reader must see for a case. */
function expected(c: (typeof CASES)[number]): Record<string, string> {
  const p = validateGenerationParams({ ...c.params, model: c.modelName })
  const e: Record<string, string> = {
    Prompt: p.prompt,
    'Negative prompt': p.negativePrompt,
    Steps: String(p.steps),
    'CFG scale': String(p.cfg),
    Seed: p.seed,
    'Size-1': String(p.width),
    'Size-2': String(p.height),
    Model: c.modelName
  }
  if (c.modelHash) e['Model hash'] = c.modelHash
  return e
}

function checkNames(got: Record<string, string>, c: (typeof CASES)[number]): void {
  const p = validateGenerationParams({ ...c.params, model: c.modelName })
  const s = resolveSamplerName(got.Sampler)
  expect(s?.sampler).toBe(p.sampler)
  if (p.samplerOptions.solver_type) expect(s?.options?.solver_type).toBe(p.samplerOptions.solver_type)
  // Schedules A1111 lacks, or has under the same label with other maths, are written under our own key.
  if (['ays_sd1', 'ays_sdxl', 'beta'].includes(p.schedule)) {
    expect(got['Schedule type']).toBeUndefined()
    expect(got['Sigma schedule']).toBe(p.schedule)
  } else expect(resolveScheduleName(got['Schedule type'])).toBe(p.schedule)
}

describe('A1111 infotext', () => {
  it('quotes values the way A1111 does', () => {
    expect(quoteInfotextValue('plain')).toBe('plain')
    expect(quoteInfotextValue('a, b')).toBe('"a, b"')
    expect(quoteInfotextValue('k: v')).toBe('"k: v"')
    expect(quoteInfotextValue('say "x", y')).toBe('"say \\"x\\", y"')
  })

  it('writes the keys A1111 writes, in its order', () => {
    const p = validateGenerationParams({ prompt: 'p', negativePrompt: 'n', sampler: 'dpmpp_2m', schedule: 'karras', seed: '1', model: 'sd15' })
    const t = formatInfotext(p, { model: { name: 'sd15', hash: '45dee52b01' }, appVersion: '0.1.0' })
    expect(t).toBe('p\nNegative prompt: n\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, Model hash: 45dee52b01, Model: sd15, RNG: CPU, Version: Sigma Studio v0.1.0')
  })

  it.each(CASES.map((c, i) => [c.label, i] as const))('round-trips through our A1111-rules parser: %s', async (_label, i) => {
    const c = CASES[i]
    const png = await makePng(c, i)
    const { readImageMetadata } = await import('./image-metadata')
    const text = readImageMetadata(png).infotext!
    const parsed = parseInfotext(text)
    const got: Record<string, string> = { Prompt: parsed.prompt, 'Negative prompt': parsed.negativePrompt, ...parsed.values }
    const [w, h] = got.Size.split('x')
    got['Size-1'] = w
    got['Size-2'] = h
    for (const [k, v] of Object.entries(expected(c))) expect(got[k], k).toBe(v)
    checkNames(got, c)
    // and our importer turns it back into the same parameters
    const imp = infotextToParams(text)
    const p = validateGenerationParams({ ...c.params, model: c.modelName })
    expect(imp.params).toMatchObject({ prompt: p.prompt, negativePrompt: p.negativePrompt, sampler: p.sampler, schedule: p.schedule, steps: p.steps, cfg: p.cfg, seed: p.seed, width: p.width, height: p.height })
    expect(imp.model.name).toBe(c.modelName)
  })

  const python = spawnSync('python3', ['--version']).status === 0
  it.skipIf(!python)('reads back right with A1111’s rules in CPython (fixtures/a1111_reader.py)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'a1111-'))
    try {
      const files = await Promise.all(
        CASES.map(async (c, i) => {
          const f = join(dir, `${i}.png`)
          writeFileSync(f, await makePng(c, i))
          return f
        })
      )
      const out = JSON.parse(execFileSync('python3', [join(__dirname, 'fixtures', 'a1111_reader.py'), ...files], { encoding: 'utf8' })) as Array<Record<string, string>>
      CASES.forEach((c, i) => {
        for (const [k, v] of Object.entries(expected(c))) expect(out[i][k], `${c.label}: ${k}`).toBe(v)
        checkNames(out[i], c)
        expect(out[i].RNG).toBe('CPU')
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('reads A1111 infotext as A1111 writes it, including old "Sampler Karras" names', () => {
    const t = 'girl, beret\nNegative prompt: ugly\nSteps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 965400086, Size: 512x768, Model hash: 45dee52b, Model: v1-5, Eta: 0.5, Schedule rho: 5'
    const r = infotextToParams(t)
    expect(r.params).toMatchObject({ prompt: 'girl, beret', negativePrompt: 'ugly', sampler: 'dpmpp_2m', schedule: 'karras', steps: 20, cfg: 7, seed: '965400086', width: 512, height: 768, scheduleParams: { rho: 5 } })
    expect(r.model).toEqual({ name: 'v1-5', hash: '45dee52b' })
    expect(r.warnings.join(' ')).toMatch(/Eta 0.5 was not carried/)
    expect(r.warnings.join(' ')).toMatch(/GPU/)
    const r2 = infotextToParams('x\nSteps: 30, Sampler: Euler a, Schedule type: Automatic, CFG scale: 5.5, Seed: 1, Size: 64x64, RNG: CPU')
    expect(r2.params).toMatchObject({ sampler: 'euler_ancestral', schedule: 'normal', cfg: 5.5 })
    expect(r2.warnings).toEqual([])
  })

  it('treats a last line with fewer than three pairs as part of the prompt', () => {
    const p = parseInfotext('a photo\nstyle: noir, mood: dark')
    expect(p.prompt).toBe('a photo\nstyle: noir, mood: dark')
    expect(p.pairs).toEqual([])
    expect(() => infotextToParams('a photo\nstyle: noir')).toThrow(FormatError)
  })

  it('names the infotext key that cannot be understood', () => {
    const err = (t: string): FormatError => {
      try {
        infotextToParams(t)
      } catch (e) {
        return e as FormatError
      }
      throw new Error('expected an error')
    }
    expect(err('x\nSteps: 20, Sampler: Warp Drive, CFG scale: 7').field).toBe('Sampler')
    expect(err('x\nSteps: 20, Sampler: Euler, CFG scale: 7, Size: big').field).toBe('Size')
    expect(err('x\nSteps: many, Sampler: Euler, CFG scale: 7').field).toBe('Steps')
    expect(err('x\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: -1').field).toBe('Seed')
  })
})
