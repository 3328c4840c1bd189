/**
 * From what a job carries (the init image and mask as files or bytes, the inpaint settings, the job's
 * size) to an InpaintPlan: decode both images, take the mask from the init image's alpha channel where
 * asked, extend the canvas for outpainting (its new area joins the mask), fit the canvas to the job for
 * the whole picture, and plan. Every failure names the image and what to do.
 */
import sharp from 'sharp'
import type { InpaintSettings } from '../../../shared/inpaint'
import { GenerationInputError } from '../errors'
import type { RgbImage } from '../vae'
import type { Mask } from './mask'
import { extendCanvas } from './outpaint'
import { maskFromAlpha, planInpaint, resizeMask, resizeRgb, type InpaintPlan } from './plan'

export type ImageSource = string | Uint8Array

function input(src: ImageSource): string | Buffer {
  return typeof src === 'string' ? src : Buffer.from(src.buffer, src.byteOffset, src.byteLength)
}

function describe(src: ImageSource, what: string): string {
  return typeof src === 'string' ? src : `the ${what} (${src.byteLength} bytes)`
}

function unreadable(field: string, src: ImageSource, what: string, e: unknown): GenerationInputError {
  return new GenerationInputError('bad-init-image', field, `cannot read ${describe(src, what)} as an image (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`, 'pass a PNG, JPEG or WebP file')
}

/** The init image at its own size, with its alpha channel (opaque where it has none). */
export async function readRgba(src: ImageSource): Promise<{ rgb: RgbImage; alpha: Uint8Array }> {
  try {
    const { data, info } = await sharp(input(src)).ensureAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
    const n = info.width * info.height
    const rgb = new Uint8Array(n * 3)
    const alpha = new Uint8Array(n)
    for (let p = 0; p < n; p++) {
      rgb[p * 3] = data[p * 4]
      rgb[p * 3 + 1] = data[p * 4 + 1]
      rgb[p * 3 + 2] = data[p * 4 + 2]
      alpha[p] = data[p * 4 + 3]
    }
    return { rgb: { width: info.width, height: info.height, data: rgb }, alpha }
  } catch (e) {
    throw unreadable('init', src, 'init image', e)
  }
}

/**
 * A mask image: white = repaint. A mask with transparency (as painted on a layer) counts its transparent
 * pixels as black, so strokes on a clear background work as well as black-and-white masks.
 */
export async function readMask(src: ImageSource): Promise<Mask> {
  try {
    const { data, info } = await sharp(input(src)).flatten({ background: '#000000' }).greyscale().extractChannel(0).raw().toBuffer({ resolveWithObject: true })
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
  } catch (e) {
    throw unreadable('mask', src, 'mask image', e)
  }
}

export interface PrepareInput {
  init: ImageSource
  /** The mask image, when the settings name one. */
  mask?: ImageSource
  settings: InpaintSettings
  width: number
  height: number
  /** The VAE's pixels per latent cell. */
  latentFactor: number
  /** Seeds the noise fill of an outpaint, so a job is reproducible. */
  seed?: number
}

export async function prepareInpaint(p: PrepareInput): Promise<InpaintPlan> {
  const s = p.settings
  const { rgb, alpha } = await readRgba(p.init)
  let canvas = rgb
  let mask: Mask
  if (s.maskFromAlpha) mask = maskFromAlpha(alpha, rgb.width, rgb.height)
  else if (p.mask !== undefined) mask = await readMask(p.mask)
  else if (s.outpaint) mask = { width: rgb.width, height: rgb.height, data: new Uint8Array(rgb.width * rgb.height) }
  else throw new GenerationInputError('bad-parameter', 'mask', 'inpainting needs a mask', 'pass --mask MASK.png (white = repaint), or --mask-from-alpha')
  const notes: string[] = []
  if (s.outpaint) {
    if (mask.width !== rgb.width || mask.height !== rgb.height) {
      notes.push(`the mask (${mask.width}x${mask.height}) was resized to the image's ${rgb.width}x${rgb.height}`)
      mask = await resizeMask(mask, rgb.width, rgb.height)
    }
    // The seam band is as wide as the blur reaches, so the fade crosses it instead of ending on it.
    const ext = extendCanvas(rgb, s.outpaint, s.outpaint.fill, Math.max(4, Math.floor(2.5 * s.maskBlur + 0.5)), p.seed ?? 0)
    const joined = new Uint8Array(ext.mask.data)
    const { left, top } = s.outpaint
    for (let y = 0; y < mask.height; y++) for (let x = 0; x < mask.width; x++) joined[(y + top) * ext.canvas.width + x + left] = Math.max(joined[(y + top) * ext.canvas.width + x + left], mask.data[y * mask.width + x])
    canvas = ext.canvas
    mask = { width: ext.canvas.width, height: ext.canvas.height, data: joined }
  }
  if (s.area === 'whole' && (canvas.width !== p.width || canvas.height !== p.height)) {
    notes.push(`the ${s.outpaint ? 'extended ' : ''}image (${canvas.width}x${canvas.height}) was resized to the job's ${p.width}x${p.height}`)
    if (mask.width === canvas.width && mask.height === canvas.height) mask = await resizeMask(mask, p.width, p.height)
    canvas = await resizeRgb(canvas, p.width, p.height)
  }
  const plan = await planInpaint(canvas, mask, s, p.width, p.height, p.latentFactor)
  plan.notes.unshift(...notes)
  return plan
}
