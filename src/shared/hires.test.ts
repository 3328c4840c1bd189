import { describe, expect, it } from 'vitest'
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from './catalogue'
import { canonicalUpscaler, DEFAULT_HIRES, hiresScheduleSteps, hiresSize, hiresSteps, upscalerKind, validateHiresSettings } from './hires'
import { validateGenerationParams } from './params'

const known = { isSampler: (id: string) => SAMPLER_BY_ID.has(id), isSchedule: (id: string) => SCHEDULE_BY_ID.has(id), samplers: 'euler, …', schedules: 'karras, …' }

describe('hiresSize (A1111 calculate_target_resolution, then the model step)', () => {
  it('a factor: int(side × scale), rounded down to the step', () => {
    expect(hiresSize(512, 512, { scale: 2, resizeWidth: 0, resizeHeight: 0 }, 64)).toEqual({ ok: true, size: { width: 1024, height: 1024, upscaleWidth: 1024, upscaleHeight: 1024, cropLeft: 0, cropTop: 0 } })
    // 512 × 1.3 = 665.6 → 665 → 640 in 64 px steps (A1111 would keep 664 in its 8 px cells).
    const r = hiresSize(512, 768, { scale: 1.3, resizeWidth: 0, resizeHeight: 0 }, 64)
    expect(r.ok && [r.size.width, r.size.height]).toEqual([640, 960])
  })

  it('one side given: the other by the aspect ratio (integer division), rounded down to the step', () => {
    const r = hiresSize(512, 768, { scale: 2, resizeWidth: 1024, resizeHeight: 0 }, 64)
    expect(r.ok && [r.size.width, r.size.height]).toEqual([1024, 1536])
    const s = hiresSize(640, 512, { scale: 2, resizeWidth: 0, resizeHeight: 1000 }, 8)
    expect(s.ok && [s.size.width, s.size.height]).toEqual([1248, 1000])
  })

  it('both sides: cover, then crop the middle in latent cells (truncate_x // 2)', () => {
    // 512x512 -> 1024x768: hr_upscale_to = 1024x1024, truncate_y = (1024 - 768) // 8 = 32 cells, top 16 cells.
    expect(hiresSize(512, 512, { scale: 2, resizeWidth: 1024, resizeHeight: 768 }, 64)).toEqual({ ok: true, size: { width: 1024, height: 768, upscaleWidth: 1024, upscaleHeight: 1024, cropLeft: 0, cropTop: 128 } })
    // Wider source than target: scaled to the height, cropped left and right; an odd truncate puts the extra cell on the right.
    const r = hiresSize(768, 512, { scale: 2, resizeWidth: 1000, resizeHeight: 1024 }, 8)
    expect(r).toEqual({ ok: true, size: { width: 1000, height: 1024, upscaleWidth: 1536, upscaleHeight: 1024, cropLeft: 264, cropTop: 0 } })
  })

  it('refuses sides off the step naming the field and the nearest valid sides', () => {
    expect(hiresSize(512, 512, { scale: 2, resizeWidth: 1000, resizeHeight: 0 }, 64)).toEqual({ ok: false, field: 'hires.resizeWidth', problem: "1000 is not a multiple of this model's 64 px step; use 960 or 1024" })
  })
})

describe('hires steps', () => {
  it('0 = the first pass\'s; the schedule is floor(steps / denoise) long (A1111 fixed-steps img2img)', () => {
    expect(hiresSteps(20, { steps: 0 })).toBe(20)
    expect(hiresSteps(20, { steps: 10 })).toBe(10)
    expect(hiresScheduleSteps(10, 0.5)).toBe(20)
    expect(hiresScheduleSteps(10, 0.7)).toBe(14)
    expect(hiresScheduleSteps(10, 1)).toBe(10)
  })
})

describe('upscaler names', () => {
  it('knows A1111\'s latent modes, the image resizes and treats other names as models', () => {
    expect(upscalerKind('Latent')).toBe('latent')
    expect(upscalerKind('latent (bicubic antialiased)')).toBe('latent')
    expect(upscalerKind('Lanczos')).toBe('resize')
    expect(upscalerKind('R-ESRGAN 4x+')).toBe('model')
    expect(canonicalUpscaler(' latent (nearest-exact) ')).toBe('Latent (nearest-exact)')
  })
})

describe('validateHiresSettings', () => {
  it('fills defaults and names bad fields', () => {
    expect(validateHiresSettings({}, known)).toEqual(DEFAULT_HIRES)
    expect(() => validateHiresSettings({ denoise: 0 }, known)).toThrow(/hires.denoise: must be above 0/)
    expect(() => validateHiresSettings({ scale: 0.5 }, known)).toThrow(/hires.scale: must be between 1 and 8/)
    expect(() => validateHiresSettings({ sampler: 'nope' }, known)).toThrow(/hires.sampler: unknown sampler "nope"/)
    expect(() => validateHiresSettings({ upscale: 2 }, known)).toThrow(/hires.upscale: is not a hires setting/)
    expect(() => validateHiresSettings({ steps: 1.5 }, known)).toThrow(/hires.steps: must be a whole number/)
  })

  it('is part of GenerationParams: null by default, refused with img2img', () => {
    expect(validateGenerationParams({}).hires).toBeNull()
    expect(validateGenerationParams({ hires: { scale: 1.5, upscaler: 'latent' } }).hires).toMatchObject({ scale: 1.5, upscaler: 'Latent' })
    expect(() => validateGenerationParams({ hires: {}, img2img: { image: 'sha256:ab', strength: 0.5 } })).toThrow(/hires: the hires fix follows a text-to-image pass/)
  })
})
