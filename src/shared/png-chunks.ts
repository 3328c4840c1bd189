/**
 * The one PNG chunk reader (PNG spec, ISO/IEC 15948, sections 5 and 11.3.4), with no Node API, so
 * the main process (src/main/png, which adds bounded inflating of text) and the renderer (which
 * shrinks a dropped or chosen PNG to its settings before sending it) read files alike.
 *
 * A PNG is an 8-byte signature followed by chunks: 4-byte big-endian data length, 4-byte type, data,
 * and a CRC-32 over type + data. Every length, type and CRC is checked, and the file must run
 * IHDR … IDAT … IEND; anything else is a {@link PngError} saying what is wrong and where.
 */
import { concatBytes } from './bytes'

export const PNG_SIGNATURE: Readonly<Uint8Array> = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/**
 * The most text one chunk may hold (or inflate to). Our largest settings text (two 20,000-character
 * prompts in JSON beside the infotext) is far below it; without a cap, a 1 KB zTXt can inflate to
 * gigabytes (a 3 MB "deflate bomb" took 9.5 GB), so every inflate is bounded and more is refused.
 */
export const MAX_TEXT_CHUNK_BYTES = 1 << 20
/** The most text all chunks of one file may inflate to together (many small bombs add up). */
export const MAX_TEXT_TOTAL_BYTES = 4 << 20
/** The spec's largest chunk length (2^31 − 1). */
export const MAX_CHUNK_BYTES = 0x7fffffff

/**
 * PNG text keywords that carry generation settings, in the order they are preferred: ours
 * (`sigma-studio`), A1111's `parameters`, ComfyUI's `prompt` and `workflow`, InvokeAI's
 * `invokeai_metadata`, older `sd-metadata` and `Dream`. The formats layer reads exactly these
 * (src/main/formats/read.ts; its test checks the two agree).
 */
export const SETTINGS_TEXT_KEYWORDS = ['sigma-studio', 'parameters', 'prompt', 'workflow', 'invokeai_metadata', 'sd-metadata', 'Dream'] as const

export class PngError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PngError'
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

/** CRC-32 as PNG uses it (ISO 3309 / ITU-T V.42), over several byte ranges in order. */
export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

export interface RawChunk {
  /** Four ASCII letters, e.g. "IHDR", "tEXt". */
  type: string
  /** A view into the file's bytes (not a copy). */
  data: Uint8Array
  /** Byte offset of the chunk's length field in the file. */
  offset: number
}

export function isPngSignature(buf: Uint8Array): boolean {
  if (buf.length < 8) return false
  for (let i = 0; i < 8; i++) if (buf[i] !== PNG_SIGNATURE[i]) return false
  return true
}

const latin1 = (b: Uint8Array, from: number, to: number): string => {
  let s = ''
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i])
  return s
}

/**
 * Splits a PNG into chunks, checking the signature, every length and every CRC, that it starts with
 * IHDR, has image data and ends with IEND. Throws a {@link PngError} saying what is wrong.
 */
export function parsePngChunks(buf: Uint8Array, what = 'the PNG'): RawChunk[] {
  if (!isPngSignature(buf)) throw new PngError(`${what} is not a PNG file (the signature is missing)`)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const chunks: RawChunk[] = []
  let off = 8
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new PngError(`${what} is truncated: a chunk header at byte ${off} is cut off`)
    const len = view.getUint32(off)
    if (len > MAX_CHUNK_BYTES) throw new PngError(`${what} has an impossible chunk length ${len} at byte ${off}`)
    const type = latin1(buf, off + 4, off + 8)
    if (!/^[A-Za-z]{4}$/.test(type)) throw new PngError(`${what} has an invalid chunk type at byte ${off}`)
    const end = off + 12 + len
    if (end > buf.length) throw new PngError(`${what} is truncated inside its ${type} chunk at byte ${off}`)
    const data = buf.subarray(off + 8, off + 8 + len)
    if (crc32(buf.subarray(off + 4, off + 8), data) !== view.getUint32(off + 8 + len)) throw new PngError(`${what} is damaged: the CRC of its ${type} chunk at byte ${off} does not match`)
    chunks.push({ type, data, offset: off })
    off = end
    if (type === 'IEND') break
  }
  if (chunks.length === 0 || chunks[0].type !== 'IHDR') throw new PngError(`${what} does not start with an IHDR chunk`)
  if (chunks[chunks.length - 1].type !== 'IEND') throw new PngError(`${what} is truncated: it has no IEND chunk`)
  if (!chunks.some((c) => c.type === 'IDAT')) throw new PngError(`${what} has no image data (IDAT)`)
  return chunks
}

/** The keyword of a text chunk without decoding (or inflating) its text; undefined for other chunks. */
export function textKeyword(chunk: { type: string; data: Uint8Array }): string | undefined {
  if (chunk.type !== 'tEXt' && chunk.type !== 'zTXt' && chunk.type !== 'iTXt') return undefined
  const z = chunk.data.indexOf(0)
  return z < 1 ? undefined : latin1(chunk.data, 0, z)
}

/** One chunk's bytes as stored: length, type, data, CRC. */
export function encodePngChunk(type: string, data: Uint8Array): Uint8Array {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new PngError(`invalid chunk type "${type}"`)
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8), data))
  return out
}

/** A PNG from chunks (signature first). */
export function assemblePng(chunks: ReadonlyArray<{ type: string; data: Uint8Array }>): Uint8Array {
  return concatBytes([PNG_SIGNATURE as Uint8Array, ...chunks.map((c) => encodePngChunk(c.type, c.data))])
}

/**
 * A copy of a PNG with only what a settings reader needs: its header, the settings text chunks (the
 * first of each keyword, no larger than a settings text may be), its first image-data chunk (so it
 * is still a whole PNG) and the end marker. A large A1111 PNG shrinks to a few kilobytes, small
 * enough for one message to the local web host. Throws a PngError for a file that is not a whole PNG.
 */
export function settingsOnlyPng(buf: Uint8Array, what = 'the PNG'): Uint8Array {
  const chunks = parsePngChunks(buf, what)
  const keep: RawChunk[] = []
  const seen = new Set<string>()
  let idat = false
  for (const c of chunks) {
    const k = textKeyword(c)
    if (k !== undefined) {
      if (!(SETTINGS_TEXT_KEYWORDS as readonly string[]).includes(k) || seen.has(k) || c.data.length > MAX_TEXT_CHUNK_BYTES) continue
      seen.add(k)
      keep.push(c)
    } else if (c.type === 'IHDR' || (c.type === 'IDAT' && !idat)) {
      idat ||= c.type === 'IDAT'
      keep.push(c)
    }
  }
  // The end marker goes last, after every text chunk (some writers put text after the image data).
  return assemblePng([...keep, { type: 'IEND', data: new Uint8Array(0) }])
}
