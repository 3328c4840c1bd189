/**
 * Small element-wise helpers over flat tensors. Samplers are written with these so that each
 * update reads like the formula it implements, while staying a single allocation-free loop where it
 * matters (the per-step arithmetic must stay far below a model call).
 */
import type { Tensor } from './types'

/** A new tensor of the same length, filled with zeros. */
export function zerosLike(a: ArrayLike<number>): Tensor {
  return new Float64Array(a.length)
}

/** A copy as a Float64Array. */
export function clone(a: ArrayLike<number>): Tensor {
  return Float64Array.from(a)
}

/** Asserts equal lengths; the message names both operands. */
export function assertSameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) {
    throw new RangeError(`${what}: length ${b.length} does not match the state's length ${a.length}`)
  }
}

/** out[i] = a * x[i] + b * y[i]  (returns a new tensor unless `out` is given). */
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

/** out = sum_k coeffs[k] * terms[k] (general linear combination). */
export function lincomb(coeffs: readonly number[], terms: readonly Tensor[], out?: Tensor): Tensor {
  if (coeffs.length !== terms.length || terms.length === 0) {
    throw new RangeError('lincomb: coefficients and terms must be non-empty and of equal count')
  }
  const n = terms[0].length
  const r = out ?? new Float64Array(n)
  r.fill(0)
  for (let k = 0; k < terms.length; k++) {
    const c = coeffs[k]
    if (c === 0) continue
    const t = terms[k]
    for (let i = 0; i < n; i++) r[i] += c * t[i]
  }
  return r
}

/** x += a * y, in place. */
export function axpy(x: Tensor, a: number, y: Tensor): Tensor {
  const n = x.length
  for (let i = 0; i < n; i++) x[i] += a * y[i]
  return x
}

/** The Karras ODE derivative d = (x - denoised) / sigma (k-diffusion `to_d`). */
export function toD(x: Tensor, sigma: number, denoised: Tensor, out?: Tensor): Tensor {
  const n = x.length
  const r = out ?? new Float64Array(n)
  const inv = 1 / sigma
  for (let i = 0; i < n; i++) r[i] = (x[i] - denoised[i]) * inv
  return r
}

/** True when every element is finite. */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false
  return true
}
