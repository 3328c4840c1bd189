/**
 * Outpainting: the canvas grows by N px on each side, the new area is filled (stretched from the nearest
 * edge, or noise) and masked, and the job is then an ordinary inpaint of that mask. The mask reaches
 * `overlap` px into the original so the seam itself is repainted and the blur fades across it; beyond
 * that the original pixels are kept exactly by the final composite.
 */
import type { OutpaintFill, OutpaintSettings } from '../../../shared/inpaint'
import type { RgbImage } from '../vae'
import type { Mask } from './mask'

export type OutpaintSides = Pick<OutpaintSettings, 'left' | 'right' | 'top' | 'bottom'>

/** Parses "L,R,T,B" (pixels per side, whole numbers from 0). */
export function parseOutpaintSides(text: string): OutpaintSides {
  const parts = text.split(',').map((s) => s.trim())
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,5}$/.test(p))) {
    throw new Error(`outpaint: "${text}" is not four whole numbers of pixels; give left,right,top,bottom, e.g. 64,64,0,0`)
  }
  const [left, right, top, bottom] = parts.map(Number)
  return { left, right, top, bottom }
}

export function outpaintSize(img: { width: number; height: number }, s: OutpaintSides): { width: number; height: number } {
  return { width: img.width + s.left + s.right, height: img.height + s.top + s.bottom }
}

/** A small deterministic generator for the noise fill (the picture must not depend on Math.random). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function extendCanvas(img: RgbImage, s: OutpaintSides, fill: OutpaintFill, overlap: number, seed = 0): { canvas: RgbImage; mask: Mask } {
  const { width: W, height: H } = outpaintSize(img, s)
  const data = new Uint8Array(W * H * 3)
  const mask = new Uint8Array(W * H)
  const rand = mulberry32(seed)
  const ov = Math.max(0, Math.floor(overlap))
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const ix = x - s.left
      const iy = y - s.top
      const inside = ix >= 0 && iy >= 0 && ix < img.width && iy < img.height
      const p = y * W + x
      if (inside) {
        data.set(img.data.subarray((iy * img.width + ix) * 3, (iy * img.width + ix) * 3 + 3), p * 3)
        // Repaint the seam: original pixels within `overlap` of an extended side.
        const nearSeam = (s.left > 0 && ix < ov) || (s.right > 0 && ix >= img.width - ov) || (s.top > 0 && iy < ov) || (s.bottom > 0 && iy >= img.height - ov)
        mask[p] = nearSeam ? 255 : 0
      } else {
        mask[p] = 255
        if (fill === 'noise') for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.floor(rand() * 256)
        else {
          const cx = Math.min(img.width - 1, Math.max(0, ix))
          const cy = Math.min(img.height - 1, Math.max(0, iy))
          data.set(img.data.subarray((cy * img.width + cx) * 3, (cy * img.width + cx) * 3 + 3), p * 3)
        }
      }
    }
  }
  return { canvas: { width: W, height: H, data }, mask: { width: W, height: H, data: mask } }
}
