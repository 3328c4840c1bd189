import { describe, expect, it } from 'vitest'
import { DEFAULT_HIRES } from '../../shared/hires'
import { DEFAULT_PARAMS, validateGenerationParams, type GenerationParams } from '../../shared/params'
import { formatInfotext, infotextToParams } from './infotext'

const base: GenerationParams = { ...DEFAULT_PARAMS, prompt: 'a fox', negativePrompt: 'blurry', sampler: 'euler_ancestral', schedule: 'karras', steps: 20, cfg: 7, seed: '42', width: 512, height: 512 }

describe('hires fix in A1111 infotext', () => {
  it('writes A1111\'s keys', () => {
    const text = formatInfotext({ ...base, hires: { ...DEFAULT_HIRES, scale: 2, steps: 10, denoise: 0.5, upscaler: 'Latent' } })
    expect(text).toContain('Denoising strength: 0.5, Hires upscale: 2, Hires steps: 10, Hires upscaler: Latent')
    expect(text).not.toContain('Hires sampler')
    const full = formatInfotext({ ...base, hires: { ...DEFAULT_HIRES, resizeWidth: 1024, resizeHeight: 768, upscaler: 'Lanczos', sampler: 'dpmpp_2m', schedule: 'exponential', cfg: 5, prompt: 'a fox, detailed', negativePrompt: 'lowres' } })
    expect(full).toContain('Hires resize: 1024x768, Hires upscaler: Lanczos, Hires sampler: DPM++ 2M, Hires schedule type: Exponential, Hires CFG Scale: 5, Hires prompt: "a fox, detailed", Hires negative prompt: lowres')
    expect(full).not.toContain('Hires upscale:')
    expect(full).not.toContain('Hires steps')
  })

  it('reads back what it writes (round trip through the validator)', () => {
    for (const hires of [
      { ...DEFAULT_HIRES, scale: 2, steps: 10, denoise: 0.5, upscaler: 'Latent' },
      { ...DEFAULT_HIRES, resizeWidth: 1024, resizeHeight: 768, upscaler: 'Latent (bicubic antialiased)', sampler: 'dpmpp_2m', schedule: 'exponential', cfg: 5, prompt: 'a fox, detailed', negativePrompt: 'lowres' },
      { ...DEFAULT_HIRES, scale: 1.5, denoise: 0.35, upscaler: 'Nearest', sampler: 'res_multistep' }
    ]) {
      const p: GenerationParams = { ...base, hires }
      const read = infotextToParams(formatInfotext(p))
      expect(read.img2img).toBeUndefined()
      const back = validateGenerationParams({ ...read.params, model: '' })
      expect(back.hires).toEqual(hires)
    }
  })

  it('reads an A1111 infotext with hires keys; without them Denoising strength stays img2img', () => {
    const a1111 = 'a fox\nNegative prompt: blurry\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, Model: sd15, Denoising strength: 0.7, Hires upscale: 2, Hires upscaler: Latent (nearest-exact), Hires sampler: Use same sampler, Hires schedule type: Use same scheduler, RNG: CPU'
    const r = infotextToParams(a1111)
    expect(r.params.hires).toEqual({ ...DEFAULT_HIRES, denoise: 0.7, scale: 2, upscaler: 'Latent (nearest-exact)' })
    expect(r.img2img).toBeUndefined()
    const i2i = infotextToParams('a fox\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.6, RNG: CPU')
    expect(i2i.params.hires).toBeUndefined()
    expect(i2i.img2img?.strength).toBe(0.6)
    expect(() => infotextToParams('a\nSteps: 20, Sampler: Euler, CFG scale: 7, Hires resize: big')).toThrow(/Hires resize/)
  })
})

describe('ComfyUI export of a hires job', () => {
  it('says the hires fix is not carried rather than dropping it silently', async () => {
    const { toComfyWorkflow } = await import('./comfy-write')
    const out = toComfyWorkflow({ ...base, hires: { ...DEFAULT_HIRES } })
    expect(out.warnings.join('\n')).toMatch(/hires fix is not carried yet/)
  })
})
