/**
 * Shrinks a PNG to what a preset import reads — its header, text chunks, one image-data chunk and the
 * end marker — before it is sent to the studio. The settings live in the text chunks; the pixels are
 * not needed, and a large A1111 PNG would not fit in one message to the local web host. Chunks are
 * copied whole, so every CRC stays right. Anything that is not a well-formed PNG is returned unchanged
 * for the studio to judge (and explain).
 */
import { concatBytes } from '../../../../shared/bytes'

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10]
const KEEP = new Set(['IHDR', 'tEXt', 'iTXt', 'zTXt', 'IEND'])

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && SIGNATURE.every((v, i) => b[i] === v)
}

export function pngMetadataOnly(b: Uint8Array): Uint8Array {
  if (!isPng(b)) return b
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const parts: Uint8Array[] = [b.subarray(0, 8)]
  let idat = false
  let ended = false
  for (let off = 8; off + 12 <= b.length; ) {
    const len = view.getUint32(off)
    const end = off + 12 + len
    if (end > b.length) return b
    const type = String.fromCharCode(b[off + 4], b[off + 5], b[off + 6], b[off + 7])
    if (KEEP.has(type) || (type === 'IDAT' && !idat)) {
      // The end marker goes last, after every text chunk (some writers put text after the image data).
      if (type !== 'IEND') parts.push(b.subarray(off, end))
      if (type === 'IDAT') idat = true
    }
    off = end
    if (type === 'IEND') {
      parts.push(b.subarray(off - 12 - len, off))
      ended = true
      break
    }
  }
  if (!ended) return b
  return concatBytes(parts)
}
