/** Presets keep img2img settings (strength, inpainting options) since schema 2, never the images. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_INPAINT } from '../../shared/inpaint'
import { validateGenerationParams } from '../../shared/params'
import { PresetError } from './errors'
import { applyPreset, makePreset, presetImg2ImgFrom, validatePreset } from './schema'

const { mask: _m, ...inpaintDefaults } = DEFAULT_INPAINT

describe('presets with img2img settings', () => {
  it('reads a version-1 preset (migrated: no img2img settings)', () => {
    const v1 = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'preset-v1.json'), 'utf8'))
    const p = validatePreset(v1, 'preset-v1.json')
    expect(p.schemaVersion).toBe(2)
    expect(p.img2img).toBeUndefined()
  })

  it('keeps strength and inpainting options from full parameters, never the image or mask labels', () => {
    const full = validateGenerationParams({ prompt: 'x', img2img: { image: 'sha256:aa', strength: 0.4, inpaint: { mask: 'sha256:bb', maskBlur: 9, area: 'masked' } } })
    const kept = presetImg2ImgFrom(full)!
    expect(kept).toEqual({ strength: 0.4, inpaint: { ...inpaintDefaults, maskBlur: 9, area: 'masked' } })
    const preset = makePreset('Soft repaint', { steps: 20 }, undefined, new Date(0), kept)
    expect(JSON.stringify(preset)).not.toMatch(/sha256/)
    expect(validatePreset(JSON.parse(JSON.stringify(preset))).img2img).toEqual(kept)
    expect(presetImg2ImgFrom(validateGenerationParams({ prompt: 'x' }))).toBeUndefined()
  })

  it('applies them over a job with an init image (the current mask stays), and not over text-to-image', () => {
    const preset = makePreset('Fill', { cfg: 4 }, undefined, new Date(0), { strength: 0.9, inpaint: { ...inpaintDefaults, maskedContent: 'fill', maskBlur: 2 } })
    const withMask = validateGenerationParams({ prompt: 'x', img2img: { image: 'sha256:aa', strength: 0.5, inpaint: { mask: 'sha256:bb' } } })
    const applied = applyPreset(withMask, preset)
    expect(applied.cfg).toBe(4)
    expect(applied.img2img).toEqual({ image: 'sha256:aa', strength: 0.9, inpaint: { ...inpaintDefaults, maskedContent: 'fill', maskBlur: 2, mask: 'sha256:bb' } })
    // No mask yet: the strength applies, inpainting waits for a mask.
    const plain = validateGenerationParams({ prompt: 'x', img2img: { image: 'sha256:aa', strength: 0.5 } })
    expect(applyPreset(plain, preset).img2img).toEqual({ image: 'sha256:aa', strength: 0.9, inpaint: null })
    expect(applyPreset(validateGenerationParams({ prompt: 'x' }), preset).img2img).toBeNull()
  })

  it('names a bad img2img field', () => {
    const base = JSON.parse(JSON.stringify(makePreset('P', { steps: 20 }, undefined, new Date(0))))
    const bad = (img2img: unknown) => {
      try {
        validatePreset({ ...base, img2img }, 'p.json')
      } catch (e) {
        return (e as PresetError).field
      }
      return undefined
    }
    expect(bad({ strength: 2, inpaint: null })).toBe('img2img.strength')
    expect(bad({ strength: 0.5, inpaint: { maskBlur: -3 } })).toBe('img2img.inpaint.maskBlur')
    expect(bad({ strength: 0.5, inpaint: { mask: 'secret.png' } })).toBe('img2img.inpaint.mask')
    expect(bad({ strength: 0.5, image: 'a.png' })).toBe('img2img.image')
  })
})
