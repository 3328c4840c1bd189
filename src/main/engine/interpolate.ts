/**
 * Resizing a latent ([C, H, W] planes, rows of a batch one after another) exactly as PyTorch's
 * `torch.nn.functional.interpolate(x, size=(h, w), mode=…, antialias=…)` does on the CPU: the hires
 * fix's "Latent …" upscalers are that call in A1111 (processing.py, sample_hr_pass), so a latent
 * upscaled here is the latent A1111 upscales. Checked against torch 1.13 on float64 tensors
 * (tools/fixtures/make_interpolate_goldens.py → tools/fixtures/golden/interpolate.json).
 *
 * - bilinear / bicubic, align_corners=False: source coordinate scale·(dst + ½) − ½ with scale = in/out;
 *   bilinear clamps it at 0 and uses the two neighbours, bicubic the four with Keys' kernel (A = −0.75)
 *   and clamped indices.
 * - antialias: the separable PIL-style filter (tent, or Keys with a = −0.5) stretched by the scale when
 *   shrinking, each output's weights normalised over the taps that fall inside the input.
 * - nearest: floor(dst · scale) with the index arithmetic in float32, as PyTorch computes it (this is
 *   what shifts its picks by half a pixel); nearest-exact: floor((dst + ½) · scale).
 */
import type { Tensor } from './types'

export type InterpolationMode = 'bilinear' | 'bicubic' | 'nearest' | 'nearest-exact'

export interface InterpolationSpec {
  mode: InterpolationMode
  antialias: boolean
}

/** One axis' taps: for each output index, the input indices and their weights. */
interface AxisTaps {
  index: Int32Array
  weight: Float64Array
  /** Taps per output index. */
  taps: number
}

const f32 = Math.fround

function nearestTaps(inSize: number, outSize: number, exact: boolean): AxisTaps {
  const index = new Int32Array(outSize)
  // compute_scales_value<float>: float(in) / out, in float32.
  const scale = f32(inSize / outSize)
  for (let i = 0; i < outSize; i++) {
    let src: number
    if (exact) src = Math.floor(f32((i + 0.5) * scale))
    else if (outSize === inSize) src = i
    else if (outSize === 2 * inSize) src = i >> 1
    else src = Math.floor(f32(i * scale))
    index[i] = Math.min(src, inSize - 1)
  }
  return { index, weight: new Float64Array(outSize).fill(1), taps: 1 }
}

function linearTaps(inSize: number, outSize: number): AxisTaps {
  const scale = inSize / outSize
  const index = new Int32Array(outSize * 2)
  const weight = new Float64Array(outSize * 2)
  for (let i = 0; i < outSize; i++) {
    const src = Math.max(scale * (i + 0.5) - 0.5, 0)
    const i0 = Math.floor(src)
    const i1 = i0 + (i0 < inSize - 1 ? 1 : 0)
    const l1 = src - i0
    index[2 * i] = i0
    index[2 * i + 1] = i1
    weight[2 * i] = 1 - l1
    weight[2 * i + 1] = l1
  }
  return { index, weight, taps: 2 }
}

const A_CUBIC = -0.75
const cc1 = (x: number, a: number): number => ((a + 2) * x - (a + 3)) * x * x + 1
const cc2 = (x: number, a: number): number => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

function cubicTaps(inSize: number, outSize: number): AxisTaps {
  const scale = inSize / outSize
  const index = new Int32Array(outSize * 4)
  const weight = new Float64Array(outSize * 4)
  for (let i = 0; i < outSize; i++) {
    const src = scale * (i + 0.5) - 0.5
    const x0 = Math.floor(src)
    const t = src - x0
    const w = [cc2(t + 1, A_CUBIC), cc1(t, A_CUBIC), cc1(1 - t, A_CUBIC), cc2(2 - t, A_CUBIC)]
    for (let k = 0; k < 4; k++) {
      index[4 * i + k] = Math.min(Math.max(x0 - 1 + k, 0), inSize - 1)
      weight[4 * i + k] = w[k]
    }
  }
  return { index, weight, taps: 4 }
}

const tent = (x: number): number => {
  const a = Math.abs(x)
  return a < 1 ? 1 - a : 0
}
/** PIL's bicubic filter (a = −0.5), which PyTorch's antialiased bicubic uses. */
const pilCubic = (x: number): number => {
  const a = -0.5
  const v = Math.abs(x)
  if (v < 1) return ((a + 2) * v - (a + 3)) * v * v + 1
  if (v < 2) return (((v - 5) * v + 8) * v - 4) * a
  return 0
}

