/**
 * Turns an init image, a mask and A1111's inpaint options into what the sampler needs (the image to encode
 * at the job's size and the latent mask) and back into the final picture (the generated pixels composited
 * onto the original with the blurred mask, so nothing outside it changes at all).
 *
 * A1111's semantics, by option name:
 * - Mask blur N: a Gaussian of σ = N px on the mask before anything else;
 * - Inpaint area "Whole picture": work on the whole image at the job's size; the overlay mask is the
 *   blurred mask doubled (clipped at 255), which keeps the repainted area fully opaque up to the blur's
 *   mid-line and fades only outside it;
 * - Inpaint area "Only masked": crop the mask's box plus `padding` px, grown to the job's aspect ratio,
 *   scale that crop to the job's size, generate, scale back and paste into the original;
 * - Masked content: fill (surrounding colours), original, latent noise, latent nothing (the last two act
 *   on the latent, see `maskedLatent`);
 * - invert mask, and mask from the init image's alpha channel (transparent = repaint).
 */
import sharp from 'sharp'
import type { InpaintSettings, MaskedContent } from '../../../shared/inpaint'
import type { RgbImage } from '../vae'
import { fillMasked } from './fill'
import { binarizeMask, blurMask, compositeRgb, cropMask, cropRgb, expandBoxToAspect, invertMask, isEmptyMask, isFullMask, latentMask, maskBox, pasteRgb, type Mask } from './mask'

/** The settings planning reads (src/shared/inpaint.ts holds them all, with their defaults). */
export type InpaintOptions = Pick<InpaintSettings, 'maskBlur' | 'maskedContent' | 'area' | 'padding' | 'invert'>

export interface InpaintPlan {
  /** The picture the result is composited onto (the init image, at the size the result will have). */
  canvas: RgbImage
  /** What the VAE encodes: the canvas (or its crop) at the job's size, with masked content applied. */
  work: RgbImage
  /** Per latent pixel of the job's latent grid, 0 or 1 (1 = repaint). */
  latentMask: Float64Array
  /** The blurred mask at the job's size, aligned with `work` (inpainting UNets see the masked image). */
  workMask: Mask
  /** The mask the final composite uses, at the canvas's size. */
  overlay: Mask
  /** "Only masked": where the job-size result goes on the canvas; null for the whole picture. */
  box: [number, number, number, number] | null
  options: InpaintOptions
  /** The mask is empty: the result is the canvas, unchanged; nothing needs to run. */
  empty: boolean
  /** Things the user should know (a resized mask, an empty or full mask). */
  notes: string[]
}

export async function resizeRgb(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (img.width === width && img.height === height) return img
  const { data } = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
}

export async function resizeMask(m: Mask, width: number, height: number): Promise<Mask> {
  if (m.width === width && m.height === height) return m
  const { data } = await sharp(Buffer.from(m.data), { raw: { width: m.width, height: m.height, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
}

/**
 * Plans a masked job. `canvas` is the init image as the result will be sized: for the whole picture it
 * must already be at the job's size; for only-masked it is the original at any size.
 */
export async function planInpaint(canvas: RgbImage, rawMask: Mask, options: InpaintOptions, jobWidth: number, jobHeight: number, latentFactor: number): Promise<InpaintPlan> {
  const notes: string[] = []
  if (options.area === 'whole' && (canvas.width !== jobWidth || canvas.height !== jobHeight)) {
    throw new Error(`inpaint: for the whole picture the canvas must be the job's size (${jobWidth}x${jobHeight}), got ${canvas.width}x${canvas.height}`)
  }
  let mask = rawMask
  if (mask.width !== canvas.width || mask.height !== canvas.height) {
    notes.push(`the mask (${mask.width}x${mask.height}) was resized to the image's ${canvas.width}x${canvas.height}`)
    mask = await resizeMask(mask, canvas.width, canvas.height)
  }
  if (options.invert) mask = invertMask(mask)
  if (isEmptyMask(mask)) {
    notes.push('the mask is empty: nothing to repaint, so the image is returned unchanged')
    return { canvas, work: canvas, latentMask: new Float64Array(0), workMask: mask, overlay: mask, box: null, options, empty: true, notes }
  }
  if (isFullMask(mask)) notes.push('the mask covers the whole image: this is plain image-to-image')
  const blurred = blurMask(mask, options.maskBlur)

  if (options.area === 'whole') {
    const overlay: Mask = { ...blurred, data: Uint8Array.from(blurred.data, (v) => Math.min(255, v * 2)) }
    const work = options.maskedContent === 'fill' ? fillMasked(canvas, binarizeMask(blurred)) : canvas
    return { canvas, work, latentMask: latentMask(blurred, latentFactor), workMask: blurred, overlay, box: null, options, empty: false, notes }
  }

  const tight = maskBox(mask, options.padding)!
  const box = expandBoxToAspect(tight, jobWidth, jobHeight, canvas.width, canvas.height)
  const cropM = await resizeMask(cropMask(blurred, box), jobWidth, jobHeight)
  let crop = cropRgb(canvas, box)
  if (options.maskedContent === 'fill') crop = fillMasked(crop, binarizeMask(cropMask(blurred, box)))
  const work = await resizeRgb(crop, jobWidth, jobHeight)
  return { canvas, work, latentMask: latentMask(cropM, latentFactor), workMask: cropM, overlay: blurred, box, options, empty: false, notes }
}

/** The final picture from the job-size result: scaled back into its box (only masked) and composited. */
export async function finishInpaint(plan: InpaintPlan, generated: RgbImage): Promise<RgbImage> {
  if (plan.empty) return plan.canvas
  let full = generated
  if (plan.box) {
    const [x1, y1, x2, y2] = plan.box
    full = pasteRgb(plan.canvas, await resizeRgb(generated, x2 - x1, y2 - y1), x1, y1)
  }
  return compositeRgb(plan.canvas, full, plan.overlay)
}

/**
 * The init latent with A1111's latent masked content applied inside the mask: "latent noise" puts the
 * job's own unit noise there, "latent nothing" zeros; fill and original leave it (fill acted on pixels).
 * `mask` is per latent element (all channels, all rows).
 */
export function maskedLatent(latent: Float64Array, mask: Float64Array, noise: Float64Array, content: MaskedContent): Float64Array {
  if (content !== 'latent-noise' && content !== 'latent-nothing') return latent
  const out = new Float64Array(latent.length)
  for (let i = 0; i < out.length; i++) {
    const keep = 1 - mask[i]
    out[i] = latent[i] * keep + (content === 'latent-noise' ? noise[i] * mask[i] : 0)
  }
  return out
}

/** The mask carried by an image's alpha channel: transparent pixels are repainted. */
export function maskFromAlpha(alpha: Uint8Array, width: number, height: number): Mask {
  return { width, height, data: Uint8Array.from(alpha.subarray(0, width * height), (a) => 255 - a) }
}
