/**
 * Fills the masked area with the colours around it (A1111's "Masked content: fill"), so that a low
 * denoising strength starts from plausible colours instead of whatever was painted over. As A1111 does:
 * the kept pixels, alpha-weighted, are blurred at decreasing radii (256, 64, 16, 4, 2, 0 px) and layered
 * coarse to fine, so every hole takes the average colour of its nearest surroundings. Each layer is a
 * normalised blur (colour·alpha blurred / alpha blurred), which is what compositing premultiplied RGBa
 * amounts to. Kept pixels come out unchanged (the last, radius-0 layer is the original where alpha = 1).
 */
import type { RgbImage } from '../vae'
import type { Mask } from './mask'

/** Box-blur approximation of a Gaussian (three passes of a running box), separable, edges clamped. */
function gaussianPlanes(planes: Float64Array[], W: number, H: number, sigma: number): void {
  if (sigma <= 0) return
  // Three box passes of width w approximate a Gaussian with sigma² = 3·(w² − 1)/12 · … (Wells 1986).
  const w = Math.max(1, Math.round(Math.sqrt((12 * sigma * sigma) / 3 + 1)))
  const r = Math.floor(w / 2)
  const tmp = new Float64Array(Math.max(W, H))
  for (const p of planes) {
    for (let pass = 0; pass < 3; pass++) {
      for (let y = 0; y < H; y++) {
        let acc = 0
        for (let t = -r; t <= r; t++) acc += p[y * W + Math.min(W - 1, Math.max(0, t))]
        for (let x = 0; x < W; x++) {
          tmp[x] = acc / (2 * r + 1)
          acc += p[y * W + Math.min(W - 1, x + r + 1)] - p[y * W + Math.max(0, x - r)]
        }
        for (let x = 0; x < W; x++) p[y * W + x] = tmp[x]
      }
      for (let x = 0; x < W; x++) {
        let acc = 0
        for (let t = -r; t <= r; t++) acc += p[Math.min(H - 1, Math.max(0, t)) * W + x]
        for (let y = 0; y < H; y++) {
          tmp[y] = acc / (2 * r + 1)
          acc += p[Math.min(H - 1, y + r + 1) * W + x] - p[Math.max(0, y - r) * W + x]
        }
        for (let y = 0; y < H; y++) p[y * W + x] = tmp[y]
      }
    }
  }
}

export function fillMasked(img: RgbImage, mask: Mask): RgbImage {
  const { width: W, height: H } = img
  const n = W * H
  // Layers composited coarse to fine with "over": out = layer·a + out·(1 − a).
  const out = new Float64Array(n * 3)
  let outAlpha = new Float64Array(n)
  for (const [radius, repeats] of [[256, 1], [64, 1], [16, 2], [4, 4], [2, 2], [0, 1]] as const) {
    const a = new Float64Array(n)
    const rgb = [new Float64Array(n), new Float64Array(n), new Float64Array(n)]
    for (let p = 0; p < n; p++) {
      const keep = 1 - mask.data[p] / 255
      a[p] = keep
      for (let c = 0; c < 3; c++) rgb[c][p] = img.data[p * 3 + c] * keep
    }
    gaussianPlanes([a, ...rgb], W, H, radius)
    for (let rep = 0; rep < repeats; rep++) {
      const nextAlpha = new Float64Array(n)
      for (let p = 0; p < n; p++) {
        const la = a[p]
        if (la <= 1e-12) {
          nextAlpha[p] = outAlpha[p]
          continue
        }
        const oa = outAlpha[p]
        const na = la + oa * (1 - la)
        for (let c = 0; c < 3; c++) {
          const lc = rgb[c][p] / la
          out[p * 3 + c] = (lc * la + out[p * 3 + c] * oa * (1 - la)) / na
        }
        nextAlpha[p] = na
      }
      outAlpha = nextAlpha
    }
  }
  const data = new Uint8Array(n * 3)
  for (let p = 0; p < n; p++) {
    const kept = mask.data[p] === 0
    for (let c = 0; c < 3; c++) data[p * 3 + c] = kept ? img.data[p * 3 + c] : Math.min(255, Math.max(0, Math.round(out[p * 3 + c])))
  }
  return { width: W, height: H, data }
}
