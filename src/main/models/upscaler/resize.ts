/**
 * The non-model upscalers, lanczos and nearest, through sharp (libvips), and the final exact resize after
 * a model pass. Float images go through sharp as 8-bit: sharp's raw TypedArray input is read as 8-bit
 * samples (Float32Array and Uint16Array inputs came back as zeros / high bytes when tried), so a float
 * image is quantised to 1/255 on this path.
 */
import sharp from 'sharp'
import { checkImage, type RgbImage } from './tiled'

export const RESIZE_UPSCALERS = ['lanczos', 'nearest'] as const
export type ResizeUpscalerName = (typeof RESIZE_UPSCALERS)[number]

export function isResizeUpscaler(name: string): name is ResizeUpscalerName {
  return (RESIZE_UPSCALERS as readonly string[]).includes(name)
}

export async function resizeImage<D extends Uint8Array | Float32Array>(img: RgbImage<D>, width: number, height: number, kernel: ResizeUpscalerName): Promise<RgbImage<D>> {
  checkImage(img)
  const isFloat = img.data instanceof Float32Array
  const u8 = isFloat ? Uint8Array.from(img.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)) : (img.data as Uint8Array)
  const buf = await sharp(Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { kernel: kernel === 'lanczos' ? 'lanczos3' : 'nearest', fit: 'fill' })
    .raw()
    .toBuffer()
  const data = isFloat ? Float32Array.from(buf, (v) => v / 255) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
  return { data: data as D, width, height, channels: 3 }
}
