/**
 * DEIS: diffusion exponential integrator sampler (Zhang & Chen 2023, "Fast Sampling of Diffusion Models
 * with Exponential Integrator"), the "tAB" variant as ComfyUI runs it (from zju-pi/diff-sampler).
 */
import { clone } from '../ops'
import type { Sampler } from '../types'
import { intOption } from './options'
import { type Quadrature, gaussLegendre } from './quadrature'
import { SlopeHistory, multistepUpdate } from './slope-history'

// The reference maps sigmas onto the time of a fixed linear-beta VP SDE fitted to EDM's range
// (sigma 0.002 at t = 1e-3, sigma 80 at t = 1), whatever the actual schedule is.
const EPS_S = 1e-3
const EDM_SIGMA_MIN = 0.002
const EDM_SIGMA_MAX = 80
/** Points of the Riemann sum for each coefficient integral. */
const INTEGRATION_POINTS = 10000

interface VpTime {
  betaMin: number
  betaD: number
}

function vpTimeParams(): VpTime {
  const lmin = Math.log(EDM_SIGMA_MIN * EDM_SIGMA_MIN + 1)
  const lmax = Math.log(EDM_SIGMA_MAX * EDM_SIGMA_MAX + 1)
  const betaD = (2 * (lmin / EPS_S - lmax)) / (EPS_S - 1)
  return { betaD, betaMin: lmax - 0.5 * betaD }
}

/** VP time t with sigma(t)^2 = exp(betaD t^2 / 2 + betaMin t) - 1, inverted. */
function sigmaToVpTime(sigma: number, p: VpTime): number {
  return (Math.sqrt(p.betaMin * p.betaMin + 2 * p.betaD * Math.log1p(sigma * sigma)) - p.betaMin) / p.betaD
}

/**
 * d sigma / d t along that VP schedule, written as the reference writes it:
 * -0.5 * dlog(abar)/dt / sqrt(abar (1 - abar)), abar = exp(-betaD t^2 / 2 - betaMin t).
 */
function dSigmaDt(t: number, p: VpTime): number {
  const logAbar = -0.5 * t * t * p.betaD - t * p.betaMin
  const abar = Math.exp(logAbar)
  const dLogAbar = -p.betaD * t - p.betaMin
  return (-0.5 * dLogAbar) / Math.sqrt(abar * (1 - abar))
}

/** The derivative of dSigmaDt in t (for the Euler–Maclaurin end correction). */
function d2SigmaDt2(t: number, p: VpTime): number {
  const abar = Math.exp(-0.5 * t * t * p.betaD - t * p.betaMin)
  const dLogAbar = -p.betaD * t - p.betaMin
  return (-0.5 / Math.sqrt(abar * (1 - abar))) * (-p.betaD - (0.5 * dLogAbar * dLogAbar * (1 - 2 * abar)) / (1 - abar))
}

/** The Lagrange basis polynomial through `nodes` that is 1 at nodes[j], and its derivative, at t. */
function lagrange(nodes: readonly number[], j: number, t: number): { value: number; slope: number } {
  let value = 1
  let slope = 0
  for (let m = 0; m < nodes.length; m++) {
    if (m === j) continue
    const w = 1 / (nodes[j] - nodes[m])
    // Product rule: (value * (t - n_m) w)' = slope * (t - n_m) w + value * w.
    slope = slope * (t - nodes[m]) * w + value * w
    value *= (t - nodes[m]) * w
  }
  return { value, slope }
}

/**
 * The reference's coefficients for one step, summed as it sums them: N points tau_k from t0 to t1 inclusive,
 * times (t1 - t0)/N. Costs N evaluations per coefficient; only the fallback of {@link deisStep}.
 */
function riemannStep(t0: number, t1: number, nodes: readonly number[], p: VpTime): number[] {
  const N = INTEGRATION_POINTS
  const dtau = (t1 - t0) / N
  const sums = new Array<number>(nodes.length).fill(0)
  for (let k = 0; k < N; k++) {
    const tau = t0 + ((t1 - t0) * k) / (N - 1)
    const w = dSigmaDt(tau, p)
    for (let j = 0; j < nodes.length; j++) {
      let poly = 1
      for (let m = 0; m < nodes.length; m++) {
        if (m !== j) poly *= (tau - nodes[m]) / (nodes[j] - nodes[m])
      }
      sums[j] += w * poly
    }
  }
  return sums.map((s) => s * dtau)
}

/** Gauss–Legendre rules for the closed-form sums; two sizes, so that each integral checks itself. */
const GL_FINE = gaussLegendre(30)
const GL_COARSE = gaussLegendre(20)

