import sharp from 'sharp'

/** A tiny valid PNG for sink tests. */
export async function sharpPng(): Promise<Uint8Array> {
  return sharp(Buffer.alloc(8 * 8 * 3, 128), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer()
}
