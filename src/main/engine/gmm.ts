/**
 * The analytic Gaussian-mixture denoiser used by the conformance vectors and the engine's tests.
 *
 * For data p0 = sum_k w_k N(mu_k, v_k I) in `dim` dimensions, the exact denoiser of x = x0 + sigma n is
 *   D(x, sigma) = sum_k r_k(x) (mu_k + v_k / (v_k + sigma^2) (x - mu_k)),
 *   r_k(x) proportional to w_k N(x; mu_k, (v_k + sigma^2) I).
 * Batch rows (each `dim` long) are independent. Responsibilities are computed in log space so that
 * large sigmas and far-away x stay finite.
 */
import type { Denoiser, Tensor } from './types'

export interface GaussianMixture {
  dim: number
  weights: readonly number[]
  /** Component means, flat: K rows of `dim`. */
  means: readonly number[]
  /** Per-component isotropic variances. */
  variances: readonly number[]
}

export function validateMixture(m: GaussianMixture): void {
  const k = m.weights.length
  if (!Number.isInteger(m.dim) || m.dim < 1) throw new RangeError(`gmm: dim must be a positive integer, got ${m.dim}`)
  if (k === 0) throw new RangeError('gmm: at least one component is needed')
  if (m.variances.length !== k) throw new RangeError(`gmm: ${m.variances.length} variances for ${k} weights`)
  if (m.means.length !== k * m.dim) throw new RangeError(`gmm: means must hold ${k}x${m.dim} values, got ${m.means.length}`)
  for (const w of m.weights) if (!(w > 0)) throw new RangeError(`gmm: weights must be positive, got ${w}`)
  for (const v of m.variances) if (!(v > 0)) throw new RangeError(`gmm: variances must be positive, got ${v}`)
}

/** The exact x0-estimate for every row of x (a new array). */
export function gmmDenoise(m: GaussianMixture, x: ArrayLike<number>, sigma: number): Tensor {
  const { dim, weights, means, variances } = m
  const K = weights.length
  if (x.length % dim !== 0) throw new RangeError(`gmm: state length ${x.length} is not a multiple of dim ${dim}`)
  const rows = x.length / dim
  const s2 = sigma * sigma
  const out = new Float64Array(x.length)
  const logr = new Float64Array(K)
  for (let b = 0; b < rows; b++) {
    const off = b * dim
    let maxl = -Infinity
    for (let k = 0; k < K; k++) {
      const a = variances[k] + s2
      let d2 = 0
      for (let j = 0; j < dim; j++) {
        const e = x[off + j] - means[k * dim + j]
        d2 += e * e
      }
      const l = Math.log(weights[k]) - 0.5 * dim * Math.log(2 * Math.PI * a) - d2 / (2 * a)
      logr[k] = l
      if (l > maxl) maxl = l
    }
    let z = 0
    for (let k = 0; k < K; k++) {
      logr[k] = Math.exp(logr[k] - maxl)
      z += logr[k]
    }
    for (let k = 0; k < K; k++) {
      const r = logr[k] / z
      if (r === 0) continue
      const shrink = variances[k] / (variances[k] + s2)
      for (let j = 0; j < dim; j++) {
        const mu = means[k * dim + j]
        out[off + j] += r * (mu + shrink * (x[off + j] - mu))
      }
    }
  }
  return out
}

/** The mixture as an engine {@link Denoiser}. */
export function gmmDenoiser(m: GaussianMixture): Denoiser {
  validateMixture(m)
  return async (x, sigma) => gmmDenoise(m, x, sigma)
}
