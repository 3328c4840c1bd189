/**
 * Deflate bombs in PNG text chunks: every inflate is capped (MAX_TEXT_CHUNK_BYTES per chunk,
 * MAX_TEXT_TOTAL_BYTES per file), chunks with keywords we do not read are never inflated, and a bomb
 * in a settings chunk is reported, not read.
 */
import { deflateSync } from 'node:zlib'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { decodeTextChunk, encodeChunk, MAX_TEXT_CHUNK_BYTES, parseChunks, PngError, readTextChunks, withTextChunks } from './chunks'
import { readImageMetadata } from '../formats/image-metadata'

const plainPng = (): Promise<Buffer> => sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer()

const bodies = new Map<number, Buffer>()
const bombBody = (bytes: number): Buffer => {
  let b = bodies.get(bytes)
  if (!b) bodies.set(bytes, (b = deflateSync(Buffer.alloc(bytes, 0x41), { level: 9 })))
  return b
}

/** A zTXt whose few KB of data inflate to `bytes` bytes of "A". */
function zTxtBomb(keyword: string, bytes: number): { type: string; data: Buffer } {
  const body = bombBody(bytes)
  return { type: 'zTXt', data: Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0]), body]) }
}
function iTxtBomb(keyword: string, bytes: number): { type: string; data: Buffer } {
  const body = bombBody(bytes)
  return { type: 'iTXt', data: Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 1, 0, 0, 0]), body]) }
}

describe('deflate bombs in PNG text', () => {
  it('refuses a chunk that inflates past the cap, naming it', () => {
    const bomb = zTxtBomb('parameters', 32 << 20)
    expect(bomb.data.length).toBeLessThan(128 << 10)
    expect(() => decodeTextChunk(bomb)).toThrow(PngError)
    expect(() => decodeTextChunk(bomb)).toThrow(/zTXt "parameters" inflates to more than 1024 KB/)
    expect(() => decodeTextChunk(iTxtBomb('sigma-studio', 32 << 20))).toThrow(/iTXt "sigma-studio" inflates to more than/)
    expect(decodeTextChunk(zTxtBomb('parameters', MAX_TEXT_CHUNK_BYTES))?.text.length).toBe(MAX_TEXT_CHUNK_BYTES)
  })

  it('reading an image’s settings inflates only its settings chunks, and reports a bomb there', async () => {
    const others = Array.from({ length: 50 }, (_, i) => zTxtBomb(`Comment${i}`, 32 << 20))
    const png = withTextChunks(await plainPng(), [...others, iTxtBomb('sigma-studio', 32 << 20), zTxtBomb('parameters', 32 << 20)])
    expect(parseChunks(png).length).toBeGreaterThan(50)
    const md = readImageMetadata(png)
    expect(md.infotext).toBeUndefined()
    expect(md.meta).toBeUndefined()
    expect(md.metaProblem).toMatch(/inflates to more than/)
  })

  it('all text chunks of one file together stay under the total cap', async () => {
    const many = Array.from({ length: 8 }, (_, i) => zTxtBomb(`Part${i}`, MAX_TEXT_CHUNK_BYTES - 16))
    const png = withTextChunks(await plainPng(), many)
    expect(() => readTextChunks(png)).toThrow(/inflates to more than/)
    // A sane file still reads.
    const ok = withTextChunks(await plainPng(), [{ type: 'tEXt', data: Buffer.from('parameters\0hello', 'latin1') }])
    expect(readTextChunks(ok)).toEqual([{ keyword: 'parameters', text: 'hello', chunk: 'tEXt' }])
    expect(encodeChunk('tEXt', Buffer.from('a\0b')).length).toBe(15)
  })
})