function antialiasTaps(inSize: number, outSize: number, cubic: boolean): AxisTaps {
  const scale = inSize / outSize
  const interp = cubic ? 4 : 2
  const filter = cubic ? pilCubic : tent
  const support = scale >= 1 ? interp * 0.5 * scale : interp * 0.5
  const invscale = scale >= 1 ? 1 / scale : 1
  const taps = Math.ceil(support) * 2 + 1
  const index = new Int32Array(outSize * taps)
  const weight = new Float64Array(outSize * taps)
  for (let i = 0; i < outSize; i++) {
    const center = scale * (i + 0.5)
    // static_cast<int64_t> truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0)
    const xsize = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin
    let total = 0
    const w = new Float64Array(xsize)
    for (let j = 0; j < xsize; j++) {
      w[j] = filter((j + xmin - center + 0.5) * invscale)
      total += w[j]
    }
    for (let j = 0; j < taps; j++) {
      index[i * taps + j] = j < xsize ? xmin + j : xmin
      weight[i * taps + j] = j < xsize && total !== 0 ? w[j] / total : 0
    }
  }
  return { index, weight, taps }
}

function axisTaps(spec: InterpolationSpec, inSize: number, outSize: number): AxisTaps {
  switch (spec.mode) {
    case 'nearest':
      return nearestTaps(inSize, outSize, false)
    case 'nearest-exact':
      return nearestTaps(inSize, outSize, true)
    case 'bilinear':
      return spec.antialias ? antialiasTaps(inSize, outSize, false) : linearTaps(inSize, outSize)
    case 'bicubic':
      return spec.antialias ? antialiasTaps(inSize, outSize, true) : cubicTaps(inSize, outSize)
  }
}

/**
 * Resizes `planes` planes of `inH` × `inW` (any number: channels × batch rows) to `outH` × `outW`.
 * Separable: rows first, then columns — the order only moves the last bits of a float64 sum.
 */
export function interpolatePlanes(x: Tensor, planes: number, inH: number, inW: number, outH: number, outW: number, spec: InterpolationSpec): Float64Array {
  if (x.length !== planes * inH * inW) throw new Error(`interpolate: ${x.length} values are not ${planes} planes of ${inH}x${inW}`)
  if (!(outH >= 1 && outW >= 1 && Number.isInteger(outH) && Number.isInteger(outW))) throw new Error(`interpolate: output size ${outH}x${outW} must be whole and at least 1`)
  if (spec.antialias && spec.mode !== 'bilinear' && spec.mode !== 'bicubic') throw new Error(`interpolate: antialias works with bilinear and bicubic only, not ${spec.mode}`)
  const tx = axisTaps(spec, inW, outW)
  const ty = axisTaps(spec, inH, outH)
  const out = new Float64Array(planes * outH * outW)
  const tmp = new Float64Array(inH * outW)
  for (let p = 0; p < planes; p++) {
    const src = p * inH * inW
    for (let y = 0; y < inH; y++) {
      const row = src + y * inW
      for (let ox = 0; ox < outW; ox++) {
        let s = 0
        for (let k = 0; k < tx.taps; k++) s += tx.weight[ox * tx.taps + k] * x[row + tx.index[ox * tx.taps + k]]
        tmp[y * outW + ox] = s
      }
    }
    const dst = p * outH * outW
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let s = 0
        for (let k = 0; k < ty.taps; k++) s += ty.weight[oy * ty.taps + k] * tmp[ty.index[oy * ty.taps + k] * outW + ox]
        out[dst + oy * outW + ox] = s
      }
    }
  }
  return out
}

/** Cuts a window out of every plane: rows [top, top + h), columns [left, left + w). */
export function cropPlanes(x: Tensor, planes: number, inH: number, inW: number, top: number, left: number, h: number, w: number): Float64Array {
  if (top < 0 || left < 0 || top + h > inH || left + w > inW) throw new Error(`crop: window ${w}x${h} at (${left}, ${top}) is outside ${inW}x${inH}`)
  const out = new Float64Array(planes * h * w)
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < h; y++) {
      const from = p * inH * inW + (top + y) * inW + left
      out.set(x.subarray(from, from + w), p * h * w + y * w)
    }
  return out
}
