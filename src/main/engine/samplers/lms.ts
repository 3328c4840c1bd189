/**
 * Linear multistep (Adams–Bashforth on a non-uniform sigma grid): each step integrates the Lagrange
 * polynomial through the last `order` slopes over [sigma_i, sigma_{i+1}]. The reference integrates the basis
 * numerically; the integrand is a polynomial of degree order − 1, so a Gauss–Legendre rule with
 * ceil(order / 2) nodes is already exact and we use one node more for margin.
 */
import { clone } from '../ops'
import type { Sampler } from '../types'
import { numberOption } from './options'
import { gaussLegendre } from './quadrature'
import { SlopeHistory, multistepUpdate } from './slope-history'

/**
 * ∫_{t[i]}^{t[i+1]} ℓ_j(τ) dτ, where ℓ_j is the Lagrange basis polynomial over the nodes t[i], t[i−1], …,
 * t[i−order+1] that is 1 at t[i−j] (k-diffusion's `linear_multistep_coeff`).
 */
export function linearMultistepCoeff(order: number, t: ArrayLike<number>, i: number, j: number): number {
  if (order - 1 > i) throw new RangeError(`lms: order ${order} is too high for step ${i}`)
  const { nodes, weights } = gaussLegendre(Math.ceil(order / 2) + 1)
  const a = t[i]
  const b = t[i + 1]
  const half = 0.5 * (b - a)
  const mid = 0.5 * (a + b)
  let sum = 0
  for (let q = 0; q < nodes.length; q++) {
    const tau = mid + half * nodes[q]
    let prod = 1
    for (let k = 0; k < order; k++) {
      if (k === j) continue
      prod *= (tau - t[i - k]) / (t[i - j] - t[i - k])
    }
    sum += weights[q] * prod
  }
  return sum * half
}

/** Linear multistep method (k-diffusion `sample_lms`; Adams–Bashforth in sigma), option `order` (default 4). */
export const sampleLms: Sampler = async (denoise, x0, sigmas, ctx) => {
  const order = numberOption('lms', ctx.options, 'order', 4, { min: 1, integer: true })
  const x = clone(x0)
  const steps = sigmas.length - 1
  const slopes = new SlopeHistory(order, x.length)
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    if (sigmaNext === 0) {
      // Denoising step: the slope is undefined at sigma 0, the estimate is the answer.
      x.set(denoised)
    } else {
      // Coefficient j belongs to the slope j steps back.
      const curOrder = Math.min(i + 1, order)
      const coeffs = Array.from({ length: curOrder }, (_, j) => linearMultistepCoeff(curOrder, sigmas, i, j))
      multistepUpdate(x, denoised, sigma, slopes, coeffs, 'reciprocal')
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}
