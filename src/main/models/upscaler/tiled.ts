/**
 * Running a model upscaler over an image of any size in tiles (layout and weights: tiles.ts). Memory is
 * bounded by one tile's model run plus one band of output rows in float32; the input and output images
 * themselves are the caller's.
 */
import type { ModelUpscaler } from './load'
import { axisLayout, axisWeights, axisWeightSums, type AxisLayout } from './tiles'

/** Interleaved RGB (HWC). Uint8Array: 0–255; Float32Array: 0–1. */
export interface RgbImage<D extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  data: D
  width: number
  height: number
  channels: 3
}

export interface TileOptions {
  /** Input pixels per tile side (default 512, ComfyUI's). Ignored for a model with a fixed input size. */
  tile?: number
  /** Input pixels shared by neighbouring tiles (default 32). */
  overlap?: number
  signal?: AbortSignal
  /** Called after every tile. */
  onProgress?: (done: number, total: number) => void
}

export const DEFAULT_TILE = 512
export const DEFAULT_OVERLAP = 32

export function checkImage(img: RgbImage): void {
  if (img.channels !== 3) throw new RangeError(`image: ${img.channels} channels; upscalers take RGB (3)`)
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1) throw new RangeError(`image: bad size ${img.width}×${img.height}`)
  if (img.data.length !== img.width * img.height * 3) throw new RangeError(`image: ${img.data.length} values for ${img.width}×${img.height}×3`)
}

/** The tile and overlap actually used (a fixed input size overrides the tile; overlap < half a tile). */
export function effectiveTiling(upscaler: Pick<ModelUpscaler, 'fixedSize'>, options: Pick<TileOptions, 'tile' | 'overlap'>): { tileH: number; tileW: number; overlap: number } {
  const tile = options.tile ?? DEFAULT_TILE
  const overlap = options.overlap ?? DEFAULT_OVERLAP
  if (!Number.isInteger(tile) || tile < 16) throw new RangeError(`tile: ${tile}; use a whole number of pixels, at least 16`)
  if (!Number.isInteger(overlap) || overlap < 0) throw new RangeError(`overlap: ${overlap}; use a whole number of pixels, 0 or more`)
  const tileH = upscaler.fixedSize?.height ?? tile
  const tileW = upscaler.fixedSize?.width ?? tile
  const limit = Math.floor(Math.min(tileH, tileW) / 2) - 1
  if (overlap > limit && !upscaler.fixedSize) throw new RangeError(`overlap: ${overlap} is too large for tile ${tile}; use at most ${limit}`)
  return { tileH, tileW, overlap: Math.min(overlap, Math.max(0, limit)) }
}

/** Upscales by the model's own scale. The output has the input's data type. */
export async function upscaleWithModel<D extends Uint8Array | Float32Array>(upscaler: ModelUpscaler, img: RgbImage<D>, options: TileOptions = {}): Promise<RgbImage<D>> {
  checkImage(img)
  const { tileH, tileW, overlap } = effectiveTiling(upscaler, options)
  const s = upscaler.scale
  const ly = axisLayout(img.height, tileH, overlap, upscaler.fixedSize?.height)
  const lx = axisLayout(img.width, tileW, overlap, upscaler.fixedSize?.width)
  const sumY = axisWeightSums(ly, img.height, s, overlap)
  const sumX = axisWeightSums(lx, img.width, s, overlap)
  const wxs = lx.starts.map((_, k) => axisWeights(lx, k, s, overlap))
  const outW = img.width * s
  const outH = img.height * s
  const isFloat = img.data instanceof Float32Array
  const out = (isFloat ? new Float32Array(outW * outH * 3) : new Uint8Array(outW * outH * 3)) as D
  const rowLen = outW * 3
  const bandRows = ly.size * s
  const band = new Float32Array(bandRows * rowLen)
  const total = ly.starts.length * lx.starts.length
  let done = 0
  const inName = upscaler.session.inputs[0].name
  const outName = upscaler.session.outputs[0].name
  const flush = (fromRow: number, rows: number): void => {
    for (let i = 0; i < rows * rowLen; i++) {
      const v = Math.min(1, Math.max(0, band[i]))
      out[fromRow * rowLen + i] = isFloat ? v : Math.round(v * 255)
    }
  }
  for (let ky = 0; ky < ly.starts.length; ky++) {
    const y0 = ly.starts[ky]
    const wy = axisWeights(ly, ky, s, overlap)
    for (let kx = 0; kx < lx.starts.length; kx++) {
      if (options.signal?.aborted) throw options.signal.reason ?? new DOMException('upscale was cancelled', 'AbortError')
      const x0 = lx.starts[kx]
      const feed = tileInput(img, y0, x0, ly, lx)
      const res = (await upscaler.session.run({ [inName]: { data: feed, dims: [1, 3, ly.padTo, lx.padTo] } }))[outName]
      const [oh, ow] = [res.dims[2], res.dims[3]]
      if (res.dims[1] !== 3 || oh !== ly.padTo * s || ow !== lx.padTo * s) {
        throw new Error(`upscaler ${upscaler.name}: a ${ly.padTo}×${lx.padTo} tile came back [${res.dims.join(', ')}], expected [1, 3, ${ly.padTo * s}, ${lx.padTo * s}]`)
      }
      const wx = wxs[kx]
      const plane = oh * ow
      for (let y = 0; y < ly.size * s; y++) {
        const gy = y0 * s + y
        const fy = wy[y] / sumY[gy]
        if (fy === 0) continue
        const bandBase = y * rowLen
        for (let x = 0; x < lx.size * s; x++) {
          const gx = x0 * s + x
          const f = (fy * wx[x]) / sumX[gx]
          if (f === 0) continue
          const src = y * ow + x
          const dst = bandBase + gx * 3
          band[dst] += f * res.data[src]
          band[dst + 1] += f * res.data[plane + src]
          band[dst + 2] += f * res.data[2 * plane + src]
        }
      }
      options.onProgress?.(++done, total)
    }
    // Rows above the next tile row are final: write them out and slide the band up.
    const next = ky + 1 < ly.starts.length ? ly.starts[ky + 1] : img.height
    const finished = Math.min(bandRows, (next - y0) * s)
    flush(y0 * s, finished)
    band.copyWithin(0, finished * rowLen)
    band.fill(0, (bandRows - finished) * rowLen)
  }
  return { data: out, width: outW, height: outH, channels: 3 }
}

/** One tile as NCHW float32 in [0, 1], edge-replicated past the image (fixed-size models only). */
function tileInput(img: RgbImage, y0: number, x0: number, ly: AxisLayout, lx: AxisLayout): Float32Array {
  const [h, w] = [ly.padTo, lx.padTo]
  const feed = new Float32Array(3 * h * w)
  const norm = img.data instanceof Float32Array ? 1 : 1 / 255
  for (let y = 0; y < h; y++) {
    const sy = y0 + Math.min(y, ly.size - 1)
    for (let x = 0; x < w; x++) {
      const sx = x0 + Math.min(x, lx.size - 1)
      const src = (sy * img.width + sx) * 3
      const dst = y * w + x
      feed[dst] = img.data[src] * norm
      feed[h * w + dst] = img.data[src + 1] * norm
      feed[2 * h * w + dst] = img.data[src + 2] * norm
    }
  }
  return feed
}
