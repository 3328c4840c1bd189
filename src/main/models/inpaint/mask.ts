/**
 * Masks as A1111 treats them: one 8-bit channel, 255 = repaint, 0 = keep. Pure functions over
 * {width, height, data}: blur (A1111's separable Gaussian), invert, bounding box, resizing to the latent
 * grid, and the composite that puts the original pixels back outside the mask.
 */
import type { RgbImage } from '../vae'

export interface Mask {
  width: number
  height: number
  /** One byte per pixel, rows top to bottom; 255 = repaint, 0 = keep. */
  data: Uint8Array
}

export function invertMask(m: Mask): Mask {
  return { width: m.width, height: m.height, data: Uint8Array.from(m.data, (v) => 255 - v) }
}

export function isEmptyMask(m: Mask): boolean {
  return m.data.every((v) => v === 0)
}

export function isFullMask(m: Mask): boolean {
  return m.data.every((v) => v === 255)
}

/** Rounds to whole 0/255 values at the half-way point (what a painted stroke means). */
export function binarizeMask(m: Mask): Mask {
  return { width: m.width, height: m.height, data: Uint8Array.from(m.data, (v) => (v >= 128 ? 255 : 0)) }
}

/**
 * The separable Gaussian blur A1111 applies to the mask ("Mask blur: N"): a kernel of
 * 2·floor(2.5·σ + 0.5) + 1 taps with standard deviation σ, first along x then along y, borders reflected
 * without repeating the edge pixel (OpenCV's default BORDER_REFLECT_101), rounded back to 8 bits.
 */
export function blurMask(m: Mask, sigma: number): Mask {
  if (!(sigma > 0)) return { ...m, data: Uint8Array.from(m.data) }
  const radius = Math.floor(2.5 * sigma + 0.5)
  const k = new Float64Array(2 * radius + 1)
  let sum = 0
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma))
  for (let i = 0; i < k.length; i++) k[i] /= sum
  const reflect = (i: number, n: number): number => {
    if (n === 1) return 0
    // Reflect-101 repeatedly until inside [0, n).
    for (;;) {
      if (i < 0) i = -i
      else if (i >= n) i = 2 * n - 2 - i
      else return i
    }
  }
  const { width: W, height: H } = m
  const pass = (src: Uint8Array, horizontal: boolean): Uint8Array => {
    const out = new Uint8Array(src.length)
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let acc = 0
        for (let t = -radius; t <= radius; t++) {
          const v = horizontal ? src[y * W + reflect(x + t, W)] : src[reflect(y + t, H) * W + x]
          acc += v * k[t + radius]
        }
        out[y * W + x] = Math.min(255, Math.max(0, Math.round(acc)))
      }
    }
    return out
  }
  return { width: W, height: H, data: pass(pass(m.data, true), false) }
}

/** The box [x1, y1, x2) × [y1, y2) holding every non-zero pixel, grown by `pad` and clamped; null if empty. */
export function maskBox(m: Mask, pad = 0): [number, number, number, number] | null {
  let x1 = m.width
  let y1 = m.height
  let x2 = -1
  let y2 = -1
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      if (m.data[y * m.width + x] !== 0) {
        if (x < x1) x1 = x
        if (x > x2) x2 = x
        if (y < y1) y1 = y
        if (y > y2) y2 = y
      }
    }
  }
  if (x2 < 0) return null
  return [Math.max(0, x1 - pad), Math.max(0, y1 - pad), Math.min(m.width, x2 + 1 + pad), Math.min(m.height, y2 + 1 + pad)]
}

/**
 * Grows a crop box to the aspect ratio of the processing size (width/height), keeping it centred and
 * inside the image, as A1111's "Only masked" does before it scales the crop to the job's size.
 */
