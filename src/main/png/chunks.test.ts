import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { crc32, decodeTextChunk, encodeTextChunk, isCompletePng, parseChunks, readTextChunks, withTextChunks, pngSize, PngError } from './chunks'

async function tinyPng(w = 8, h = 4): Promise<Buffer> {
  const data = Buffer.alloc(w * h * 3, 0).map((_, i) => (i * 37) % 256)
  return sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()
}

describe('PNG chunks', () => {
  it('computes the PNG CRC-32 (known value of the IEND chunk)', () => {
    expect(crc32(Buffer.from('IEND', 'latin1'))).toBe(0xae426082)
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
  })

  it('parses a PNG made by sharp and reads its size', async () => {
    const png = await tinyPng(8, 4)
    const types = parseChunks(png).map((c) => c.type)
    expect(types[0]).toBe('IHDR')
    expect(types.at(-1)).toBe('IEND')
    expect(pngSize(png)).toEqual({ width: 8, height: 4 })
  })

  it('tells a complete PNG from a truncated or damaged one, saying why', async () => {
    const png = await tinyPng()
    expect(isCompletePng(png)).toBe(true)
    for (const cut of [7, 20, png.length - 1, png.length - 12]) expect(isCompletePng(png.subarray(0, cut))).toBe(false)
    expect(() => parseChunks(png.subarray(0, png.length - 12))).toThrow(/truncated|no IEND/)
    const bad = Buffer.from(png)
    const idat = parseChunks(png).find((c) => c.type === 'IDAT')!
    bad[idat.offset + 9] ^= 0xff
    expect(() => parseChunks(bad)).toThrow(/CRC/)
    expect(() => parseChunks(Buffer.from('hello'))).toThrow(PngError)
  })

  it('writes tEXt for Latin-1 text and iTXt for anything else, and reads both back', async () => {
    expect(encodeTextChunk('parameters', 'café, 7').type).toBe('tEXt')
    expect(encodeTextChunk('parameters', 'ein Fuchs — 狐').type).toBe('iTXt')
    const png = withTextChunks(await tinyPng(), [
      encodeTextChunk('parameters', 'café, 7'),
      encodeTextChunk('utf', 'ein Fuchs — 狐 🦊'),
      encodeTextChunk('zipped', 'x'.repeat(1000), { compress: true })
    ])
    expect(isCompletePng(png)).toBe(true)
    const texts = readTextChunks(png)
    expect(texts.map((t) => [t.keyword, t.text, t.chunk])).toEqual([
      ['parameters', 'café, 7', 'tEXt'],
      ['utf', 'ein Fuchs — 狐 🦊', 'iTXt'],
      ['zipped', 'x'.repeat(1000), 'iTXt']
    ])
    // inserted before the first IDAT, so streaming readers see them early
    const types = parseChunks(png).map((c) => c.type)
    expect(types.indexOf('tEXt')).toBeLessThan(types.indexOf('IDAT'))
  })

  it('replaces earlier text chunks of the same keyword instead of piling them up', async () => {
    const once = withTextChunks(await tinyPng(), [encodeTextChunk('parameters', 'one')])
    const twice = withTextChunks(once, [encodeTextChunk('parameters', 'two')])
    expect(readTextChunks(twice).map((t) => t.text)).toEqual(['two'])
    // sharp still decodes the result
    expect((await sharp(twice).metadata()).width).toBe(8)
  })

  it('rejects invalid keywords', () => {
    expect(() => encodeTextChunk('', 'x')).toThrow(/keyword/)
    expect(() => encodeTextChunk('x'.repeat(80), 'x')).toThrow(/keyword/)
    expect(decodeTextChunk({ type: 'IDAT', data: Buffer.alloc(0) })).toBeUndefined()
  })
})
