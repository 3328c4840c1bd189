/**
 * The init image of an img2img request, as it crosses from the renderer to the service.
 *
 * Why bytes and not a path: the renderer is untrusted (a compromised page, or any local page talking
 * to the web host), and a path in a request would let it make the main process open any file the user
 * can read. So the request carries the encoded image itself (PNG, JPEG or WebP; the renderer has the
 * bytes from a file picker or from 'studio:result:image' for a library image), the service never opens
 * a path on the renderer's behalf, and `params.img2img.image` is replaced by a content hash
 * (`sha256:…`) — a label that identifies the image in the library without ever being read as a path.
 */
import { ParamsError } from './params'

/** Largest init image accepted (encoded bytes): ample for a 2048x2048 PNG or a 4096x4096 JPEG/WebP. */
export const MAX_INIT_IMAGE_BYTES = 32 * 1024 * 1024

/** The formats the worker can decode, by their leading bytes. */
export function initImageFormat(b: Uint8Array): 'png' | 'jpeg' | 'webp' | null {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png'
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg'
  const ascii = (o: number, s: string): boolean => [...s].every((c, i) => b[o + i] === c.charCodeAt(0))
  if (b.length >= 12 && ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp'
  return null
}

/**
 * Checks the request's init image against its img2img settings: bytes must come with img2img and
 * img2img with bytes. Throws ParamsError naming the field ('initImage' or 'params.img2img').
 */
export function validateInitImage(raw: unknown, img2imgSet: boolean): Uint8Array | null {
  if (raw === undefined || raw === null) {
    if (img2imgSet) {
      throw new ParamsError(
        'initImage',
        'params.img2img is set but the request carries no init image; send the image itself as PNG, JPEG or WebP bytes in initImage (paths are not accepted from the app)'
      )
    }
    return null
  }
  if (!(raw instanceof Uint8Array)) throw new ParamsError('initImage', 'must be the encoded image bytes (a Uint8Array of a PNG, JPEG or WebP file)')
  if (!img2imgSet) throw new ParamsError('params.img2img', 'must be set ({ image, strength }) when the request carries an init image')
  if (raw.length > MAX_INIT_IMAGE_BYTES) {
    throw new ParamsError('initImage', `is ${raw.length} bytes; the limit is ${MAX_INIT_IMAGE_BYTES} (${MAX_INIT_IMAGE_BYTES >> 20} MiB); use a smaller image`)
  }
  if (!initImageFormat(raw)) throw new ParamsError('initImage', 'is not a PNG, JPEG or WebP file (its first bytes do not match any of them)')
  return raw
}

/**
 * Checks the request's mask image against its inpaint settings: bytes must come when
 * params.img2img.inpaint names a mask, and only then. Same formats and size limit as the init image.
 */
export function validateMaskImage(raw: unknown, maskNamed: boolean): Uint8Array | null {
  if (raw === undefined || raw === null) {
    if (maskNamed) throw new ParamsError('maskImage', 'params.img2img.inpaint names a mask but the request carries no mask image; send it as PNG, JPEG or WebP bytes in maskImage')
    return null
  }
  if (!(raw instanceof Uint8Array)) throw new ParamsError('maskImage', 'must be the encoded image bytes (a Uint8Array of a PNG, JPEG or WebP file)')
  if (!maskNamed) throw new ParamsError('params.img2img.inpaint.mask', 'must name the mask when the request carries a mask image')
  if (raw.length > MAX_INIT_IMAGE_BYTES) throw new ParamsError('maskImage', `is ${raw.length} bytes; the limit is ${MAX_INIT_IMAGE_BYTES} (${MAX_INIT_IMAGE_BYTES >> 20} MiB)`)
  if (!initImageFormat(raw)) throw new ParamsError('maskImage', 'is not a PNG, JPEG or WebP file (its first bytes do not match any of them)')
  return raw
}
