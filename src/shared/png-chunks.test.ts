import { deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { assemblePng, crc32, isPngSignature, MAX_TEXT_CHUNK_BYTES, parsePngChunks, PngError, settingsOnlyPng, textKeyword } from './png-chunks'

const enc = new TextEncoder()
const text = (keyword: string, t: string): { type: string; data: Uint8Array } => ({ type: 'tEXt', data: enc.encode(`${keyword}\0${t}`) })
const ihdr = { type: 'IHDR', data: new Uint8Array([0, 0, 0, 8, 0, 0, 0, 8, 8, 2, 0, 0, 0]) }
const idat = (n: number): { type: string; data: Uint8Array } => ({ type: 'IDAT', data: deflateSync(new Uint8Array(n)) })
const iend = { type: 'IEND', data: new Uint8Array(0) }

describe('the shared PNG chunk reader', () => {
  it('computes the PNG CRC-32 (check value of "123456789" is 0xCBF43926)', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926)
    expect(crc32(enc.encode('1234'), enc.encode('56789'))).toBe(0xcbf43926)
  })

  it('splits a PNG into its chunks and refuses damaged ones, saying where', () => {
    const png = assemblePng([ihdr, text('parameters', 'a cat'), idat(8 * 25), iend])
    expect(isPngSignature(png)).toBe(true)
    const chunks = parsePngChunks(png)
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'IDAT', 'IEND'])
    expect(textKeyword(chunks[1])).toBe('parameters')
    expect(textKeyword(chunks[0])).toBeUndefined()
    const bad = png.slice()
    bad[chunks[1].offset + 10] ^= 1
    expect(() => parsePngChunks(bad, 'x.png')).toThrow(/x\.png is damaged: the CRC of its tEXt chunk at byte 33/)
    expect(() => parsePngChunks(png.subarray(0, png.length - 6))).toThrow(/truncated/)
    expect(() => parsePngChunks(assemblePng([ihdr, iend]))).toThrow(/no image data/)
    expect(() => parsePngChunks(enc.encode('{"a":1}'))).toThrow(PngError)
    // A length field beyond the file is refused before anything is read past the end.
    const huge = png.slice()
    new DataView(huge.buffer).setUint32(chunks[1].offset, 0x7ffffff0)
    expect(() => parsePngChunks(huge)).toThrow(/truncated inside its tEXt chunk/)
  })

  it('shrinks a PNG to its settings: header, the settings texts, one image-data chunk, the end', () => {
    const png = assemblePng([
      ihdr,
      text('Software', 'x'),
      idat(100_000),
      idat(100_000),
      text('parameters', 'a castle\nSteps: 30'),
      text('parameters', 'a later duplicate'),
      text('prompt', '{}'),
      iend
    ])
    const small = settingsOnlyPng(png)
    const chunks = parsePngChunks(small)
    expect(chunks.map((c) => `${c.type}${textKeyword(c) ? `:${textKeyword(c)}` : ''}`)).toEqual(['IHDR', 'IDAT', 'tEXt:parameters', 'tEXt:prompt', 'IEND'])
    expect(new TextDecoder().decode(chunks[2].data)).toBe('parameters\0a castle\nSteps: 30')
    expect(small.length).toBeLessThan(png.length)
  })

  it('leaves out a settings chunk larger than any settings text may be', () => {
    const png = assemblePng([ihdr, text('parameters', 'p'.repeat(MAX_TEXT_CHUNK_BYTES + 1)), text('prompt', '{}'), idat(10), iend])
    expect(parsePngChunks(settingsOnlyPng(png)).map(textKeyword).filter(Boolean)).toEqual(['prompt'])
  })

  it('refuses to shrink what is not a whole PNG', () => {
    expect(() => settingsOnlyPng(enc.encode('{"format": "sigma-studio-preset"}'))).toThrow(/not a PNG/)
    expect(() => settingsOnlyPng(new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72]))).toThrow(/truncated/)
  })
})
