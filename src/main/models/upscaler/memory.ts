/**
 * How much memory a tiled upscale needs, so callers refuse before work starts. Counted: the output image,
 * one band of float32 output rows, one tile's input and output tensors, and the model's activations for one
 * tile. Activations are not declared by an ONNX file; the estimate assumes 64 float32 feature maps alive at
 * the input size and 2×64 at the output size per tile (ESRGAN-class models; small models use far less), so
 * it errs on the side of refusing.
 */
import { availableMemory } from '../../util/memory'
import { GenerationInputError } from '../errors'

export interface UpscaleMemoryQuery {
  width: number
  height: number
  scale: number
  tile: number
  /** Bytes per output sample: 1 for Uint8Array images, 4 for Float32Array. */
  outputBytesPerSample?: number
  /** The model's weight bytes (its file size), 0 for lanczos/nearest. */
  modelBytes?: number
  /** false for lanczos/nearest (no tiles, sharp streams). */
  model?: boolean
}

export function estimateUpscaleBytes(q: UpscaleMemoryQuery): number {
  const outW = q.width * q.scale
  const outH = q.height * q.scale
  const output = outW * outH * 3 * (q.outputBytesPerSample ?? 1)
  if (q.model === false) return output + q.width * q.height * 3 * 2
  const tileH = Math.min(q.tile, q.height)
  const tileW = Math.min(q.tile, q.width)
  const tileIn = tileH * tileW
  const tileOut = tileIn * q.scale * q.scale
  const band = outW * tileH * q.scale * 3 * 4
  const tensors = (tileIn + tileOut) * 3 * 4
  const activations = tileIn * 64 * 4 + tileOut * 2 * 64 * 4
  return output + band + tensors + activations + (q.modelBytes ?? 0)
}

/** The largest tile (multiple of 64, at least 64) whose estimate fits `budget`, or undefined. */
export function tileThatFits(q: UpscaleMemoryQuery, budget: number): number | undefined {
  for (let t = Math.min(q.tile, 4096) - (Math.min(q.tile, 4096) % 64); t >= 64; t -= 64) {
    if (estimateUpscaleBytes({ ...q, tile: t }) <= budget) return t
  }
  return undefined
}

const mb = (n: number): string => `${Math.ceil(n / 2 ** 20)} MB`

/** Throws a GenerationInputError when the estimate exceeds the available memory, naming a tile that would fit. */
export function assertUpscaleFits(q: UpscaleMemoryQuery, available = availableMemory()): void {
  const need = estimateUpscaleBytes(q)
  if (need <= available.bytes) return
  const fit = q.model === false ? undefined : tileThatFits(q, available.bytes)
  throw new GenerationInputError(
    'not-enough-memory',
    'tile',
    `upscaling ${q.width}×${q.height} by ${q.scale} to ${q.width * q.scale}×${q.height * q.scale} needs about ${mb(need)} with tile ${q.tile}, and ${mb(available.bytes)} is available (${available.source})`,
    fit !== undefined ? `use --tile ${fit} (about ${mb(estimateUpscaleBytes({ ...q, tile: fit }))})` : 'no tile size fits: upscale a smaller image or by a smaller factor, or free memory'
  )
}
