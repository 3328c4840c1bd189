/**
 * Closed-form test bed for the score-optimal schedule (Williams, Campbell, Doucet & Syed 2024;
 * reference/notes/SCHEDULES.md 2.1–2.2). Pure functions of the data distribution, used to check the estimator
 * that only sees a denoiser, and as the built-in fallback schedule.
 *
 * Convention (VE, x = x0 + σn): score s(x,σ) = (D(x,σ) − x)/σ². The local cost of the corrector-optimised
 * schedule in σ-coordinates is δ(σ) = σ²·E_{x~p_σ}‖∂_σ s(x,σ)‖² (velocity v(σ) = σ), and the finite cost of
 * one step σ_hi → σ_lo is L = σ_lo²·E_{x~p_σhi}‖s(x,σ_lo) − s(x,σ_hi)‖² (the paper's one-sided form); the
 * "backward" form swaps the roles: σ_hi²·E_{x~p_σlo}‖Δs‖².
 */
import type { GaussianMixture } from '../gmm'
import { validateMixture } from '../gmm'
import { TorchGenerator } from '../rng'
import { integrateSplit } from './quadrature'

// ---------------------------------------------------------------------------------------------------
// Single Gaussian N(0, v I) in d dimensions (SCHEDULES.md 2.2)

/** δ(σ) = 4dσ⁴/(v+σ²)³. */
export function gaussianDelta(sigma: number, v: number, d = 1): number {
  const a = v + sigma * sigma
  return (4 * d * sigma ** 4) / (a * a * a)
}

/** F(u) = asinh(u) − u/√(1+u²), with a series below u = 0.05 to avoid cancellation (F ≈ u³/3). */
export function gaussianF(u: number): number {
  if (u < 0.05) {
    const u2 = u * u
    // ∫ t²(1+t²)^{-3/2} dt, binomial series: u³/3 − (3/10)u⁵ + (15/56)u⁷ − (35/144)u⁹ + (315/1408)u¹¹
    return u * u2 * (1 / 3 + u2 * (-3 / 10 + u2 * (15 / 56 + u2 * (-35 / 144 + u2 * (315 / 1408)))))
  }
  return Math.asinh(u) - u / Math.sqrt(1 + u * u)
}

/** Λ(σ) = ∫_0^σ √δ = 2√d·F(σ/√v). */
export function gaussianLambda(sigma: number, v: number, d = 1): number {
  return 2 * Math.sqrt(d) * gaussianF(sigma / Math.sqrt(v))
}

/** Exact one-sided finite cost L(σ_hi → σ_lo) = σ_lo²·d·(a_lo − a_hi)²/(a_hi·a_lo²), a = v + σ². */
export function gaussianFiniteCost(sigmaHi: number, sigmaLo: number, v: number, d = 1): number {
  const a = v + sigmaHi * sigmaHi
  const b = v + sigmaLo * sigmaLo
  return (sigmaLo * sigmaLo * d * (b - a) * (b - a)) / (a * b * b)
}

/** Exact backward finite cost σ_hi²·E_{x~p_σlo}‖Δs‖² = σ_hi²·d·(a_lo − a_hi)²/(a_lo·a_hi²). */
export function gaussianBackwardCost(sigmaHi: number, sigmaLo: number, v: number, d = 1): number {
  const a = v + sigmaHi * sigmaHi
  const b = v + sigmaLo * sigmaLo
  return (sigmaHi * sigmaHi * d * (b - a) * (b - a)) / (b * a * a)
}

/** Inverse of a strictly increasing function of log σ on [lo, hi] by bisection (to ~1e-15 relative in σ). */
function invertLogSigma(fn: (sigma: number) => number, target: number, lo: number, hi: number): number {
  let a = Math.log(lo)
  let b = Math.log(hi)
  for (let it = 0; it < 200 && b - a > 1e-15; it++) {
    const m = 0.5 * (a + b)
    if (fn(Math.exp(m)) < target) a = m
    else b = m
  }
  return Math.exp(0.5 * (a + b))
}

/**
 * The continuous score-optimal schedule for N(0, vI) (independent of d): N+1 descending sigmas from
 * σ_max to σ_min at equal steps of Λ (no trailing 0).
 */
export function gaussianOptimalSigmas(v: number, sigmaMin: number, sigmaMax: number, steps: number): Float64Array {
  if (!(v > 0)) throw new RangeError(`gaussianOptimalSigmas: v must be positive, got ${v}`)
  if (!(sigmaMin > 0 && sigmaMax > sigmaMin && Number.isFinite(sigmaMax))) {
    throw new RangeError(`gaussianOptimalSigmas: need 0 < sigmaMin < sigmaMax, got [${sigmaMin}, ${sigmaMax}]`)
  }
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`gaussianOptimalSigmas: steps must be a whole number >= 1, got ${steps}`)
  const c = Math.sqrt(v)
  const F = (s: number): number => gaussianF(s / c)
  const fMax = F(sigmaMax)
  const fMin = F(sigmaMin)
  const out = new Float64Array(steps + 1)
  out[0] = sigmaMax
  out[steps] = sigmaMin
  for (let i = 1; i < steps; i++) out[i] = invertLogSigma(F, fMax - (i / steps) * (fMax - fMin), sigmaMin, sigmaMax)
  return out
}

