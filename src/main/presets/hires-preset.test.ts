import { describe, expect, it } from 'vitest'
import { DEFAULT_HIRES } from '../../shared/hires'
import { validatePresetParams } from './schema'

describe('presets carry the hires fix', () => {
  it('keeps hires settings (filled), null turns it off, and bad ones are named', () => {
    expect(validatePresetParams({ hires: { scale: 1.5, upscaler: 'lanczos' } }).hires).toEqual({ ...DEFAULT_HIRES, scale: 1.5, upscaler: 'Lanczos' })
    expect(validatePresetParams({ hires: null }).hires).toBeNull()
    expect(() => validatePresetParams({ hires: { denoise: 2 } })).toThrow(/params.hires.denoise/)
  })
})
