import { describe, expect, it } from 'vitest'
import { fitsIn, sizeHint, sizePresets } from './size-presets'

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

  it('does not offer sizes whose job would not fit in memory (the embedded 64 px model: no 1024×1024)', () => {
    const model = { memory: { vaeFactor: 4, sizeStep: 16, latentChannels: 4, unet: { channels: [64, 96, 128], heads: [4, 4, 4], attentionLevels: [1, 2] }, vae: { channels: [96, 64, 32], attention: false }, weightsBytes: 27e6 } }
    const fits = fitsIn(model, 1e9, { cfg: 7, batchSize: 1 })
    const offered = sizePresets(512, 16, fits).map((p) => `${p.width}x${p.height}`)
    expect(offered).toContain('256x256')
    expect(offered).not.toContain('1024x1024')
    expect(offered).not.toContain('512x512') // about 1.7 GB with CFG
    expect(sizePresets(64, 16, fits).map((p) => `${p.width}x${p.height}`)).toEqual(['64x64', '64x96', '96x64', '64x80', '80x64', '64x112', '112x64', '32x32', '128x128'])
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