export function expandBoxToAspect(box: [number, number, number, number], procW: number, procH: number, imgW: number, imgH: number): [number, number, number, number] {
  let [x1, y1, x2, y2] = box
  const grow = (lo: number, hi: number, want: number, limit: number): [number, number] => {
    const diff = want - (hi - lo)
    lo -= Math.floor(diff / 2)
    hi += diff - Math.floor(diff / 2)
    if (hi > limit) {
      lo -= hi - limit
      hi = limit
    }
    if (lo < 0) {
      hi -= lo
      lo = 0
    }
    return [lo, Math.min(hi, limit)]
  }
  // Integer comparison of the two aspect ratios, so an exact ratio is never off by a rounding error.
  if ((x2 - x1) * procH > (y2 - y1) * procW) {
    const want = Math.ceil(((x2 - x1) * procH) / procW)
    ;[y1, y2] = grow(y1, y2, want, imgH)
  } else if ((x2 - x1) * procH < (y2 - y1) * procW) {
    const want = Math.ceil(((y2 - y1) * procW) / procH)
    ;[x1, x2] = grow(x1, x2, want, imgW)
  }
  return [x1, y1, x2, y2]
}

/** Cuts a box out of a mask. */
export function cropMask(m: Mask, [x1, y1, x2, y2]: [number, number, number, number]): Mask {
  const w = x2 - x1
  const h = y2 - y1
  const out = new Uint8Array(w * h)
  for (let y = 0; y < h; y++) out.set(m.data.subarray((y1 + y) * m.width + x1, (y1 + y) * m.width + x1 + w), y * w)
  return { width: w, height: h, data: out }
}

/** Cuts a box out of an RGB image. */
export function cropRgb(img: RgbImage, [x1, y1, x2, y2]: [number, number, number, number]): RgbImage {
  const w = x2 - x1
  const h = y2 - y1
  const out = new Uint8Array(w * h * 3)
  for (let y = 0; y < h; y++) out.set(img.data.subarray(((y1 + y) * img.width + x1) * 3, ((y1 + y) * img.width + x1 + w) * 3), y * w * 3)
  return { width: w, height: h, data: out }
}

/** Writes `patch` into a copy of `img` at (x, y). */
export function pasteRgb(img: RgbImage, patch: RgbImage, x: number, y: number): RgbImage {
  const out = Uint8Array.from(img.data)
  for (let r = 0; r < patch.height; r++) out.set(patch.data.subarray(r * patch.width * 3, (r + 1) * patch.width * 3), ((y + r) * img.width + x) * 3)
  return { width: img.width, height: img.height, data: out }
}

/**
 * The latent-grid mask (per latent pixel, 0..1) from a pixel mask: the mean of each f×f cell, then
 * rounded to 0 or 1 as A1111 rounds its latent mask, so a latent pixel is repainted when at least half of
 * its cell is. A soft (unrounded) mask is available for callers that blend.
 */
export function latentMask(m: Mask, factor: number, round = true): Float64Array {
  const w = Math.floor(m.width / factor)
  const h = Math.floor(m.height / factor)
  const out = new Float64Array(w * h)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0
      for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) acc += m.data[(y * factor + dy) * m.width + x * factor + dx]
      const v = acc / (factor * factor * 255)
      out[y * w + x] = round ? (v >= 0.5 ? 1 : 0) : v
    }
  }
  return out
}

/**
 * The final picture: generated pixels where the (blurred) mask is set, the original's where it is 0 —
 * bit for bit, since out = (orig·(255 − m) + gen·m) / 255 gives orig at m = 0 and gen at m = 255.
 */
export function compositeRgb(original: RgbImage, generated: RgbImage, mask: Mask): RgbImage {
  if (original.width !== generated.width || original.height !== generated.height || mask.width !== original.width || mask.height !== original.height) {
    throw new Error(`composite: sizes differ (original ${original.width}x${original.height}, generated ${generated.width}x${generated.height}, mask ${mask.width}x${mask.height})`)
  }
  const out = new Uint8Array(original.data.length)
  for (let p = 0; p < mask.data.length; p++) {
    const m = mask.data[p]
    for (let c = 0; c < 3; c++) {
      const i = p * 3 + c
      out[i] = m === 0 ? original.data[i] : m === 255 ? generated.data[i] : Math.round((original.data[i] * (255 - m) + generated.data[i] * m) / 255)
    }
  }
  return { width: original.width, height: original.height, data: out }
}
