/**
 * One upscale as the CLI and the service run it: image bytes in (PNG, JPEG, WebP, … whatever sharp reads;
 * alpha is flattened onto white), an upscaler chosen by name, a factor; PNG bytes out. The memory estimate
 * is checked before any work, and the model is released afterwards.
 */
import { statSync } from 'node:fs'
import sharp from 'sharp'
import { GenerationInputError } from '../errors'
import type { SessionOptions } from '../onnx/runtime'
import { upscaleTo } from '.'
import { listUpscalers } from './discover'
import { loadUpscaler, upscalerFile, type ModelUpscaler } from './load'
import { assertUpscaleFits } from './memory'
import { isResizeUpscaler, RESIZE_UPSCALERS } from './resize'
import { DEFAULT_OVERLAP, DEFAULT_TILE, type RgbImage } from './tiled'

export const MAX_UPSCALE_FACTOR = 8

export interface UpscaleJob {
  image: Uint8Array
  /** 'lanczos', 'nearest', a listed upscaler's name, or a path to an .onnx file / folder. */
  upscaler: string
  scale: number
  tile?: number
  overlap?: number
  modelsDir?: string
  userDir?: string
  session?: SessionOptions
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

export interface UpscaleResult {
  png: Buffer
  width: number
  height: number
  sourceWidth: number
  sourceHeight: number
  /** The upscaler's name as listed (or the resize kernel). */
  upscaler: string
  modelScale: number | null
}

export async function decodeRgb(bytes: Uint8Array): Promise<RgbImage<Uint8Array>> {
  try {
    const { data, info } = await sharp(bytes).flatten({ background: '#ffffff' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 }
  } catch (e) {
    throw new GenerationInputError('bad-init-image', 'image', `cannot be read as an image (${(e as Error).message})`, 'pass a PNG, JPEG or WebP file')
  }
}

export async function encodePng(img: RgbImage<Uint8Array>): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer()
}

/** The .onnx path for a name (listed upscalers first, then a path); throws naming what is available. */
export function findUpscaler(name: string, modelsDir?: string, userDir?: string): string {
  const listed = listUpscalers(modelsDir, userDir)
  const hit = listed.find((e) => e.name === name)
  if (hit) return hit.path
  if (/[\\/]/.test(name) || name.toLowerCase().endsWith('.onnx')) return upscalerFile(name)
  throw new GenerationInputError(
    'bad-parameter',
    'upscaler',
    `no upscaler named "${name}"`,
    `use one of ${[...RESIZE_UPSCALERS, ...listed.map((e) => e.name)].join(', ')}, or a path to an ONNX upscaler`
  )
}

export async function runUpscale(job: UpscaleJob): Promise<UpscaleResult> {
  if (!Number.isFinite(job.scale) || job.scale <= 1 || job.scale > MAX_UPSCALE_FACTOR) {
    throw new GenerationInputError('bad-parameter', 'scale', `${job.scale} is not an upscale factor`, `use a factor above 1 and at most ${MAX_UPSCALE_FACTOR}`)
  }
  const tile = job.tile ?? DEFAULT_TILE
  const overlap = job.overlap ?? DEFAULT_OVERLAP
  const path = isResizeUpscaler(job.upscaler) ? undefined : findUpscaler(job.upscaler, job.modelsDir, job.userDir)
  const src = await decodeRgb(job.image)
  const width = Math.round(src.width * job.scale)
  const height = Math.round(src.height * job.scale)
  if (!path) {
    assertUpscaleFits({ width: src.width, height: src.height, scale: Math.ceil(job.scale), tile, model: false })
    const out = await upscaleTo(job.upscaler as 'lanczos', src, { width, height })
    return { png: await encodePng(out), width, height, sourceWidth: src.width, sourceHeight: src.height, upscaler: job.upscaler, modelScale: null }
  }
  let model: ModelUpscaler | undefined
  try {
    model = await loadUpscaler(path, job.session)
    // The biggest pass is the last model pass: check it (its input is the previous pass's output).
    let w = src.width
    let h = src.height
    while (w * model.scale < width || h * model.scale < height) {
      w *= model.scale
      h *= model.scale
    }
    assertUpscaleFits({ width: w, height: h, scale: model.scale, tile: model.fixedSize ? Math.max(model.fixedSize.width, model.fixedSize.height) : tile, modelBytes: statSync(path).size })
    const out = await upscaleTo(model, src, { width, height, tile, overlap, signal: job.signal, onProgress: job.onProgress })
    return { png: await encodePng(out), width, height, sourceWidth: src.width, sourceHeight: src.height, upscaler: model.name, modelScale: model.scale }
  } finally {
    await model?.release()
  }
}
