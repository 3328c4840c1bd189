/**
 * PNG chunk reading and writing, pure TypeScript (PNG spec, ISO/IEC 15948, sections 5 and 11.3.4).
 *
 * A PNG is an 8-byte signature followed by chunks: 4-byte big-endian data length, 4-byte type,
 * data, and a CRC-32 over type + data. Text lives in tEXt (Latin-1 keyword and text), zTXt
 * (Latin-1, deflated) and iTXt (UTF-8 text, optionally deflated). This module parses and checks
 * every chunk, tells a complete file from a truncated one, reads text chunks, and inserts text
 * chunks into a PNG (such as one sharp produced) just before its first IDAT.
 */
import { deflateSync, inflateSync } from 'node:zlib'

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

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

export interface PngChunk {
  /** Four ASCII letters, e.g. "IHDR", "tEXt". */
  type: string
  data: Buffer
  /** Byte offset of the chunk's length field in the file. */
  offset: number
}

export function isPngSignature(buf: Uint8Array): boolean {
  return buf.length >= 8 && PNG_SIGNATURE.equals(Buffer.from(buf.buffer, buf.byteOffset, 8))
}

/**
 * Splits a PNG into chunks, checking the signature, every length and every CRC, and that the file
 * ends with IEND. Throws a {@link PngError} saying what is wrong (truncated, bad CRC …).
 */
export function parseChunks(input: Uint8Array, what = 'the PNG'): PngChunk[] {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  if (!isPngSignature(buf)) throw new PngError(`${what} is not a PNG file (the signature is missing)`)
  const chunks: PngChunk[] = []
  let off = 8
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new PngError(`${what} is truncated: a chunk header at byte ${off} is cut off`)
    const len = buf.readUInt32BE(off)
    if (len > 0x7fffffff) throw new PngError(`${what} has an impossible chunk length ${len} at byte ${off}`)
    const type = buf.toString('latin1', off + 4, off + 8)
    if (!/^[A-Za-z]{4}$/.test(type)) throw new PngError(`${what} has an invalid chunk type at byte ${off}`)
    const end = off + 12 + len
    if (end > buf.length) throw new PngError(`${what} is truncated inside its ${type} chunk at byte ${off}`)
    const data = buf.subarray(off + 8, off + 8 + len)
    const want = buf.readUInt32BE(off + 8 + len)
    if (crc32(buf.subarray(off + 4, off + 8), data) !== want) throw new PngError(`${what} is damaged: the CRC of its ${type} chunk at byte ${off} does not match`)
    chunks.push({ type, data, offset: off })
    off = end
    if (type === 'IEND') break
  }
  if (chunks.length === 0 || chunks[0].type !== 'IHDR') throw new PngError(`${what} does not start with an IHDR chunk`)
  if (chunks[chunks.length - 1].type !== 'IEND') throw new PngError(`${what} is truncated: it has no IEND chunk`)
  if (!chunks.some((c) => c.type === 'IDAT')) throw new PngError(`${what} has no image data (IDAT)`)
  return chunks
}

/** True when the bytes are a whole PNG: signature, every CRC right, IHDR … IDAT … IEND. */
export function isCompletePng(buf: Uint8Array): boolean {
  try {
    parseChunks(buf)
    return true
  } catch {
    return false
  }
}

export function encodeChunk(type: string, data: Uint8Array): Buffer {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new PngError(`invalid chunk type "${type}"`)
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8), data), 8 + data.length)
  return out
}

export function assembleChunks(chunks: ReadonlyArray<{ type: string; data: Uint8Array }>): Buffer {
  return Buffer.concat([PNG_SIGNATURE, ...chunks.map((c) => encodeChunk(c.type, c.data))])
}

// ---- text chunks ----

/** A text entry as stored in the file. */
export interface PngText {
  keyword: string
  text: string
  chunk: 'tEXt' | 'zTXt' | 'iTXt'
}

/** True when every character is in Latin-1 (tEXt's character set) and none is NUL. */
export function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 0xff || c === 0) return false
  }
  return true
}

function checkKeyword(keyword: string): void {
  // PNG: 1–79 Latin-1 printable characters, no leading/trailing/double spaces.
  if (keyword.length < 1 || keyword.length > 79 || !/^[\x20-\x7e\xa1-\xff]+$/.test(keyword) || /^ | $| {2}/.test(keyword)) {
    throw new PngError(`"${keyword}" is not a valid PNG text keyword (1–79 printable Latin-1 characters)`)
  }
}

/**
 * Encodes one text entry the way PIL's PngInfo.add_text does: tEXt when the text is Latin-1,
 * otherwise iTXt (UTF-8). `compress` deflates an iTXt (never tEXt, so every reader can read it).
 */
export function encodeTextChunk(keyword: string, text: string, opts: { forceItxt?: boolean; compress?: boolean } = {}): { type: string; data: Buffer } {
  checkKeyword(keyword)
  const kw = Buffer.from(keyword, 'latin1')
  if (!opts.forceItxt && !opts.compress && isLatin1(text)) {
    return { type: 'tEXt', data: Buffer.concat([kw, Buffer.from([0]), Buffer.from(text, 'latin1')]) }
  }
  const body = Buffer.from(text, 'utf8')
  const compressed = opts.compress === true
  // keyword \0 compression-flag compression-method language-tag \0 translated-keyword \0 text
  return {
    type: 'iTXt',
    data: Buffer.concat([kw, Buffer.from([0, compressed ? 1 : 0, 0, 0, 0]), compressed ? deflateSync(body) : body])
  }
}

