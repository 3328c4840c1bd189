import { describe, expect, it } from 'vitest'
import { DEFAULT_HIRES } from '../../../../shared/hires'
import { hiresLine } from './hires-line'

describe('hiresLine', () => {
  it('shows the final size and both passes’ steps before anything runs', () => {
    expect(hiresLine(64, 64, 20, { ...DEFAULT_HIRES, scale: 2 }, 16, false)).toEqual({ ok: true, text: 'Final size from 64×64 to 128×128; 20 + 20 steps.' })
    expect(hiresLine(64, 48, 20, { ...DEFAULT_HIRES, scale: 1.5, steps: 6 }, 16, false)).toEqual({ ok: true, text: 'Final size from 64×48 to 96×64; 20 + 6 steps.' })
  })
  it('says when the size, the strength or an init image stand in the way', () => {
    const off = hiresLine(64, 64, 20, { ...DEFAULT_HIRES, resizeWidth: 100 }, 16, false)
    expect(off).toEqual({ ok: false, text: "100 is not a multiple of this model's 16 px step; use 96 or 112." })
    expect(hiresLine(64, 64, 20, { ...DEFAULT_HIRES, denoise: 0 }, 16, false).ok).toBe(false)
    expect(hiresLine(64, 64, 20, { ...DEFAULT_HIRES, steps: 2.5 }, 16, false).ok).toBe(false)
    expect(hiresLine(64, 64, 20, DEFAULT_HIRES, 16, true).text).toMatch(/remove the init image/)
  })
})
