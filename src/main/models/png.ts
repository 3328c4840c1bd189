/**
 * PNG in and out (sharp), kept in one small module: encoding a generated image with its A1111 `parameters`
 * text chunk (so other tools read the settings back), and reading an init image for img2img. The library
 * issue will add the app's full JSON metadata chunk here.
 */
import { crc32 } from 'node:zlib'
import sharp from 'sharp'
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from '../../shared/catalogue'
import { GenerationInputError } from './errors'
import type { ResolvedRequest } from './pipeline'
import type { RgbImage } from './vae'

/** A1111 infotext: prompt, "Negative prompt: …", then one line of "Key: value" pairs. */
export function formatInfotext(r: ResolvedRequest, seed: string, modelName: string): string {
  const quote = (v: string): string => (/[,:\n"]/.test(v) ? JSON.stringify(v) : v)
  const pairs: [string, string | number][] = [
    ['Steps', r.steps],
    ['Sampler', SAMPLER_BY_ID.get(r.sampler)?.displayName ?? r.sampler],
    ['Schedule type', SCHEDULE_BY_ID.get(r.schedule)?.displayName ?? r.schedule],
    ['CFG scale', r.cfg],
    ['Seed', seed],
    ['Size', `${r.width}x${r.height}`],
    ['Model', modelName]
  ]
  if (r.strength !== undefined) pairs.push(['Denoising strength', r.strength])
  if (r.guidance.rescale > 0) pairs.push(['CFG Rescale phi', r.guidance.rescale])
  const lines = [r.prompt]
  if (r.negativePrompt) lines.push(`Negative prompt: ${r.negativePrompt}`)
  lines.push(pairs.map(([k, v]) => `${k}: ${quote(String(v))}`).join(', '))
  return lines.join('\n')
}

/** A PNG tEXt chunk (Latin-1 keyword and text; other characters go in an iTXt chunk). */
function textChunk(keyword: string, text: string): Buffer {
  const latin1 = /^[\x00-\xff]*$/.test(text)
  const body = latin1
    ? Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')])
    : Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')])
  const type = Buffer.from(latin1 ? 'tEXt' : 'iTXt', 'latin1')
  const len = Buffer.alloc(4)
  len.writeUInt32BE(body.length)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([type, body])) >>> 0)
  return Buffer.concat([len, type, body, crc])
}

/** Inserts text chunks right after IHDR. */
export function withTextChunks(png: Buffer, chunks: Record<string, string>): Buffer {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4
  if (png.length < ihdrEnd || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG')
  const extra = Object.entries(chunks).map(([k, v]) => textChunk(k, v))
  return Buffer.concat([png.subarray(0, ihdrEnd), ...extra, png.subarray(ihdrEnd)])
}

/** Encodes an RGB image as PNG bytes with the given text chunks (e.g. { parameters: infotext }). */
export async function encodePng(image: RgbImage, text: Record<string, string> = {}): Promise<Buffer> {
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 }
  })
    .png()
    .toBuffer()
  return Object.keys(text).length ? withTextChunks(png, text) : png
}

/** Reads the text chunks of a PNG (tEXt and uncompressed iTXt). */
export function readPngText(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {}
  let off = 8
  while (off + 8 <= png.length) {
    const len = png.readUInt32BE(off)
    const type = png.toString('latin1', off + 4, off + 8)
    const body = png.subarray(off + 8, off + 8 + len)
    const nul = body.indexOf(0)
    if (type === 'tEXt' && nul > 0) out[body.toString('latin1', 0, nul)] = body.toString('latin1', nul + 1)
    if (type === 'iTXt' && nul > 0 && body[nul + 1] === 0) {
      let p = nul + 3
      p = body.indexOf(0, p) + 1
      p = body.indexOf(0, p) + 1
      out[body.toString('latin1', 0, nul)] = body.toString('utf8', p)
    }
    off += 12 + len
  }
  return out
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