/**
 * The most text one chunk may inflate to. Our largest settings text (two 20,000-character prompts in
 * JSON beside the infotext) is far below it; without a cap, a 1 KB zTXt can inflate to gigabytes (a
 * 3 MB "deflate bomb" took 9.5 GB), so every inflate is bounded and anything bigger is refused.
 */
export const MAX_TEXT_CHUNK_BYTES = 1 << 20
/** The most text all chunks of one file may inflate to together (many small bombs add up). */
export const MAX_TEXT_TOTAL_BYTES = 4 << 20

/** The keyword of a text chunk without decoding (or inflating) its text; undefined for other chunks. */
export function textChunkKeyword(chunk: { type: string; data: Buffer }): string | undefined {
  if (chunk.type !== 'tEXt' && chunk.type !== 'zTXt' && chunk.type !== 'iTXt') return undefined
  const z = chunk.data.indexOf(0)
  return z < 1 ? undefined : chunk.data.toString('latin1', 0, z)
}

function inflateText(data: Buffer, type: string, keyword: string, limit: number): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: Math.max(1, limit) })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new PngError(`${type} "${keyword}" inflates to more than ${limit >> 10} KB, more than any settings text; it was not read`)
    }
    throw new PngError(`${type} "${keyword}" holds damaged compressed data (${(e as Error).message})`)
  }
}

/**
 * Decodes a tEXt, zTXt or iTXt chunk; undefined for other chunk types. Throws a PngError on a
 * malformed one, or one whose text would be longer than `limit` bytes (MAX_TEXT_CHUNK_BYTES).
 */
export function decodeTextChunk(chunk: { type: string; data: Buffer }, limit = MAX_TEXT_CHUNK_BYTES): PngText | undefined {
  const d = chunk.data
  if (chunk.type !== 'tEXt' && chunk.type !== 'zTXt' && chunk.type !== 'iTXt') return undefined
  const z = d.indexOf(0)
  if (z < 1) throw new PngError(`a ${chunk.type} chunk has no keyword`)
  const keyword = d.toString('latin1', 0, z)
  if (chunk.type === 'tEXt') {
    if (d.length - z - 1 > limit) throw new PngError(`tEXt "${keyword}" is longer than ${limit >> 10} KB, more than any settings text; it was not read`)
    return { keyword, text: d.toString('latin1', z + 1), chunk: 'tEXt' }
  }
  if (chunk.type === 'zTXt') {
    if (d[z + 1] !== 0) throw new PngError(`zTXt "${keyword}" uses an unknown compression method`)
    return { keyword, text: inflateText(d.subarray(z + 2), 'zTXt', keyword, limit).toString('latin1'), chunk: 'zTXt' }
  }
  const flag = d[z + 1]
  const method = d[z + 2]
  const langEnd = d.indexOf(0, z + 3)
  if (langEnd < 0) throw new PngError(`iTXt "${keyword}" is malformed (no language tag end)`)
  const tkEnd = d.indexOf(0, langEnd + 1)
  if (tkEnd < 0) throw new PngError(`iTXt "${keyword}" is malformed (no translated keyword end)`)
  let body = d.subarray(tkEnd + 1)
  if (flag === 1) {
    if (method !== 0) throw new PngError(`iTXt "${keyword}" uses an unknown compression method`)
    body = inflateText(body, 'iTXt', keyword, limit)
  }
  if (body.length > limit) throw new PngError(`iTXt "${keyword}" is longer than ${limit >> 10} KB, more than any settings text; it was not read`)
  return { keyword, text: body.toString('utf8'), chunk: 'iTXt' }
}

/** Every text entry of a complete PNG, in file order (at most MAX_TEXT_TOTAL_BYTES of text in all). */
export function readTextChunks(buf: Uint8Array): PngText[] {
  const out: PngText[] = []
  let left = MAX_TEXT_TOTAL_BYTES
  for (const c of parseChunks(buf)) {
    const t = decodeTextChunk(c, Math.min(MAX_TEXT_CHUNK_BYTES, left))
    if (!t) continue
    left -= Buffer.byteLength(t.text, t.chunk === 'iTXt' ? 'utf8' : 'latin1')
    out.push(t)
  }
  return out
}

/**
 * Returns a copy of the PNG with the given text entries inserted before the first IDAT (so
 * streaming readers see them early). Existing text chunks with the same keywords are removed first.
 */
export function withTextChunks(png: Uint8Array, entries: ReadonlyArray<{ type: string; data: Buffer }>): Buffer {
  const chunks = parseChunks(png)
  const replaced = new Set(entries.map((e) => textChunkKeyword(e)))
  const kept = chunks.filter((c) => {
    const k = textChunkKeyword(c)
    return !(k !== undefined && replaced.has(k))
  })
  const at = kept.findIndex((c) => c.type === 'IDAT')
  return assembleChunks([...kept.slice(0, at), ...entries, ...kept.slice(at)])
}

/** Width and height from the IHDR chunk. */
export function pngSize(buf: Uint8Array): { width: number; height: number } {
  const ihdr = parseChunks(buf)[0]
  return { width: ihdr.data.readUInt32BE(0), height: ihdr.data.readUInt32BE(4) }
}
