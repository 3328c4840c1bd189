import { describe, expect, it } from 'vitest'
import { areaResize, PreviewCompositor } from './preview-composite'

const W = 64
const canvas = { width: W, height: W, data: Uint8Array.from({ length: W * W * 3 }, (_, i) => (i * 37) % 251) }
/** The mean of channel c of the canvas over the 8×8 block (bx, by): what a preview pixel outside the mask must show. */
const blockMean = (img: { width: number; data: Uint8Array }, bx: number, by: number, c: number, k = 8): number => {
  let s = 0
  for (let y = by * k; y < (by + 1) * k; y++) for (let x = bx * k; x < (bx + 1) * k; x++) s += img.data[(y * img.width + x) * 3 + c]
  return Math.round(s / (k * k))
}

describe('inpainting preview composite', () => {
  it('whole picture: the init image where the mask does not reach, the preview where it repaints fully, a blend between', () => {
    // Repaint a 24×24 square at (16, 16), with a soft 8-px edge on its right.
    const overlay = { width: W, height: W, data: Uint8Array.from({ length: W * W }, (_, p) => ((p % W) >= 16 && (p % W) < 40 && p >= W * 16 && p < W * 40 ? 255 : (p % W) >= 40 && (p % W) < 48 && p >= W * 16 && p < W * 40 ? 100 : 0)) }
    const preview = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(7) }
    const out = new PreviewCompositor({ canvas, overlay, box: null, empty: false }).composite(preview)
    expect([out.width, out.height]).toEqual([8, 8])
    for (let by = 0; by < 8; by++) {
      for (let bx = 0; bx < 8; bx++) {
        const px = [0, 1, 2].map((c) => out.data[(by * 8 + bx) * 3 + c])
        const inside = bx >= 2 && bx < 5 && by >= 2 && by < 5
        const edge = bx === 5 && by >= 2 && by < 5
        if (inside) expect(px).toEqual([7, 7, 7])
        else if (edge) for (let c = 0; c < 3; c++) expect(px[c]).toBe(Math.round((blockMean(canvas, bx, by, c) * 155 + 7 * 100) / 255))
        else expect(px).toEqual([0, 1, 2].map((c) => blockMean(canvas, bx, by, c)))
      }
    }
  })

  it('only masked: the whole picture with the preview pasted into the box, scaled as the final paste is', () => {
    const big = { width: 128, height: 128, data: Uint8Array.from({ length: 128 * 128 * 3 }, (_, i) => (i * 13) % 241) }
    const overlay = { width: 128, height: 128, data: Uint8Array.from({ length: 128 * 128 }, (_, p) => ((p % 128) >= 64 && (p % 128) < 96 && p >= 128 * 64 && p < 128 * 96 ? 255 : 0)) }
    const preview = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(200) }
    // The job ran on the box [56, 56, 104, 104] (mask box plus padding) at 64×64; its preview is 8×8.
    const out = new PreviewCompositor({ canvas: big, overlay, box: [56, 56, 104, 104], empty: false }).composite(preview)
    // At least 256 px on the longest side, never larger than the canvas: the canvas's own size.
    expect([out.width, out.height]).toEqual([128, 128])
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        const i = (y * 128 + x) * 3
        const repaint = x >= 64 && x < 96 && y >= 64 && y < 96
        expect([...out.data.subarray(i, i + 3)]).toEqual(repaint ? [200, 200, 200] : [...big.data.subarray(i, i + 3)])
      }
    }
  })

  it('an area average keeps a mask pixel the repainted area touches above zero', () => {
    const m = new Uint8Array(16)
    m[5] = 1
    expect([...areaResize(m, 4, 4, 1, 2, 2)]).toEqual([1, 0, 0, 0])
  })
})
