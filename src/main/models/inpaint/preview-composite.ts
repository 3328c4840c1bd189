/**
 * The live preview of an inpainting job, composited as the final image is (finishInpaint): the step's
 * estimate where the blurred mask repaints, the init image's own pixels elsewhere, and for "only masked"
 * the whole picture with the estimate pasted into the mask's box.
 *
 * Previews are small (latent2rgb: 1/8 of the side), so the canvas and the overlay mask are scaled down
 * once per preview size (area average: a preview pixel whose area the mask does not touch is exactly
 * the average of the init image there) and each frame is one blend over the small picture.
 */
import type { RgbImage } from '../vae'
import type { InpaintPlan } from './plan'

/** Longest side of an "only masked" composite at least (the box would be a few pixels otherwise). */
const MIN_MASKED_SIDE = 256

/** Area-average downscale of `channels`-interleaved 8-bit pixels to (w, h) (never larger than the source). */
export function areaResize(data: Uint8Array, sw: number, sh: number, channels: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * channels)
  const acc = new Float64Array(channels)
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * sh) / h)
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * sh) / h))
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * sw) / w)
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * sw) / w))
      acc.fill(0)
      let any = false
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = (yy * sw + xx) * channels
          for (let c = 0; c < channels; c++) {
            acc[c] += data[i + c]
            if (data[i + c] !== 0) any = true
          }
        }
      }
      const n = (y1 - y0) * (x1 - x0)
      // A mask pixel some part of the area repaints stays above 0 (the blend must not drop it to the canvas).
      for (let c = 0; c < channels; c++) out[(y * w + x) * channels + c] = any && channels === 1 ? Math.max(1, Math.round(acc[c] / n)) : Math.round(acc[c] / n)
    }
  }
  return out
}

interface Prepared {
  width: number
  height: number
  canvas: Uint8Array
  overlay: Uint8Array
  /** Where the preview goes in the composite: [x1, y1, x2, y2]. */
  box: [number, number, number, number]
}

/** Composites the previews of one inpainting job; sizes are prepared on first use and kept. */
export class PreviewCompositor {
  private readonly prepared = new Map<string, Prepared>()

  constructor(private readonly plan: Pick<InpaintPlan, 'canvas' | 'overlay' | 'box' | 'empty'>) {}

  private prepare(pw: number, ph: number): Prepared {
    const key = `${pw}x${ph}`
    let p = this.prepared.get(key)
    if (p) return p
    const { canvas, overlay, box } = this.plan
    let width: number
    let height: number
    let at: [number, number, number, number]
    if (!box) {
      // Whole picture: the canvas is the job's size, so the preview covers it all.
      width = pw
      height = ph
      at = [0, 0, pw, ph]
    } else {
      // Only masked: the whole picture, as large as the preview's scale makes it (at least MIN_MASKED_SIDE, at most the canvas).
      const scale = Math.min(1, Math.max(pw / (box[2] - box[0]), MIN_MASKED_SIDE / Math.max(canvas.width, canvas.height)))
      width = Math.max(1, Math.round(canvas.width * scale))
      height = Math.max(1, Math.round(canvas.height * scale))
      at = [Math.floor(box[0] * scale), Math.floor(box[1] * scale), Math.max(Math.floor(box[0] * scale) + 1, Math.round(box[2] * scale)), Math.max(Math.floor(box[1] * scale) + 1, Math.round(box[3] * scale))]
    }
    p = { width, height, canvas: areaResize(canvas.data, canvas.width, canvas.height, 3, width, height), overlay: areaResize(overlay.data, overlay.width, overlay.height, 1, width, height), box: at }
    this.prepared.set(key, p)
    return p
  }

  /** The preview (RGB, pw × ph, of the job's area) composited onto the init image. */
  composite(preview: RgbImage): RgbImage {
    const p = this.prepare(preview.width, preview.height)
    const [bx1, by1, bx2, by2] = p.box
    const out = new Uint8Array(p.width * p.height * 3)
    for (let y = 0; y < p.height; y++) {
      for (let x = 0; x < p.width; x++) {
        const o = y * p.width + x
        const m = this.plan.empty || x < bx1 || x >= bx2 || y < by1 || y >= by2 ? 0 : p.overlay[o]
        if (m === 0) {
          out.set(p.canvas.subarray(o * 3, o * 3 + 3), o * 3)
          continue
        }
        // Nearest preview pixel for this composite pixel.
        const sx = Math.min(preview.width - 1, Math.floor(((x - bx1) * preview.width) / (bx2 - bx1)))
        const sy = Math.min(preview.height - 1, Math.floor(((y - by1) * preview.height) / (by2 - by1)))
        const s = (sy * preview.width + sx) * 3
        for (let c = 0; c < 3; c++) {
          const orig = p.canvas[o * 3 + c]
          const gen = preview.data[s + c]
          out[o * 3 + c] = m === 255 ? gen : Math.round((orig * (255 - m) + gen * m) / 255)
        }
      }
    }
    return { width: p.width, height: p.height, data: out }
  }
}