/** Exact PF-ODE solution for N(0, vI) data (VE): x(σ) = x(σ_max)·√((v+σ²)/(v+σ_max²)). */
export function gaussianOdeSolution(xStart: ArrayLike<number>, sigmaStart: number, sigma: number, v: number): Float64Array {
  const k = Math.sqrt((v + sigma * sigma) / (v + sigmaStart * sigmaStart))
  return Float64Array.from(xStart, (x) => x * k)
}

// ---------------------------------------------------------------------------------------------------
// Isotropic Gaussian mixtures (SCHEDULES.md 2.1), the same data model as ../gmm.ts

/** Score s(x,σ) and ∂_σ s(x,σ) of the noised mixture at one point x (length dim). */
export function gmmScoreAndDerivative(m: GaussianMixture, x: ArrayLike<number>, sigma: number): { score: Float64Array; dScore: Float64Array } {
  const { dim, weights, means, variances } = m
  const K = weights.length
  const s2 = sigma * sigma
  const logr = new Float64Array(K)
  const lam = new Float64Array(K)
  const e2 = new Float64Array(K)
  let maxl = -Infinity
  for (let k = 0; k < K; k++) {
    const a = variances[k] + s2
    let d2 = 0
    for (let j = 0; j < dim; j++) {
      const e = x[j] - means[k * dim + j]
      d2 += e * e
    }
    e2[k] = d2
    const l = Math.log(weights[k]) - 0.5 * dim * Math.log(2 * Math.PI * a) - d2 / (2 * a)
    logr[k] = l
    if (l > maxl) maxl = l
    lam[k] = (-dim * sigma) / a + (sigma * d2) / (a * a)
  }
  let z = 0
  for (let k = 0; k < K; k++) {
    logr[k] = Math.exp(logr[k] - maxl)
    z += logr[k]
  }
  let lamBar = 0
  for (let k = 0; k < K; k++) {
    logr[k] /= z
    lamBar += logr[k] * lam[k]
  }
  const score = new Float64Array(dim)
  const dScore = new Float64Array(dim)
  for (let k = 0; k < K; k++) {
    const r = logr[k]
    if (r === 0) continue
    const a = variances[k] + s2
    const rdot = r * (lam[k] - lamBar)
    const c1 = -r / a
    const c2 = (r * 2 * sigma) / (a * a) - rdot / a
    for (let j = 0; j < dim; j++) {
      const e = x[j] - means[k * dim + j]
      score[j] += c1 * e
      dScore[j] += c2 * e
    }
  }
  return { score, dScore }
}

function gmmScore1D(m: GaussianMixture, x: number, sigma: number): number {
  return gmmScoreAndDerivative(m, [x], sigma).score[0]
}

function check1D(m: GaussianMixture, what: string): void {
  validateMixture(m)
  if (m.dim !== 1) throw new RangeError(`${what}: needs a 1-D mixture (dim 1), got dim ${m.dim}; use the collinear or Monte Carlo form`)
}

/**
 * E_{x~p_σ}[g(x)] for a 1-D mixture: per component in z = (x − μ_k)/√(v_k+σ²) over [−14, 14], split at the
 * other means and the pairwise midpoints, by adaptive Gauss–Kronrod.
 */
function expect1D(m: GaussianMixture, sigma: number, g: (x: number) => number): number {
  const K = m.weights.length
  const mus = m.means
  const specials: number[] = []
  for (let i = 0; i < K; i++) {
    specials.push(mus[i])
    for (let j = i + 1; j < K; j++) specials.push(0.5 * (mus[i] + mus[j]))
  }
  let wsum = 0
  for (const w of m.weights) wsum += w
  let total = 0
  for (let k = 0; k < K; k++) {
    const sd = Math.sqrt(m.variances[k] + sigma * sigma)
    const splits = specials.map((p) => (p - mus[k]) / sd).concat([0])
    const f = (z: number): number => Math.exp(-0.5 * z * z) * g(mus[k] + sd * z)
    total += (m.weights[k] / wsum) * integrateSplit(f, -14, 14, splits) / Math.sqrt(2 * Math.PI)
  }
  return total
}

