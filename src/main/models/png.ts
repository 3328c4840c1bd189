/** Reading an init image for img2img (sharp decodes PNG, JPEG and WebP and resizes). */
import sharp from 'sharp'
import { GenerationInputError } from './errors'
import type { RgbImage } from './vae'

/**
 * Loads an init image — a file path (the CLI) or the encoded bytes (the service, which never takes
 * paths from the renderer) — and resizes it to width x height (stretching, as A1111's "Just resize").
 */
export async function readImageRgb(source: string | Uint8Array, width: number, height: number): Promise<RgbImage> {
  const input = typeof source === 'string' ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength)
  const what = typeof source === 'string' ? source : `the init image (${source.byteLength} bytes)`
  try {
    const { data, info } = await sharp(input).removeAlpha().resize(width, height, { fit: 'fill' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) throw new Error(`${info.channels} channels`)
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
  } catch (e) {
    throw new GenerationInputError('bad-init-image', 'init', `cannot read ${what} as an image (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`, 'pass a PNG, JPEG or WebP file')
  }
}
