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
import { assemblePng, crc32, encodePngChunk, isPngSignature, MAX_TEXT_CHUNK_BYTES, MAX_TEXT_TOTAL_BYTES, parsePngChunks, PngError, textKeyword } from '../../shared/png-chunks'

// The chunk walk itself is shared with the renderer (src/shared/png-chunks.ts); this module adds
// Node Buffers, text decoding and bounded inflating.
export { crc32, isPngSignature, MAX_TEXT_CHUNK_BYTES, MAX_TEXT_TOTAL_BYTES, PngError }

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export interface PngChunk {
  /** Four ASCII letters, e.g. "IHDR", "tEXt". */
  type: string
  data: Buffer
  /** Byte offset of the chunk's length field in the file. */
  offset: number
}

/**
 * Splits a PNG into chunks, checking the signature, every length and every CRC, and that the file
 * ends with IEND. Throws a {@link PngError} saying what is wrong (truncated, bad CRC …).
 */
export function parseChunks(input: Uint8Array, what = 'the PNG'): PngChunk[] {
  return parsePngChunks(input, what).map((c) => ({ type: c.type, data: Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength), offset: c.offset }))
}

/** True when the bytes are a whole PNG: signature, every CRC right, IHDR … IDAT … IEND. */
export function isCompletePng(buf: Uint8Array): boolean {
  try {
    parsePngChunks(buf)
    return true
  } catch {
    return false
  }
}

export function encodeChunk(type: string, data: Uint8Array): Buffer {
  const out = encodePngChunk(type, data)
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
}

export function assembleChunks(chunks: ReadonlyArray<{ type: string; data: Uint8Array }>): Buffer {
  const out = assemblePng(chunks)
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
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

/** The keyword of a text chunk without decoding (or inflating) its text; undefined for other chunks. */
export function textChunkKeyword(chunk: { type: string; data: Uint8Array }): string | undefined {
  return textKeyword(chunk)
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
