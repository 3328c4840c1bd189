/**
 * DEIS: diffusion exponential integrator sampler (Zhang & Chen 2023, "Fast Sampling of Diffusion Models
 * with Exponential Integrator"), the "tAB" variant as ComfyUI runs it (from zju-pi/diff-sampler).
 */
import { clone } from '../ops'
import type { Sampler, Tensor } from '../types'
import { intOption } from './options'
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

/**
 * DEIS-tAB coefficients: for step i of order k, c_j = integral over [t_i, t_{i+1}] of dsigma/dt times the
 * Lagrange basis polynomial through t_i, t_{i-1}, ..., t_{i-k+1} (newest first), so that
 * x_{i+1} = x_i + sum_j c_j * d_{i-j} extrapolates the derivative d = (x - D)/sigma polynomially in t.
 * Entry i is empty where the step is a plain Euler step (order 1, or a step ending at sigma 0).
 * The integral is the reference's Riemann sum: N points from t_i to t_{i+1} inclusive, times (t_{i+1}-t_i)/N.
 */
export function deisCoefficients(sigmas: ArrayLike<number>, maxOrder: number): number[][] {
  const p = vpTimeParams()
  const n = sigmas.length - 1
  const t = Array.from({ length: sigmas.length }, (_, i) => sigmaToVpTime(sigmas[i], p))
  const out: number[][] = []
  const taus = new Float64Array(INTEGRATION_POINTS)
  const weight = new Float64Array(INTEGRATION_POINTS)
  for (let i = 0; i < n; i++) {
    const order = Math.min(i + 1, maxOrder)
    if (order === 1 || sigmas[i + 1] <= 0) {
      out.push([])
      continue
    }
    const t0 = t[i]
    const t1 = t[i + 1]
    const dtau = (t1 - t0) / INTEGRATION_POINTS
    for (let k = 0; k < INTEGRATION_POINTS; k++) {
      taus[k] = t0 + ((t1 - t0) * k) / (INTEGRATION_POINTS - 1)
      weight[k] = dSigmaDt(taus[k], p)
    }
    const nodes = Array.from({ length: order }, (_, k) => t[i - k])
    const coeffs: number[] = []
    for (let j = 0; j < order; j++) {
      let sum = 0
      for (let k = 0; k < INTEGRATION_POINTS; k++) {
        let poly = 1
        for (let m = 0; m < order; m++) {
          if (m !== j) poly *= (taus[k] - nodes[m]) / (nodes[j] - nodes[m])
        }
        sum += weight[k] * poly
      }
      coeffs.push(sum * dtau)
    }
    out.push(coeffs)
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
