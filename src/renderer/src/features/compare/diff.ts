/**
 * Pixel difference of two same-sized RGBA images: the mean absolute difference over the R, G and B
 * channels on the 0–255 scale, and a heat map (black → red → yellow → white as the difference grows).
 * Pure, so it runs under plain Node in tests.
 */

export interface DiffResult {
  /** Mean of |A − B| over every pixel's R, G and B, 0–255. */
  mean: number
  /** The largest per-pixel difference (mean of its three channels), 0–255. */
  max: number
  /** RGBA heat map, same size as the inputs. */
  heat: Uint8ClampedArray<ArrayBuffer>
}

/** Heat colour for a difference d in 0..1: black → red → yellow → white. */
export function heatColor(d: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, d)) * 3
  return [Math.round(255 * Math.min(1, t)), Math.round(255 * Math.min(1, Math.max(0, t - 1))), Math.round(255 * Math.min(1, Math.max(0, t - 2)))]
}

/**
 * Compares two RGBA buffers of equal length. The heat map is scaled so the largest difference is
 * full white (with a floor of 32 so near-identical images stay dark rather than noisy).
 */
export function diffImages(a: Uint8ClampedArray, b: Uint8ClampedArray): DiffResult {
  if (a.length !== b.length || a.length % 4 !== 0) throw new Error(`diffImages: buffers differ in size (${a.length} vs ${b.length} bytes) or are not RGBA`)
  const n = a.length / 4
  const per = new Float32Array(n)
  let sum = 0
  let max = 0
  for (let i = 0, p = 0; p < n; i += 4, p++) {
    const d = (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2])) / 3
    per[p] = d
    sum += d
    if (d > max) max = d
  }
  const scale = Math.max(max, 32)
  const heat = new Uint8ClampedArray(a.length)
  for (let p = 0; p < n; p++) {
    const [r, g, bl] = heatColor(per[p] / scale)
    heat[p * 4] = r
    heat[p * 4 + 1] = g
    heat[p * 4 + 2] = bl
    heat[p * 4 + 3] = 255
  }
  return { mean: n === 0 ? 0 : sum / n, max, heat }
}
