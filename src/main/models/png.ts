/**
 * Images in and out of the pipeline (sharp): encoding a generated image as PNG, and reading an init image
 * for img2img. The metadata chunks (A1111 `parameters` and the app's exact JSON) are written by
 * src/main/png when the image is kept.
 */
import sharp from 'sharp'
import { GenerationInputError } from './errors'
import type { RgbImage } from './vae'

/** Encodes an RGB image as plain PNG bytes (metadata chunks are added by src/main/png when it is kept). */
export async function encodePng(image: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 }
  })
    .png()
    .toBuffer()
}

/** Loads an init image and resizes it to width x height (stretching, as A1111's "Just resize"). */
export async function readImageRgb(path: string, width: number, height: number): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(path).removeAlpha().resize(width, height, { fit: 'fill' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) throw new Error(`${info.channels} channels`)
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
  } catch (e) {
    throw new GenerationInputError('bad-init-image', 'init', `cannot read ${path} as an image (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`, 'pass a PNG, JPEG or WebP file')
  }
}
