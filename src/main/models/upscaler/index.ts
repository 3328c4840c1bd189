/**
 * Upscalers: ONNX super-resolution models run in tiles, and lanczos/nearest resizing, behind one API.
 * Stable API (used by the hires fix, `studio upscale`, the service's Upscale action):
 *
 *   listUpscalers(modelsDir, userDir?) → UpscalerEntry[]            (discover.ts: models/*upscaler*, user folder)
 *   loadUpscaler(fileOrDir, sessionOptions?) → ModelUpscaler          (load.ts: name, scale, fixedSize?, dtype, release())
 *     refuses a graph that is not one NCHW RGB image in, one out (ModelFolderError 'unsupported-layout',
 *     naming its inputs/outputs and shapes); the scale comes from fixed shapes or a 32×32 probe run.
 *   upscaleImage(upscaler, rgb, { tile = 512, overlap = 32, signal?, onProgress? }) → RgbImage
 *     by the model's own scale, tiled with feathered blending; rgb is interleaved HWC, Uint8Array 0–255 or
 *     Float32Array 0–1, and the output has the same type. Cancelling throws signal.reason (AbortError).
 *   upscaleTo(upscaler | 'lanczos' | 'nearest', rgb, { width, height, ...TileOptions }) → RgbImage
 *     any target size: model passes (at most 3) until the target is reached, then an exact lanczos resize
 *     (A1111's Extras behaviour); 'lanczos'/'nearest' resize directly through sharp.
 *   estimateUpscaleBytes / assertUpscaleFits(query) (memory.ts): refuse before work, naming a tile that fits.
 */
import type { ModelUpscaler } from './load'
import { isResizeUpscaler, resizeImage, type ResizeUpscalerName } from './resize'
import { type RgbImage, type TileOptions, upscaleWithModel } from './tiled'

export { listUpscalers, type UpscalerEntry } from './discover'
export { checkImageGraph, detectScale, loadUpscaler, upscalerFile, upscalerFromSession, upscalerName, type ModelUpscaler } from './load'
export { assertUpscaleFits, estimateUpscaleBytes, tileThatFits, type UpscaleMemoryQuery } from './memory'
export { isResizeUpscaler, RESIZE_UPSCALERS, resizeImage, type ResizeUpscalerName } from './resize'
export { DEFAULT_OVERLAP, DEFAULT_TILE, effectiveTiling, type RgbImage, type TileOptions } from './tiled'

/** Upscales by the model's own scale, in tiles. */
export function upscaleImage<D extends Uint8Array | Float32Array>(upscaler: ModelUpscaler, rgb: RgbImage<D>, options: TileOptions = {}): Promise<RgbImage<D>> {
  return upscaleWithModel(upscaler, rgb, options)
}

/** Most model passes `upscaleTo` makes (a 2× model reaching 8×); beyond that lanczos does the rest. */
export const MAX_MODEL_PASSES = 3

/** Upscales to exactly width×height with a model (then lanczos to size) or with lanczos/nearest. */
export async function upscaleTo<D extends Uint8Array | Float32Array>(
  upscaler: ModelUpscaler | ResizeUpscalerName,
  rgb: RgbImage<D>,
  options: TileOptions & { width: number; height: number }
): Promise<RgbImage<D>> {
  const { width, height } = options
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`target size ${width}×${height} must be whole positive pixels`)
  if (typeof upscaler === 'string') {
    if (!isResizeUpscaler(upscaler)) throw new RangeError(`unknown upscaler "${upscaler}"; use lanczos, nearest or a model name`)
    return resizeImage(rgb, width, height, upscaler)
  }
  let img = rgb
  for (let pass = 0; pass < MAX_MODEL_PASSES && (img.width < width || img.height < height); pass++) {
    if (options.signal?.aborted) throw options.signal.reason ?? new DOMException('upscale was cancelled', 'AbortError')
    img = await upscaleWithModel(upscaler, img, options)
  }
  return img.width === width && img.height === height ? img : resizeImage(img, width, height, 'lanczos')
}
