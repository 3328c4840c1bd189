import { describe, expect, it } from 'vitest'
import { sizeHint, sizePresets } from './size-presets'

const sizes = (native: number, step: number): string[] => sizePresets(native, step).map((p) => `${p.width}x${p.height}`)

describe('size presets', () => {
  it('offers the square and common shapes at 512 and 768, in steps of the model', () => {
    expect(sizes(512, 8)).toEqual(['512x512', '512x768', '768x512', '512x680', '680x512', '512x912', '912x512', '256x256', '1024x1024'])
    expect(sizes(768, 8).slice(0, 3)).toEqual(['768x768', '768x1152', '1152x768'])
    expect(sizes(64, 8).slice(0, 3)).toEqual(['64x64', '64x96', '96x64'])
  })

  it('uses the SDXL buckets at 1024', () => {
    expect(sizes(1024, 8).slice(0, 5)).toEqual(['1024x1024', '896x1152', '1152x896', '832x1216', '1216x832'])
  })

  it('keeps tiny models on their step', () => {
    for (const p of sizePresets(64, 8)) {
      expect(p.width % 8).toBe(0)
      expect(p.height % 8).toBe(0)
    }
    expect(sizes(64, 4)[0]).toBe('64x64')
  })
})

describe('sizeHint', () => {
  const native = { width: 512, height: 512 }
  it('states the step and native size, and warns (without refusing) far above the native size', () => {
    expect(sizeHint(512, 768, 8, native)).toEqual({ text: 'Multiples of 8 px; the model was trained at 512×512.', warn: false })
    expect(sizeHint(1024, 1024, 8, native).warn).toBe(false)
    const big = sizeHint(2048, 2048, 8, native)
    expect(big.warn).toBe(true)
    expect(big.text).toMatch(/^16× the pixels of the native 512×512: expect repeated subjects/)
    expect(sizeHint(4096, 4096, 8, null)).toEqual({ text: 'Multiples of 8 px.', warn: false })
  })
})