/** Exact δ(σ) for a 1-D mixture by adaptive quadrature (≈1e-12 relative). */
export function gmmDelta1D(m: GaussianMixture, sigma: number): number {
  check1D(m, 'gmmDelta1D')
  return sigma * sigma * expect1D(m, sigma, (x) => gmmScoreAndDerivative(m, [x], sigma).dScore[0] ** 2)
}

/** Exact one-sided finite cost L(σ_hi → σ_lo) = σ_lo²·E_{p_σhi}(s(x,σ_lo) − s(x,σ_hi))², 1-D, by quadrature. */
export function gmmFiniteCost1D(m: GaussianMixture, sigmaHi: number, sigmaLo: number): number {
  check1D(m, 'gmmFiniteCost1D')
  return sigmaLo * sigmaLo * expect1D(m, sigmaHi, (x) => (gmmScore1D(m, x, sigmaLo) - gmmScore1D(m, x, sigmaHi)) ** 2)
}

/** Exact backward finite cost σ_hi²·E_{p_σlo}(Δs)², 1-D, by quadrature. */
export function gmmBackwardCost1D(m: GaussianMixture, sigmaHi: number, sigmaLo: number): number {
  check1D(m, 'gmmBackwardCost1D')
  return sigmaHi * sigmaHi * expect1D(m, sigmaLo, (x) => (gmmScore1D(m, x, sigmaLo) - gmmScore1D(m, x, sigmaHi)) ** 2)
}

/**
 * δ in d dimensions for a mixture whose means lie on one line and whose variances are all equal (v):
 * δ_d = δ_1D + 4(d−1)σ⁴/(v+σ²)³, where `line` is the 1-D mixture of the positions along that line.
 */
export function gmmCollinearDelta(line: GaussianMixture, d: number, sigma: number): number {
  check1D(line, 'gmmCollinearDelta')
  const v = line.variances[0]
  if (line.variances.some((w) => w !== v)) throw new RangeError('gmmCollinearDelta: all component variances must be equal')
  return gmmDelta1D(line, sigma) + ((d - 1) * gaussianDelta(sigma, v, 1))
}

/** Samples of p_σ for a mixture (rows of dim), from a seeded PyTorch-compatible generator. */
export function sampleNoisedMixture(m: GaussianMixture, sigma: number, n: number, seed: number): Float64Array {
  validateMixture(m)
  const gen = new TorchGenerator(seed)
  const { dim } = m
  const K = m.weights.length
  let wsum = 0
  for (const w of m.weights) wsum += w
  const cum = m.weights.map(((acc) => (w: number) => (acc += w / wsum))(0))
  const out = new Float64Array(n * dim)
  // One uniform per row from the generator's raw stream, then the normals in one call.
  const comps = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const u = gen.nextU32() / 4294967296
    let k = 0
    while (k < K - 1 && u >= cum[k]) k++
    comps[i] = k
  }
  const z = gen.randn(n * dim)
  for (let i = 0; i < n; i++) {
    const k = comps[i]
    const sd = Math.sqrt(m.variances[k] + sigma * sigma)
    for (let j = 0; j < dim; j++) out[i * dim + j] = m.means[k * dim + j] + sd * z[i * dim + j]
  }
  return out
}

/** Monte Carlo δ(σ) for any isotropic mixture: mean of σ²‖∂_σ s‖² over n samples of p_σ. */
export function gmmDeltaMonteCarlo(m: GaussianMixture, sigma: number, n: number, seed = 0): number {
  const xs = sampleNoisedMixture(m, sigma, n, seed)
  const { dim } = m
  let acc = 0
  for (let i = 0; i < n; i++) {
    const { dScore } = gmmScoreAndDerivative(m, xs.subarray(i * dim, (i + 1) * dim), sigma)
    for (let j = 0; j < dim; j++) acc += dScore[j] * dScore[j]
  }
  return (sigma * sigma * acc) / n
}

/**
 * Cumulative Λ on an ascending σ grid from per-interval costs: cum[0] = 0, cum[i+1] = cum[i] + √L_i.
 * (L_i belongs to the interval [σ_i, σ_{i+1}].)
 */
export function cumulativeLambda(intervalCosts: ArrayLike<number>): Float64Array {
  const out = new Float64Array(intervalCosts.length + 1)
  for (let i = 0; i < intervalCosts.length; i++) out[i + 1] = out[i] + Math.sqrt(Math.max(0, intervalCosts[i]))
  return out
}

/** A log-uniform ascending grid of M+1 sigmas from σ_min to σ_max (ends exact). */
export function logUniformGrid(sigmaMin: number, sigmaMax: number, intervals: number): Float64Array {
  const out = new Float64Array(intervals + 1)
  const a = Math.log(sigmaMin)
  const b = Math.log(sigmaMax)
  for (let i = 0; i <= intervals; i++) out[i] = Math.exp(a + ((b - a) * i) / intervals)
  out[0] = sigmaMin
  out[intervals] = sigmaMax
  return out
}
