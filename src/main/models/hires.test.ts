import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_HIRES, type HiresSettings } from '../../shared/hires'
import { GenerationInputError } from './errors'
import { generateHires, upscaleLatents } from './hires'
import { loadModel, type LoadedModel } from './model'
import { generate, type PipelineRequest } from './pipeline'
import { fixture } from './test-fixtures'

let model: LoadedModel

beforeAll(async () => {
  model = await loadModel(fixture('sd1-tiny'))
})

const base: PipelineRequest = { prompt: 'a red fox', negativePrompt: 'blurry', steps: 4, cfg: 5, seed: 42, sampler: 'euler_ancestral', schedule: 'karras' }
const hires = (h: Partial<HiresSettings> = {}): HiresSettings => ({ ...DEFAULT_HIRES, ...h })

describe('generateHires on the sd1 fixture (64x64 base, 8 px step)', () => {
  it('makes the hires size from a factor and runs both passes, the first equal to a plain generation bit for bit', async () => {
    const plain = await generate(model, base)
    const steps: { i: number; steps: number; pass: number; h: number }[] = []
    const res = await generateHires(model, { ...base, hires: hires({ scale: 2, steps: 3, denoise: 0.5 }) }, { onStep: (s) => steps.push({ i: s.i, steps: s.steps, pass: s.pass, h: s.latentHeight }) })
    expect(res.images[0]).toMatchObject({ width: 128, height: 128, seed: '42' })
    expect(res.hiresSize).toMatchObject({ width: 128, height: 128 })
    // First pass: the very latent a plain generation makes (a latent upscaler skips its decode).
    expect(Array.from(res.firstPass.latents)).toEqual(Array.from(plain.latents))
    expect(res.firstPass.images).toHaveLength(0)
    // Second pass: exactly the hires steps (A1111's fixed-steps img2img), numbered after the first pass's.
    expect(steps.map((s) => `${s.pass}:${s.i}/${s.steps}@${s.h}`)).toEqual(['1:0/7@8', '1:1/7@8', '1:2/7@8', '1:3/7@8', '2:4/7@16', '2:5/7@16', '2:6/7@16'])
    expect(res.stepsRun).toBe(7)
    // Steps 3 at denoise 0.5: the last 3 intervals of a 6-step schedule.
    expect(res.sigmas.length).toBe(4)
    expect(res.request.hires).toMatchObject({ scale: 2, steps: 3, denoise: 0.5 })
  })

  it('an image upscaler decodes the first pass: its picture equals the plain generation', async () => {
    const plain = await generate(model, base)
    const res = await generateHires(model, { ...base, hires: hires({ scale: 1.5, upscaler: 'Lanczos' }) })
    expect(Buffer.from(res.firstPass.images[0].data).equals(Buffer.from(plain.images[0].data))).toBe(true)
    expect(res.images[0]).toMatchObject({ width: 96, height: 96 })
    // Hires steps 0 = as many as the first pass.
    expect(res.stepsRun).toBe(8)
  })

  it('hires resize WxH with another aspect scales to cover and crops the middle (A1111 truncate)', async () => {
    const res = await generateHires(model, { ...base, steps: 2, hires: hires({ resizeWidth: 128, resizeHeight: 96, steps: 1, upscaler: 'Latent (nearest-exact)' }) })
    expect(res.images[0]).toMatchObject({ width: 128, height: 96 })
    expect(res.hiresSize).toMatchObject({ upscaleWidth: 128, upscaleHeight: 128, cropLeft: 0, cropTop: 16 })
    const nearest = await generateHires(model, { ...base, steps: 2, hires: hires({ resizeWidth: 96, steps: 1, upscaler: 'Nearest' }) })
    expect(nearest.images[0]).toMatchObject({ width: 96, height: 96 })
  })

  it('uses the hires sampler, schedule, CFG and prompt where given, the first pass\'s otherwise', async () => {
    const a = await generateHires(model, { ...base, hires: hires({ steps: 2, sampler: 'euler', schedule: 'simple', cfg: 1, prompt: 'a blue fox' }) })
    const b = await generateHires(model, { ...base, hires: hires({ steps: 2 }) })
    expect(Array.from(a.firstPass.latents)).toEqual(Array.from(b.firstPass.latents))
    expect(Array.from(a.latents)).not.toEqual(Array.from(b.latents))
    // CFG 1 skips the unconditional rows: the second pass's calls carry one row each.
    expect(a.unetRows - a.firstPass.unetRows).toBe(2)
    expect(b.unetRows - b.firstPass.unetRows).toBe(4)
  })

  it('refuses a bad hires size or an unknown upscaler model before any model work', async () => {
    let calls = 0
    const counting: LoadedModel = { ...model, sessions: { ...model.sessions, unet: { ...model.sessions.unet, run: (f, n) => (calls++, model.sessions.unet.run(f, n)) } } }
    const err = await generateHires(counting, { ...base, hires: hires({ resizeWidth: 100 }) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GenerationInputError)
    expect((err as GenerationInputError).field).toBe('hires.resizeWidth')
    expect((err as Error).message).toMatch(/100 is not a multiple of this model's 8 px step; use 96 or 104/)
    const model2 = await generateHires(counting, { ...base, hires: hires({ upscaler: '4x-UltraSharp' }) }).catch((e: unknown) => e)
    expect((model2 as GenerationInputError).field).toBe('hires.upscaler')
    const unknownSampler = await generateHires(counting, { ...base, hires: hires({ sampler: 'nope' }) }).catch((e: unknown) => e)
    expect((unknownSampler as GenerationInputError).field).toBe('sampler')
    expect(calls).toBe(0)
  })

  it('stops in the second pass when cancelled there', async () => {
    const abort = new AbortController()
    const seen: number[] = []
    const err = await generateHires(model, { ...base, hires: hires({ steps: 3 }) }, {
      signal: abort.signal,
      onStep: (s) => {
        seen.push(s.pass)
        if (s.pass === 2) abort.abort(new Error('cancelled in pass 2'))
      }
    }).catch((e: unknown) => e)
    expect((err as Error).message).toBe('cancelled in pass 2')
    expect(seen.filter((p) => p === 2)).toHaveLength(1)
  })
})

describe('upscaleLatents', () => {
  it('crops rows and columns as A1111 truncates them', () => {
    // One plane 2x2 -> nearest 4x4, cropped to 4 wide x 2 high from row 1.
    const x = Float64Array.from([1, 2, 3, 4])
    const y = upscaleLatents(x, 1, 1, 2, 2, { width: 32, height: 16, upscaleWidth: 32, upscaleHeight: 32, cropLeft: 0, cropTop: 8 }, 8, 'Latent (nearest)')
    expect([...y]).toEqual([1, 1, 2, 2, 3, 3, 4, 4])
  })
})
