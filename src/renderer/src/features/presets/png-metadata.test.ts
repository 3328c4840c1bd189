import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { encodeTextChunk, parseChunks, withTextChunks } from '../../../../main/png/chunks'
import { readImageMetadata } from '../../../../main/formats/image-metadata'
import { isPng, pngMetadataOnly } from './png-metadata'

describe('shrinking a PNG to its metadata before import', () => {
  it('keeps the text chunks and a valid structure, drops the bulk of the pixels', async () => {
    // Noise does not compress: a big PNG with many image-data chunks.
    const px = Buffer.alloc(512 * 512 * 3)
    let x = 2463534242
    for (let i = 0; i < px.length; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      px[i] = x & 255
    }
    const png = await sharp(px, { raw: { width: 512, height: 512, channels: 3 } }).png().toBuffer()
    const info = 'a castle\nSteps: 30, Sampler: Euler, CFG scale: 7, Seed: 5, Size: 512x512'
    const withInfo = withTextChunks(png, [encodeTextChunk('parameters', info)])
    const small = pngMetadataOnly(new Uint8Array(withInfo))
    expect(small.length).toBeLessThan(withInfo.length / 4)
    expect(isPng(small)).toBe(true)
    expect(parseChunks(small, 'small').map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'IDAT', 'IEND'])
    expect(readImageMetadata(small).infotext).toBe(info)
  })

  it('leaves anything that is not a whole PNG alone', () => {
    const text = new TextEncoder().encode('{"format": "sigma-studio-preset"}')
    expect(pngMetadataOnly(text)).toBe(text)
    const cut = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72])
    expect(pngMetadataOnly(cut)).toBe(cut)
  })
})
