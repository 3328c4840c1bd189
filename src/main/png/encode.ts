/**
 * A minimal PNG encoder for 8-bit RGB, on node:zlib: previews are tiny and made every step, so a
 * synchronous encoder with no native image library keeps each frame well under a millisecond, and the
 * same encoder serves final images (their metadata chunks are added by image-metadata.ts when kept).
 */
import { deflateSync } from 'node:zlib'
import { crc32 } from './chunks'
import { concatBytes } from '../../shared/bytes'

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  const v = new DataView(out.buffer)
  v.setUint32(0, data.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(data, 8)
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)))
  return out
}

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
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]
  return concatBytes(parts)
}
