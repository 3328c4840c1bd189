import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { DEFAULT_INPAINT, validateInpaintSettings } from '../../../shared/inpaint'
import { prepareInpaint, readMask } from './prepare'

async function png(width: number, height: number, channels: 1 | 3 | 4, f: (x: number, y: number, c: number) => number): Promise<Uint8Array> {
  const data = Buffer.alloc(width * height * channels)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = f(x, y, c)
  return new Uint8Array(await sharp(data, { raw: { width, height, channels } }).png().toBuffer())
}

describe('prepareInpaint', () => {
  it('reads a black-and-white mask and a stroke on a transparent layer alike', async () => {
    const bw = await readMask(await png(8, 8, 1, (x) => (x < 4 ? 255 : 0)))
    const layer = await readMask(await png(8, 8, 4, (x, _y, c) => (c === 3 ? (x < 4 ? 255 : 0) : 255)))
    expect(Array.from(bw.data)).toEqual(Array.from(layer.data))
    expect(bw.data[0]).toBe(255)
    expect(bw.data[7]).toBe(0)
  })

  it('takes the mask from the init image\'s alpha channel (transparent = repaint)', async () => {
    const init = await png(64, 64, 4, (x, _y, c) => (c === 3 ? (x >= 32 ? 0 : 255) : 100))
    const plan = await prepareInpaint({ init, settings: validateInpaintSettings({ maskFromAlpha: true, maskBlur: 0 }), width: 64, height: 64, latentFactor: 8 })
    expect(Array.from(plan.latentMask.subarray(0, 8))).toEqual([0, 0, 0, 0, 1, 1, 1, 1])
  })

  it('outpaints: the canvas grows, the new area and a seam band are masked, the job is the grown size', async () => {
    const init = await png(48, 64, 3, (x, y) => (x * 5 + y) & 255)
    const settings = validateInpaintSettings({ outpaint: { left: 16, right: 0, top: 0, bottom: 0 }, maskBlur: 2 })
    const plan = await prepareInpaint({ init, settings, width: 64, height: 64, latentFactor: 8 })
    expect(plan.canvas.width).toBe(64)
    expect(plan.latentMask[0]).toBe(1)
    expect(plan.latentMask[7]).toBe(0)
    expect(plan.notes).toEqual([])
  })

  it('names an unreadable init image or mask', async () => {
    const good = await png(8, 8, 3, () => 1)
    const settings = validateInpaintSettings({ mask: 'sha256:00' })
    await expect(prepareInpaint({ init: new Uint8Array([1, 2, 3]), mask: good, settings, width: 8, height: 8, latentFactor: 8 })).rejects.toThrow(/init: cannot read the init image \(3 bytes\)/)
    await expect(prepareInpaint({ init: good, mask: new Uint8Array([9]), settings, width: 8, height: 8, latentFactor: 8 })).rejects.toThrow(/mask: cannot read the mask image \(1 bytes\)/)
  })
})

describe('validateInpaintSettings', () => {
  it('fills A1111\'s defaults and names every bad field', () => {
    expect(validateInpaintSettings({ mask: 'm.png' })).toEqual({ ...DEFAULT_INPAINT, mask: 'm.png' })
    expect(() => validateInpaintSettings({ mask: 'm', maskBlur: -1 })).toThrow(/inpaint\.maskBlur: must be a whole number from 0 to 64/)
    expect(() => validateInpaintSettings({ mask: 'm', maskedContent: 'grey' })).toThrow(/inpaint\.maskedContent: must be one of fill, original, latent-noise, latent-nothing/)
    expect(() => validateInpaintSettings({ mask: 'm', blur: 3 })).toThrow(/inpaint\.blur: is not an inpaint setting/)
    expect(() => validateInpaintSettings({})).toThrow(/no mask/)
    expect(() => validateInpaintSettings({ mask: 'm', maskFromAlpha: true })).toThrow(/not both/)
    expect(() => validateInpaintSettings({ outpaint: { left: 0, right: 0, top: 0, bottom: 0 } })).toThrow(/adds no pixels/)
    expect(() => validateInpaintSettings({ outpaint: { left: 8, up: 2 } })).toThrow(/outpaint\.up/)
    expect(validateInpaintSettings({ outpaint: { left: 8 } }).outpaint).toEqual({ left: 8, right: 0, top: 0, bottom: 0, fill: 'edge' })
  })
})
