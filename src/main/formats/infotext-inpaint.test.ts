import { describe, expect, it } from 'vitest'
import { DEFAULT_INPAINT, type InpaintSettings } from '../../shared/inpaint'
import { DEFAULT_PARAMS, type GenerationParams } from '../../shared/params'
import { formatInfotext, infotextToParams } from './infotext'

function params(inpaint: InpaintSettings | null, strength = 0.6): GenerationParams {
  return { ...DEFAULT_PARAMS, prompt: 'a cat', seed: '5', width: 512, height: 512, img2img: { image: 'sha256:ab', strength, inpaint } }
}

describe('inpainting in infotext', () => {
  it('writes A1111\'s keys and labels', () => {
    const text = formatInfotext(params({ ...DEFAULT_INPAINT, mask: 'sha256:cd', area: 'masked', padding: 32, maskedContent: 'latent-noise', invert: true }))
    expect(text).toContain('Denoising strength: 0.6, Mask blur: 4, Masked content: latent noise, Inpaint area: Only masked, Masked area padding: 32, Mask mode: Inpaint not masked')
    expect(text).not.toContain('sha256:cd')
    const whole = formatInfotext(params({ ...DEFAULT_INPAINT, mask: 'm' }))
    expect(whole).toContain('Mask blur: 4, Masked content: original, Inpaint area: Whole picture')
    expect(whole).not.toContain('Masked area padding')
  })

  it('reads back every setting, the mask left to choose', () => {
    for (const s of [
      { ...DEFAULT_INPAINT, mask: 'm' },
      { ...DEFAULT_INPAINT, mask: 'm', maskBlur: 9, maskedContent: 'fill' as const, area: 'masked' as const, padding: 64, invert: true },
      { ...DEFAULT_INPAINT, maskFromAlpha: true, maskedContent: 'latent-nothing' as const },
      { ...DEFAULT_INPAINT, outpaint: { left: 64, right: 0, top: 32, bottom: 0, fill: 'noise' as const } }
    ]) {
      const r = infotextToParams(formatInfotext(params(s, 0.45)))
      const { mask: _m, ...rest } = s
      expect(r.img2img).toEqual({ strength: 0.45, inpaint: rest })
      expect(r.warnings.join('\n')).toMatch(/inpainting settings .* were read; choose the init image/)
    }
  })

  it('reads what A1111 writes, and plain img2img strength alone', () => {
    const a1111 = 'a dog\nSteps: 20, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.75, Mask blur: 4, Inpaint area: Only masked, Masked area padding: 32, Masked content: original'
    expect(infotextToParams(a1111).img2img).toEqual({ strength: 0.75, inpaint: { ...(({ mask: _, ...r }) => r)(DEFAULT_INPAINT), area: 'masked' } })
    const plain = infotextToParams('x\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64, Denoising strength: 0.3')
    expect(plain.img2img).toEqual({ strength: 0.3, inpaint: null })
    expect(infotextToParams('x\nSteps: 20, Sampler: Euler, CFG scale: 7').img2img).toBeUndefined()
  })

  it('names a bad value by its key', () => {
    expect(() => infotextToParams('x\nSteps: 20, Sampler: Euler, CFG scale: 7, Masked content: grey')).toThrow(/Masked content/)
    expect(() => infotextToParams('x\nSteps: 20, Sampler: Euler, CFG scale: 7, Inpaint area: Most of it')).toThrow(/Inpaint area/)
    expect(() => infotextToParams('x\nSteps: 20, Sampler: Euler, CFG scale: 7, Mask blur: lots')).toThrow(/Mask blur/)
    expect(() => infotextToParams('x\nSteps: 20, Sampler: Euler, CFG scale: 7, Outpaint: 1,2')).toThrow(/Outpaint/)
  })
})
