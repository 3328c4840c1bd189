/**
 * Small helpers shared by group B's samplers (ddpm, ddim, lcm, ipndm, deis, res_multistep, er_sde,
 * uni_pc): option readers that reject bad values with a clear message, the ancestral split of a step,
 * and allocation-free linear combinations that may write into one of their own operands.
 */
import type { SamplerOptions, Tensor } from '../types'
import { EngineInputError } from '../types'

type NumericOption = 'eta' | 's_noise' | 'max_order' | 'max_stage'

/** A finite number option at least `min`, or `fallback` when absent. */
export function numberOption(
  sampler: string,
  options: SamplerOptions | undefined,
  key: NumericOption,
  fallback: number,
  min = 0
): number {
  const v = options?.[key]
  if (v === undefined || v === null) return fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new EngineInputError(`${sampler}: option ${key} must be a finite number >= ${min}, got ${String(v)}`)
  }
  return v
}

/** An integer option in [min, max], or `fallback` when absent. */
export function intOption(
  sampler: string,
  options: SamplerOptions | undefined,
  key: NumericOption,
  fallback: number,
  min: number,
  max: number
): number {
  const v = options?.[key]
  if (v === undefined || v === null) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new EngineInputError(`${sampler}: option ${key} must be an integer from ${min} to ${max}, got ${String(v)}`)
  }
  return v
}

/**
 * k-diffusion's get_ancestral_step: split a step sigma -> sigmaNext into a deterministic part down to
 * `down` and fresh noise of size `up`, with down^2 + up^2 = sigmaNext^2. `up` is capped at sigmaNext
 * so that eta > 1 cannot ask for an imaginary `down`.
 */
export function ancestralStep(sigma: number, sigmaNext: number, eta: number): { down: number; up: number } {
  if (!eta) return { down: sigmaNext, up: 0 }
  const up = Math.min(sigmaNext, eta * Math.sqrt(Math.max(0, (sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext)) / (sigma * sigma))))
  const down = Math.sqrt(Math.max(0, sigmaNext * sigmaNext - up * up))
  return { down, up }
}

/**
 * out[i] = sum_k coeffs[k] * terms[k][i], element by element, so `out` may be one of the terms
 * (each out[i] reads only index i). Unrolled for the 2..5 terms the samplers use.
 */
export function combineInto(out: Tensor, coeffs: readonly number[], terms: readonly Tensor[]): Tensor {
  const n = out.length
  const k = terms.length
  if (coeffs.length !== k || k === 0) throw new RangeError('combineInto: coefficients and terms must be non-empty and of equal count')
  for (const t of terms) if (t.length !== n) throw new RangeError(`combineInto: a term has length ${t.length}, expected ${n}`)
  if (k === 1) {
    const [a] = coeffs
    const [x] = terms
    for (let i = 0; i < n; i++) out[i] = a * x[i]
  } else if (k === 2) {
    const [a, b] = coeffs
    const [x, y] = terms
    for (let i = 0; i < n; i++) out[i] = a * x[i] + b * y[i]
  } else if (k === 3) {
    const [a, b, c] = coeffs
    const [x, y, z] = terms
    for (let i = 0; i < n; i++) out[i] = a * x[i] + b * y[i] + c * z[i]
  } else if (k === 4) {
    const [a, b, c, d] = coeffs
    const [x, y, z, w] = terms
    for (let i = 0; i < n; i++) out[i] = a * x[i] + b * y[i] + c * z[i] + d * w[i]
  } else if (k === 5) {
    const [a, b, c, d, e] = coeffs
    const [x, y, z, w, v] = terms
    for (let i = 0; i < n; i++) out[i] = a * x[i] + b * y[i] + c * z[i] + d * w[i] + e * v[i]
  } else {
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let j = 0; j < k; j++) s += coeffs[j] * terms[j][i]
      out[i] = s
    }
  }
  return out
}

/** x[i] += scale * noise[i], in place; skipped entirely when scale is 0. */
export function addNoise(x: Tensor, scale: number, noise: Tensor): void {
  if (scale === 0) return
  if (noise.length !== x.length) throw new RangeError(`noise has length ${noise.length}, the state has ${x.length}`)
  for (let i = 0; i < x.length; i++) x[i] += scale * noise[i]
}

/**
 * The ancestral / DDIM update in the x = x0 + sigma*n form, in place:
 * x <- denoised + (down / sigma) * (x - denoised), i.e. keep the current noise direction at level `down`.
 */
export function shrinkTowards(x: Tensor, denoised: Tensor, sigma: number, down: number): void {
  const r = down / sigma
  const q = 1 - r
  for (let i = 0; i < x.length; i++) x[i] = r * x[i] + q * denoised[i]
}

/** Solves the small dense system A y = b (A given as rows) by Gaussian elimination with partial pivoting. */
export function solveSmall(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length
  const m = a.map((row, i) => [...row.slice(0, n), b[i]])
  for (let col = 0; col < n; col++) {
    let piv = col
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r
    if (m[piv][col] === 0) throw new RangeError('solveSmall: singular system')
    if (piv !== col) [m[piv], m[col]] = [m[col], m[piv]]
    for (let r = col + 1; r < n; r++) {
      const f = m[r][col] / m[col][col]
      if (f === 0) continue
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c]
    }
  }
  const y = new Array<number>(n).fill(0)
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n]
    for (let c = r + 1; c < n; c++) s -= m[r][c] * y[c]
    y[r] = s / m[r][r]
  }
  return y
}
