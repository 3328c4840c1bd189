/** Preview encoding: the published factor tables, the linear map, the PNG bytes and the step cadence. */
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { encodePngRgb } from '../png/encode'
import { FAMILIES } from '../../shared/model-family'
import { factorsFor, latentToRgb, Previewer, SD1_LATENT_RGB } from './preview'

const SDXL_LATENT_RGB = FAMILIES.sdxl.previewFactors
import type { ModelInfo } from './runner'

const info = (over: Partial<ModelInfo> = {}): ModelInfo => ({
  name: 'm',
  family: 'sd1',
  latentChannels: 4,
  previewFactors: null,
  tinyDecoder: null,
  batchable: true,
  ...over
})

/** Decodes our own PNGs (8-bit RGB, filter 0) back to pixels. */
function decodePng(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength)
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
  let o = 8
  let width = 0
  let height = 0
  const idat: Uint8Array[] = []
  while (o < png.length) {
    const len = v.getUint32(o)
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8))
    const data = png.subarray(o + 8, o + 8 + len)
    if (type === 'IHDR') {
      width = v.getUint32(o + 8)
      height = v.getUint32(o + 12)
      expect([data[8], data[9]]).toEqual([8, 2])
    }
    if (type === 'IDAT') idat.push(data)
    o += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat))
  const rgb = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0)
    rgb.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3)
  }
  return { width, height, rgb }
}

describe('latent→RGB previews', () => {
  it('uses the published tables by family and the model’s own table first', () => {
    expect(factorsFor(info())).toBe(SD1_LATENT_RGB)
    expect(factorsFor(info({ family: 'sd2' }))).toBe(SD1_LATENT_RGB)
    expect(factorsFor(info({ family: 'sdxl' }))).toBe(SDXL_LATENT_RGB)
    const own = { factors: [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]] as [number, number, number][] }
    expect(factorsFor(info({ previewFactors: own }))).toBe(own)
    expect(factorsFor(info({ latentChannels: 16 }))).toBeNull()
    expect(factorsFor(info({ family: null }))).toBeNull()
  })

  it('applies factors and bias per pixel and maps [-1, 1] to [0, 255]', () => {
    // 1x2 latent: pixel 0 has channel 0 = 1, pixel 1 is all zeros.
    const latent = Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0])
    const rgb = latentToRgb(latent, { channels: 4, height: 1, width: 2 }, SDXL_LATENT_RGB)
    const expect8 = (v: number): number => Math.round((v + 1) * 127.5)
    expect([...rgb]).toEqual([
      expect8(0.3651 + 0.1084),
      expect8(0.4232 - 0.0175),
      expect8(0.4341 - 0.0011),
      expect8(0.1084),
      expect8(-0.0175),
      expect8(-0.0011)
    ])
    const clipped = latentToRgb(Float64Array.from([100, 0, 0, 0]), { channels: 4, height: 1, width: 1 }, SD1_LATENT_RGB)
    expect([...clipped]).toEqual([255, 255, 255])
  })

  it('encodes a valid PNG that round-trips', () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) & 255)
    const back = decodePng(encodePngRgb(rgb, 5, 3))
    expect(back.width).toBe(5)
    expect(back.height).toBe(3)
    expect([...back.rgb]).toEqual([...rgb])
  })

  it('makes frames every N steps and on the last step, none when off', () => {
    const every3 = new Previewer(info(), { mode: 'latent2rgb', every: 3 })
    expect([0, 1, 2, 3, 4, 5, 6].filter((i) => every3.due(i, 7))).toEqual([2, 5, 6])
    const off = new Previewer(info(), { mode: 'off', every: 1 })
    expect(off.due(0, 1)).toBe(false)
    const f = every3.frameSync(new Float64Array(4 * 8 * 8), { channels: 4, height: 8, width: 8 })!
    expect(f).toMatchObject({ source: 'latent2rgb', width: 8, height: 8 })
    expect(decodePng(f.png).rgb.every((v) => v === 128)).toBe(true)
  })
})
