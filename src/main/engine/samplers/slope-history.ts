/**
 * Linear multistep on the Karras ODE dx/dsigma = d = (x − D(x, sigma)) / sigma, shared by lms, ipndm and deis:
 * the recent slopes, and the fused update that computes the new slope and takes the step in one pass.
 */
import type { Tensor } from '../types'

/** The last `size` slopes, newest first. Buffers are recycled, so a run allocates at most `size` of them. */
export class SlopeHistory {
  private readonly slopes: Tensor[] = []

  constructor(private readonly size: number, private readonly length: number) {}

  /** Makes room for a new newest slope and returns its buffer (the oldest one's, once `size` are held), to be filled in. */
  push(): Tensor {
    const d = this.slopes.length >= this.size ? this.slopes.pop()! : new Float64Array(this.length)
    this.slopes.unshift(d)
    return d
  }

  /** The slope k steps back (0 = newest). */
  get(k: number): Tensor {
    return this.slopes[k]
  }
}

/**
 * One multistep step, in place: the new slope d_0 = (x − D) / sigma is stored as the newest in `slopes`, and
 * x += c_0 d_0 + c_1 d_1 + … + c_{k−1} d_{k−1} (d_j = the slope j steps back, k = coeffs.length), summed left to
 * right in the same pass. The history must already hold k − 1 earlier slopes.
 *
 * `slopeForm` keeps each sampler's own rounding of d: 'reciprocal' multiplies by 1/sigma, 'divide' divides
 * by sigma (the two differ in the last bit, which a coarse multistep run can amplify).
 */
export function multistepUpdate(
  x: Tensor,
  denoised: Tensor,
  sigma: number,
  slopes: SlopeHistory,
  coeffs: readonly number[],
  slopeForm: 'reciprocal' | 'divide'
): void {
  const n = x.length
  const k = coeffs.length
  const d = slopes.push()
  const divide = slopeForm === 'divide'
  const inv = 1 / sigma
  const c0 = coeffs[0]
  if (k === 1) {
    for (let e = 0; e < n; e++) {
      const de = divide ? (x[e] - denoised[e]) / sigma : (x[e] - denoised[e]) * inv
      d[e] = de
      x[e] += c0 * de
    }
  } else if (k === 2) {
    const [, c1] = coeffs
    const d1 = slopes.get(1)
    for (let e = 0; e < n; e++) {
      const de = divide ? (x[e] - denoised[e]) / sigma : (x[e] - denoised[e]) * inv
      d[e] = de
      x[e] = x[e] + c0 * de + c1 * d1[e]
    }
  } else if (k === 3) {
    const [, c1, c2] = coeffs
    const d1 = slopes.get(1)
    const d2 = slopes.get(2)
    for (let e = 0; e < n; e++) {
      const de = divide ? (x[e] - denoised[e]) / sigma : (x[e] - denoised[e]) * inv
      d[e] = de
      x[e] = x[e] + c0 * de + c1 * d1[e] + c2 * d2[e]
    }
  } else if (k === 4) {
    const [, c1, c2, c3] = coeffs
    const d1 = slopes.get(1)
    const d2 = slopes.get(2)
    const d3 = slopes.get(3)
    for (let e = 0; e < n; e++) {
      const de = divide ? (x[e] - denoised[e]) / sigma : (x[e] - denoised[e]) * inv
      d[e] = de
      x[e] = x[e] + c0 * de + c1 * d1[e] + c2 * d2[e] + c3 * d3[e]
    }
  } else {
    const older = Array.from({ length: k - 1 }, (_, j) => slopes.get(j + 1))
    for (let e = 0; e < n; e++) {
      const de = divide ? (x[e] - denoised[e]) / sigma : (x[e] - denoised[e]) * inv
      d[e] = de
      let v = x[e] + c0 * de
      for (let j = 1; j < k; j++) v += coeffs[j] * older[j - 1][e]
      x[e] = v
    }
  }
}
