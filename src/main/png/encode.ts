/**
 * A minimal PNG encoder for 8-bit RGB, on node:zlib: previews are tiny and made every step, so a
 * synchronous encoder with no native image library keeps each frame well under a millisecond, and the
 * same encoder serves final images (their metadata chunks are added by image-metadata.ts when kept).
 */
import { deflateSync } from 'node:zlib'
import { concatBytes } from '../../shared/bytes'
import { encodePngChunk as chunk, PNG_SIGNATURE } from '../../shared/png-chunks'

/** PNG bytes of an RGB image (`rgb` is height x width x 3). `level` trades size for speed (zlib 0–9). */
export function encodePngRgb(rgb: Uint8Array, width: number, height: number, level = 6): Uint8Array {
  if (rgb.length !== width * height * 3) throw new RangeError(`png: ${rgb.length} bytes is not ${width}x${height}x3`)
  const ihdr = new Uint8Array(13)
  const v = new DataView(ihdr.buffer)
  v.setUint32(0, width)
  v.setUint32(4, height)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // colour type RGB
  const stride = width * 3
  const raw = new Uint8Array((stride + 1) * height)
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0 // filter: none
    raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1)
  }
  const idat = deflateSync(raw, { level })
  const parts = [PNG_SIGNATURE as Uint8Array, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]
  return concatBytes(parts)
}
