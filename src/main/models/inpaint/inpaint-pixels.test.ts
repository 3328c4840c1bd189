import { describe, expect, it } from 'vitest'
import type { RgbImage } from '../vae'
import { fillMasked } from './fill'
import { blurMask, compositeRgb, expandBoxToAspect, latentMask, maskBox, type Mask } from './mask'
import { extendCanvas, outpaintSize, parseOutpaintSides } from './outpaint'
import { DEFAULT_INPAINT } from '../../../shared/inpaint'
import { finishInpaint, maskFromAlpha, maskedLatent, planInpaint } from './plan'

function image(w: number, h: number, f: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Uint8Array(w * h * 3)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = f(x, y, c) & 255
  return { width: w, height: h, data }
}
function rect(w: number, h: number, x1: number, y1: number, x2: number, y2: number): Mask {
  const data = new Uint8Array(w * h)
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) data[y * w + x] = 255
  return { width: w, height: h, data }
}
const init = image(64, 48, (x, y, c) => x * 3 + y * 5 + c * 40)
const generated = (w: number, h: number) => image(w, h, (x, y, c) => 255 - ((x + y + c * 7) & 127))

describe('mask blur', () => {
  it('is A1111\'s separable Gaussian: symmetric, sums preserved, wider with sigma, no-op at 0', () => {
    const m = rect(32, 32, 12, 12, 20, 20)
    expect(blurMask(m, 0).data).toEqual(m.data)
    const b = blurMask(m, 2)
    // Symmetric about the square's centre lines and its diagonal (within the 8-bit rounding between passes).
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        expect(Math.abs(b.data[y * 32 + x] - b.data[y * 32 + (31 - x)])).toBeLessThanOrEqual(1)
        expect(Math.abs(b.data[y * 32 + x] - b.data[x * 32 + y])).toBeLessThanOrEqual(1)
      }
    }
    // Mass is about preserved (8-bit rounding only) and spreads with larger sigma.
    const sum = (mm: Mask) => mm.data.reduce((a, v) => a + v, 0)
    expect(Math.abs(sum(b) - sum(m)) / sum(m)).toBeLessThan(0.02)
    expect(maskBox(blurMask(m, 4))![0]).toBeLessThan(maskBox(b)![0])
    // Kernel radius floor(2.5σ + 0.5): σ = 2 reaches 5 px beyond the edge, not 6.
    expect(maskBox(b)).toEqual([12 - 5, 12 - 5, 20 + 5, 20 + 5])
  })
})

describe('crop box (Only masked)', () => {
  it('grows to the processing aspect ratio, centred and inside the image', () => {
    expect(expandBoxToAspect([10, 10, 42, 18], 64, 64, 64, 48)).toEqual([10, 0, 42, 32])
    expect(expandBoxToAspect([20, 10, 28, 40], 64, 64, 64, 48)).toEqual([9, 10, 39, 40])
    // At the image edge the box shifts inwards instead of leaving it.
    expect(expandBoxToAspect([0, 0, 8, 32], 64, 64, 64, 48)).toEqual([0, 0, 32, 32])
    const b = expandBoxToAspect([5, 7, 30, 12], 32, 16, 64, 48)
    expect((b[2] - b[0]) * 16).toBeGreaterThanOrEqual((b[3] - b[1]) * 32 - 32)
  })
  it('adds padding and clamps to the image', () => {
    expect(maskBox(rect(64, 48, 10, 10, 20, 20), 4)).toEqual([6, 6, 24, 24])
    expect(maskBox(rect(64, 48, 0, 0, 5, 5), 32)).toEqual([0, 0, 37, 37])
    expect(maskBox(rect(64, 48, 0, 0, 0, 0))).toBeNull()
  })
})

describe('composite', () => {
  it('keeps original pixels bit for bit where the mask is 0 and takes generated ones where it is 255', () => {
    const m = blurMask(rect(64, 48, 20, 10, 40, 30), 4)
    const g = generated(64, 48)
    const out = compositeRgb(init, g, m)
    for (let p = 0; p < m.data.length; p++) {
      for (let c = 0; c < 3; c++) {
        if (m.data[p] === 0) expect(out.data[p * 3 + c]).toBe(init.data[p * 3 + c])
        if (m.data[p] === 255) expect(out.data[p * 3 + c]).toBe(g.data[p * 3 + c])
      }
    }
  })
})

describe('latent mask', () => {
  it('marks a latent pixel when at least half its cell is masked', () => {
    const m = rect(16, 16, 0, 0, 8, 4)
    expect(Array.from(latentMask(m, 8))).toEqual([1, 0, 0, 0])
    expect(Array.from(latentMask(rect(16, 16, 0, 0, 8, 3), 8))).toEqual([0, 0, 0, 0])
    expect(Array.from(latentMask(m, 8, false))).toEqual([0.5, 0, 0, 0])
  })
})