/** The integral of dSigmaDt times the j-th Lagrange basis polynomial over [t0, t1], by a Gauss–Legendre rule. */
function integrate(rule: Quadrature, t0: number, t1: number, nodes: readonly number[], j: number, p: VpTime): number {
  const half = 0.5 * (t1 - t0)
  const mid = 0.5 * (t0 + t1)
  let s = 0
  for (let q = 0; q < rule.nodes.length; q++) {
    const t = mid + half * rule.nodes[q]
    s += rule.weights[q] * dSigmaDt(t, p) * lagrange(nodes, j, t).value
  }
  return s * half
}

/**
 * The same sums in closed form. For a smooth f, the Euler–Maclaurin formula gives the sum over N equally
 * spaced points from t0 to t1 (spacing D = (t1 - t0)/(N - 1)) as
 *   (1/D) * integral of f + (f(t0) + f(t1))/2 + (D/12) (f'(t1) - f'(t0)) + O(D^3),
 * and the dropped term is ~1e-20 relative at N = 10000. The integral is taken by Gauss–Legendre; a 30-point
 * and a 20-point rule must agree to 1e-14, else (a step near the singularity of dsigma/dt at sigma 0, or
 * repeated sigmas) the step is summed point by point after all. The result agrees with the point-by-point
 * sum to ~1e-14 relative (that sum's own rounding noise) at O(order^2) quadrature cost instead of 10^4 points.
 */
function deisStep(t0: number, t1: number, nodes: readonly number[], p: VpTime): number[] {
  const N = INTEGRATION_POINTS
  const spacing = (t1 - t0) / (N - 1)
  if (spacing === 0) return riemannStep(t0, t1, nodes, p)
  const dtau = (t1 - t0) / N
  const g0 = dSigmaDt(t0, p)
  const g1 = dSigmaDt(t1, p)
  const gp0 = d2SigmaDt2(t0, p)
  const gp1 = d2SigmaDt2(t1, p)
  const out: number[] = []
  for (let j = 0; j < nodes.length; j++) {
    const fine = integrate(GL_FINE, t0, t1, nodes, j, p)
    const coarse = integrate(GL_COARSE, t0, t1, nodes, j, p)
    if (!(Math.abs(fine - coarse) <= 1e-14 * Math.abs(fine))) return riemannStep(t0, t1, nodes, p)
    const l0 = lagrange(nodes, j, t0)
    const l1 = lagrange(nodes, j, t1)
    // f = dSigmaDt * l_j and its derivative at both ends.
    const f0 = g0 * l0.value
    const f1 = g1 * l1.value
    const fp0 = gp0 * l0.value + g0 * l0.slope
    const fp1 = gp1 * l1.value + g1 * l1.slope
    const sum = fine / spacing + (f0 + f1) / 2 + (spacing / 12) * (fp1 - fp0)
    if (!Number.isFinite(sum)) return riemannStep(t0, t1, nodes, p)
    out.push(sum * dtau)
  }
  return out
}

/**
 * DEIS-tAB coefficients: for step i of order k, c_j = integral over [t_i, t_{i+1}] of dsigma/dt times the
 * Lagrange basis polynomial through t_i, t_{i-1}, ..., t_{i-k+1} (newest first), so that
 * x_{i+1} = x_i + sum_j c_j * d_{i-j} extrapolates the derivative d = (x - D)/sigma polynomially in t.
 * Entry i is empty where the step is a plain Euler step (order 1, or a step ending at sigma 0).
 * The integral is the reference's Riemann sum (N points from t_i to t_{i+1} inclusive, times (t_{i+1}-t_i)/N),
 * evaluated by {@link deisStep}.
 */
export function deisCoefficients(sigmas: ArrayLike<number>, maxOrder: number): number[][] {
  const p = vpTimeParams()
  const t = Array.from({ length: sigmas.length }, (_, i) => sigmaToVpTime(sigmas[i], p))
  const out: number[][] = []
  for (let i = 0; i < sigmas.length - 1; i++) {
    const order = Math.min(i + 1, maxOrder)
    if (order === 1 || sigmas[i + 1] <= 0) {
      out.push([])
      continue
    }
    const nodes = Array.from({ length: order }, (_, k) => t[i - k])
    out.push(deisStep(t[i], t[i + 1], nodes, p))
  }
  return out
}

/**
 * DEIS multistep (tAB) on the Karras ODE (ComfyUI's `deis`). Options: `max_order` 1..4 (default 3).
 * Order rises by one per step up to max_order; the step to sigma 0 is an Euler step.
 */
export const sampleDeis: Sampler = async (denoise, input, sigmas, ctx) => {
  const maxOrder = intOption('deis', ctx.options, 'max_order', 3, 1, 4)
  const coeffList = deisCoefficients(sigmas, maxOrder)
  const x = clone(input)
  const steps = sigmas.length - 1
  const slopes = new SlopeHistory(maxOrder, x.length)
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    const c = coeffList[i]
    // An empty list is an Euler step (first step, max_order 1, or the step to sigma 0).
    multistepUpdate(x, denoised, sigma, slopes, c.length === 0 ? [sigmaNext - sigma] : c, 'divide')
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
