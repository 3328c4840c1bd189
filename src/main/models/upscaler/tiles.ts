/**
 * Tile layout and feathered blending weights for tiled upscaling (pure arithmetic, no I/O).
 *
 * Tiles form a grid: column starts × row starts. Along one axis of length `length`, tiles of `tile` input
 * pixels step by `tile - overlap`; the last one is shifted inward so it ends at the image edge (never
 * padded past it). A model with a fixed input shape bigger than the image gets one tile padded by edge
 * replication (`padTo`); the padded part of its output is cropped and never reaches the image.
 *
 * Blending: each tile's output is weighted by a product of two 1-D ramps. On a side that borders another
 * tile the weight is 0 for the first `margin` output pixels (where the tile's border starves the model's
 * receptive field), then rises linearly to 1 across the rest of the overlap; on image borders it is 1.
 * Two tiles exactly `overlap` apart get complementary ramps (their weights sum to 1), and because the
 * grid is a product of two 1-D layouts, the total weight at a pixel is Sx(x)·Sy(y) — so a tile can be
 * normalised the moment it is computed and the output is finished row band by row band (bounded memory).
 */

/** One axis of the grid: where tiles start and how long they are (input pixels). */
export interface AxisLayout {
  starts: number[]
  /** Input pixels of every tile along this axis (≤ tile; the image length when it is smaller). */
  size: number
  /** What the model is fed along this axis (≥ size; > size only for a fixed input shape that is padded). */
  padTo: number
}

export function axisLayout(length: number, tile: number, overlap: number, fixed?: number): AxisLayout {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`image side ${length} must be a positive integer`)
  if (fixed !== undefined) {
    if (length <= fixed) return { starts: [0], size: length, padTo: fixed }
    tile = fixed
  }
  if (length <= tile) return { starts: [0], size: length, padTo: length }
  const step = tile - overlap
  if (step < 1) throw new RangeError(`overlap ${overlap} must be smaller than the tile ${tile}`)
  const starts: number[] = []
  for (let s = 0; ; s += step) {
    if (s + tile >= length) {
      starts.push(length - tile)
      break
    }
    starts.push(s)
  }
  return { starts, size: tile, padTo: tile }
}

/**
 * The 1-D weight of every output pixel of tile `k` (length size·scale), given its neighbours: ramps on the
 * sides that touch another tile, over that side's overlap (the full overlap with the neighbour).
 */
export function axisWeights(layout: AxisLayout, k: number, scale: number, overlap: number): Float32Array {
  const n = layout.size * scale
  const w = new Float32Array(n).fill(1)
  const s = layout.starts
  const ramp = (d: number, over: number): number => {
    const margin = Math.floor(over / 4)
    const span = over - 2 * margin
    if (span <= 0) return d >= over / 2 ? 1 : 0
    return Math.min(1, Math.max(0, (d + 0.5 - margin) / span))
  }
  if (k > 0) {
    const over = (s[k - 1] + layout.size - s[k]) * scale
    for (let i = 0; i < Math.min(n, over); i++) w[i] = Math.min(w[i], ramp(i, Math.min(over, overlap * scale)))
  }
  if (k < s.length - 1) {
    const over = (s[k] + layout.size - s[k + 1]) * scale
    for (let i = 0; i < Math.min(n, over); i++) w[n - 1 - i] = Math.min(w[n - 1 - i], ramp(i, Math.min(over, overlap * scale)))
  }
  return w
}

/** Σ over tiles of their 1-D weights at every output pixel of the axis (the normaliser). */
export function axisWeightSums(layout: AxisLayout, length: number, scale: number, overlap: number): Float32Array {
  const sum = new Float32Array(length * scale)
  layout.starts.forEach((start, k) => {
    const w = axisWeights(layout, k, scale, overlap)
    for (let i = 0; i < w.length; i++) sum[start * scale + i] += w[i]
  })
  for (let i = 0; i < sum.length; i++) if (!(sum[i] > 0)) throw new Error(`tile weights leave output pixel ${i} uncovered (bug)`)
  return sum
}