describe('masked content', () => {
  it('fill replaces masked pixels with the surrounding colour and keeps the rest', () => {
    const flat = image(32, 32, (x, _y, c) => (x < 16 ? [200, 40, 40][c] : [40, 40, 200][c]))
    const m = rect(32, 32, 12, 12, 20, 20)
    const scribbled = image(32, 32, (x, y, c) => (x >= 12 && x < 20 && y >= 12 && y < 20 ? 0 : flat.data[(y * 32 + x) * 3 + c]))
    const f = fillMasked(scribbled, m)
    for (let p = 0; p < 32 * 32; p++) if (m.data[p] === 0) for (let c = 0; c < 3; c++) expect(f.data[p * 3 + c]).toBe(scribbled.data[p * 3 + c])
    // Left half of the hole leans red, right half blue; nothing black is left.
    const at = (x: number, y: number) => Array.from(f.data.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3))
    expect(at(13, 16)[0]).toBeGreaterThan(at(13, 16)[2])
    expect(at(18, 16)[2]).toBeGreaterThan(at(18, 16)[0])
    expect(Math.max(...at(16, 16))).toBeGreaterThan(60)
  })
  it('latent noise puts the job noise inside the mask, latent nothing zeros, original leaves it', () => {
    const lat = Float64Array.from([1, 2, 3, 4])
    const mask = Float64Array.from([1, 0, 1, 0])
    const n = Float64Array.from([9, 9, 9, 9])
    expect(Array.from(maskedLatent(lat, mask, n, 'latent-noise'))).toEqual([9, 2, 9, 4])
    expect(Array.from(maskedLatent(lat, mask, n, 'latent-nothing'))).toEqual([0, 2, 0, 4])
    expect(maskedLatent(lat, mask, n, 'original')).toBe(lat)
  })
})

describe('planInpaint and finishInpaint', () => {
  it('whole picture: the result equals the init image bit for bit outside the blurred mask', async () => {
    const mask = rect(64, 48, 20, 10, 40, 30)
    const plan = await planInpaint(init, mask, { ...DEFAULT_INPAINT }, 64, 48, 8)
    expect(plan.latentMask.length).toBe(8 * 6)
    const out = await finishInpaint(plan, generated(64, 48))
    const blurred = blurMask(mask, DEFAULT_INPAINT.maskBlur)
    let changedInside = 0
    for (let p = 0; p < 64 * 48; p++) {
      for (let c = 0; c < 3; c++) {
        if (blurred.data[p] === 0) expect(out.data[p * 3 + c]).toBe(init.data[p * 3 + c])
        else if (out.data[p * 3 + c] !== init.data[p * 3 + c]) changedInside++
      }
    }
    expect(changedInside).toBeGreaterThan(1000)
  })

  it('only masked: works on the padded crop at the job size and pastes it back; outside untouched', async () => {
    const big = image(160, 120, (x, y, c) => (x * 7 + y * 3 + c * 50) & 255)
    const mask = rect(160, 120, 100, 70, 116, 86)
    const plan = await planInpaint(big, mask, { ...DEFAULT_INPAINT, area: 'masked', padding: 8 }, 64, 64, 8)
    expect(plan.work.width).toBe(64)
    expect(plan.box).not.toBeNull()
    const [x1, y1, x2, y2] = plan.box!
    expect(x2 - x1).toBe(y2 - y1) // the job is square
    expect(x1).toBeLessThanOrEqual(100 - 8)
    const out = await finishInpaint(plan, generated(64, 64))
    expect(out.width).toBe(160)
    const blurred = blurMask(mask, DEFAULT_INPAINT.maskBlur)
    for (let p = 0; p < 160 * 120; p++) if (blurred.data[p] === 0) for (let c = 0; c < 3; c++) expect(out.data[p * 3 + c]).toBe(big.data[p * 3 + c])
    expect(out.data[(78 * 160 + 108) * 3]).not.toBe(big.data[(78 * 160 + 108) * 3])
  })

  it('an empty mask returns the init image unchanged and says so; a full mask says it is img2img', async () => {
    const empty = await planInpaint(init, rect(64, 48, 0, 0, 0, 0), { ...DEFAULT_INPAINT }, 64, 48, 8)
    expect(empty.empty).toBe(true)
    expect(empty.notes.join()).toMatch(/empty/)
    expect(await finishInpaint(empty, generated(64, 48))).toBe(init)
    const full = await planInpaint(init, rect(64, 48, 0, 0, 64, 48), { ...DEFAULT_INPAINT }, 64, 48, 8)
    expect(full.notes.join()).toMatch(/image-to-image/)
    expect(Array.from(full.latentMask).every((v) => v === 1)).toBe(true)
  })

  it('inverts the mask, resizes a mask of another size with a note, and reads a mask from alpha', async () => {
    const inv = await planInpaint(init, rect(64, 48, 0, 0, 64, 48), { ...DEFAULT_INPAINT, invert: true }, 64, 48, 8)
    expect(inv.empty).toBe(true)
    const small = await planInpaint(init, rect(32, 24, 8, 8, 16, 16), { ...DEFAULT_INPAINT }, 64, 48, 8)
    expect(small.notes.join()).toMatch(/mask \(32x24\) was resized to the image's 64x48/)
    const alpha = new Uint8Array(16).fill(255)
    alpha[0] = 0
    expect(maskFromAlpha(alpha, 4, 4).data[0]).toBe(255)
    expect(maskFromAlpha(alpha, 4, 4).data[1]).toBe(0)
  })
})

describe('outpaint', () => {
  it('grows the canvas, masks the new area and a seam band, and keeps the original region', () => {
    const sides = parseOutpaintSides('16, 8, 0, 4')
    expect(outpaintSize(init, sides)).toEqual({ width: 88, height: 52 })
    const { canvas, mask } = extendCanvas(init, sides, 'edge', 4)
    expect(canvas.width).toBe(88)
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 64; x++) {
        const p = y * 88 + x + 16
        for (let c = 0; c < 3; c++) expect(canvas.data[p * 3 + c]).toBe(init.data[(y * 64 + x) * 3 + c])
        const seam = x < 4 || x >= 60 || y >= 44
        expect(mask.data[p]).toBe(seam ? 255 : 0)
      }
    }
    expect(mask.data[0]).toBe(255)
    // Edge fill copies the nearest original pixel.
    expect(Array.from(canvas.data.subarray(0, 3))).toEqual(Array.from(init.data.subarray(0, 3)))
    expect(() => parseOutpaintSides('1,2,3')).toThrow(/left,right,top,bottom/)
  })
})
