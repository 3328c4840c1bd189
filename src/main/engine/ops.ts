/**
 * Small element-wise helpers over flat tensors. Samplers are written with these so that each
 * update reads like the formula it implements, while staying a single allocation-free loop where it
 * matters (the per-step arithmetic must stay far below a model call).
 */
import type { Tensor } from './types'

/** A copy as a Float64Array. */
export function clone(a: ArrayLike<number>): Tensor {
  // slice() copies a Float64Array's memory directly; from() would go element by element.
  return a instanceof Float64Array ? a.slice() : Float64Array.from(a)
}

/*
 * Linear combinations: out[i] = sum_k c_k * t_k[i], summed left to right. Each out[i] reads only index i of
 * the terms, so `out` may be one of the terms (x <- a x + b y in place). Without `out` the result is a new
 * tensor. The 2..5-term cases are unrolled loops: the samplers' per-step updates are these.
 */

/** out[i] = a * x[i] + b * y[i]. */
export function lincomb2(a: number, x: Tensor, b: number, y: Tensor, out?: Tensor): Tensor {
  const n = x.length
  const r = out ?? new Float64Array(n)
  for (let i = 0; i < n; i++) r[i] = a * x[i] + b * y[i]
  return r
}

/** out[i] = a * x[i] + b * y[i] + c * z[i]. */
export function lincomb3(a: number, x: Tensor, b: number, y: Tensor, c: number, z: Tensor, out?: Tensor): Tensor {
  const n = x.length
  const r = out ?? new Float64Array(n)
  for (let i = 0; i < n; i++) r[i] = a * x[i] + b * y[i] + c * z[i]
  return r
}

/** out[i] = a * x[i] + b * y[i] + c * z[i] + d * w[i]. */
export function lincomb4(a: number, x: Tensor, b: number, y: Tensor, c: number, z: Tensor, d: number, w: Tensor, out?: Tensor): Tensor {
  const n = x.length
  const r = out ?? new Float64Array(n)
  for (let i = 0; i < n; i++) r[i] = a * x[i] + b * y[i] + c * z[i] + d * w[i]
  return r
}

/** out[i] = a * x[i] + b * y[i] + c * z[i] + d * w[i] + e * v[i]. */
export function lincomb5(
  a: number,
  x: Tensor,
  b: number,
  y: Tensor,
  c: number,
  z: Tensor,
  d: number,
  w: Tensor,
  e: number,
  v: Tensor,
  out?: Tensor
): Tensor {
  const n = x.length
  const r = out ?? new Float64Array(n)
  for (let i = 0; i < n; i++) r[i] = a * x[i] + b * y[i] + c * z[i] + d * w[i] + e * v[i]
  return r
}

/** out[i] = sum_k coeffs[k] * terms[k][i] for any number of terms (unrolled up to 5); checks counts and lengths. */
export function lincomb(coeffs: readonly number[], terms: readonly Tensor[], out?: Tensor): Tensor {
  const k = terms.length
  if (coeffs.length !== k || k === 0) {
    throw new RangeError('lincomb: coefficients and terms must be non-empty and of equal count')
  }
  const n = terms[0].length
  for (const t of terms) if (t.length !== n) throw new RangeError(`lincomb: a term has length ${t.length}, expected ${n}`)
  if (out && out.length !== n) throw new RangeError(`lincomb: out has length ${out.length}, expected ${n}`)
  const c = coeffs
  const t = terms
  switch (k) {
    case 1: {
      const r = out ?? new Float64Array(n)
      const a = c[0]
      const x = t[0]
      for (let i = 0; i < n; i++) r[i] = a * x[i]
      return r
    }
    case 2:
      return lincomb2(c[0], t[0], c[1], t[1], out)
    case 3:
      return lincomb3(c[0], t[0], c[1], t[1], c[2], t[2], out)
    case 4:
      return lincomb4(c[0], t[0], c[1], t[1], c[2], t[2], c[3], t[3], out)
    case 5:
      return lincomb5(c[0], t[0], c[1], t[1], c[2], t[2], c[3], t[3], c[4], t[4], out)
    default: {
      const r = out ?? new Float64Array(n)
      for (let i = 0; i < n; i++) {
        let s = 0
        for (let j = 0; j < k; j++) s += c[j] * t[j][i]
        r[i] = s
      }
      return r
    }
  }
}

/** x += a * y, in place. */
export function axpy(x: Tensor, a: number, y: Tensor): Tensor {
  const n = x.length
  for (let i = 0; i < n; i++) x[i] += a * y[i]
  return x
}

/** The Karras ODE derivative d = (x - denoised) / sigma (k-diffusion `to_d`), as x - denoised times 1/sigma. */
export function toD(x: Tensor, sigma: number, denoised: Tensor, out?: Tensor): Tensor {
  const n = x.length
  const r = out ?? new Float64Array(n)
  const inv = 1 / sigma
  for (let i = 0; i < n; i++) r[i] = (x[i] - denoised[i]) * inv
  return r
}

/**
 * The Euler predictor on the Karras ODE in one pass: the derivative d = (x - denoised) / sigma (as in
 * {@link toD}) into `d`, and x + d * dt into `out`. Returns `out`.
 */
export function eulerPredict(x: Tensor, denoised: Tensor, sigma: number, dt: number, d: Tensor, out: Tensor): Tensor {
  const n = x.length
  const inv = 1 / sigma
  for (let i = 0; i < n; i++) {
    d[i] = (x[i] - denoised[i]) * inv
    out[i] = x[i] + d[i] * dt
  }
  return out
}

/** True when every element is finite. */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false
  return true
}

/** numpy/torch linspace in float64: n points from start to end inclusive (the last exactly `end`; n = 1 gives [start]). */
export function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n)
  if (n === 1) {
    out[0] = start
    return out
  }
  const step = (end - start) / (n - 1)
  for (let i = 0; i < n; i++) out[i] = start + i * step
  out[n - 1] = end
  return out
}
