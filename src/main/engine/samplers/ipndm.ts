/**
 * Improved pseudo-numerical methods (iPNDM): explicit Adams–Bashforth multistep on the Karras ODE
 * dx/dsigma = (x - D(x, sigma)) / sigma, warmed up with lower orders (Zhang & Chen 2023, "Fast Sampling
 * of Diffusion Models with Exponential Integrator", appendix; as in zju-pi/diff-sampler).
 */
import { clone } from '../ops'
import type { Denoiser, Sampler, SamplerContext, Tensor } from '../types'
import { intOption } from './options'
import { SlopeHistory, multistepUpdate } from './slope-history'

/** Fixed-step Adams–Bashforth weights for orders 1..4, newest derivative first. */
const ADAMS_BASHFORTH: readonly (readonly number[])[] = [
  [1],
  [3 / 2, -1 / 2],
  [23 / 12, -16 / 12, 5 / 12],
  [55 / 24, -59 / 24, 37 / 24, -9 / 24]
]

/**
 * Variable-step weights as ipndm_v uses them (diff-sampler's expressions, which ComfyUI runs), newest
 * derivative first. h0 is the step being taken (sigmaNext - sigma), h1, h2, h3 the earlier steps, newest
 * first. Order 2 is the exact variable-step Adams–Bashforth rule. Order 3 is exact for linear
 * derivatives on any steps and equals AB3 on equal steps, but is not the exact variable-step AB3 for
 * quadratics. The order-4 expression is kept as the reference has it: on equal steps it gives
 * 57/24, -65/24, 43/24, -11/24 (AB4 is 55, -59, 37, -9 over 24), and on unequal steps its weights do not
 * sum to exactly 1. The conformance vectors pin this behaviour.
 */
export function ipndmVWeights(order: number, h0: number, h1: number, h2: number, h3: number): number[] {
  if (order === 1) return [1]
  const r = h0 / h1
  if (order === 2) return [(2 + r) / 2, -r / 2]
  // Weight of the second divided difference (5/12 on equal steps).
  const t1 = (1 - ((h0 / (3 * (h0 + h1))) * (h0 * (h0 + h1))) / (h1 * (h1 + h2))) / 2
  if (order === 3) return [(2 + r) / 2 + t1, -r / 2 - (1 + h1 / h2) * t1, (t1 * h1) / h2]
  const t2 =
    ((1 - h0 / (3 * (h0 + h1))) / 2 + ((1 - h0 / (2 * (h0 + h1))) * h0) / (6 * (h0 + h1 + h2))) *
    ((h0 * (h0 + h1) * (h0 + h1 + h2)) / (h1 * (h1 + h2) * (h1 + h2 + h3)))
  const q = (h1 * (h1 + h2)) / (h2 * (h2 + h3))
  return [
    (2 + r) / 2 + t1 + t2,
    -r / 2 - (1 + h1 / h2) * t1 - (1 + h1 / h2 + q) * t2,
    (t1 * h1) / h2 + (h1 / h2 + q * (1 + h2 / h3)) * t2,
    -t2 * q * (h1 / h2)
  ]
}

/**
 * The shared iPNDM loop: the order rises by one per step up to maxOrder (using that many of the latest
 * slopes), and the final step to sigma 0 lands on the x0 estimate.
 */
async function ipndmLoop(
  name: string,
  variable: boolean,
  denoise: Denoiser,
  input: Tensor,
  sigmas: ArrayLike<number>,
  ctx: SamplerContext
): Promise<Tensor> {
  const maxOrder = intOption(name, ctx.options, 'max_order', 4, 1, 4)
  const x = clone(input)
  const steps = sigmas.length - 1
  const slopes = new SlopeHistory(maxOrder, x.length)
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]
    const sigmaNext = sigmas[i + 1]
    const denoised = await denoise(x, sigma)
    if (sigmaNext === 0) {
      x.set(denoised)
    } else {
      const order = Math.min(maxOrder, i + 1)
      const h0 = sigmaNext - sigma
      const w = variable
        ? ipndmVWeights(order, h0, sigma - sigmas[i - 1], sigmas[i - 1] - sigmas[i - 2], sigmas[i - 2] - sigmas[i - 3])
        : ADAMS_BASHFORTH[order - 1]
      multistepUpdate(x, denoised, sigma, slopes, w.map((wk) => h0 * wk), 'divide')
    }
    ctx.onStep?.({ i, steps, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}

/** iPNDM with fixed Adams–Bashforth weights (ComfyUI's `ipndm`). Options: `max_order` 1..4 (default 4). */
export const sampleIpndm: Sampler = (denoise, x, sigmas, ctx) => ipndmLoop('ipndm', false, denoise, x, sigmas, ctx)

/** iPNDM with weights for the actual, unequal step sizes (ComfyUI's `ipndm_v`). Options: `max_order` 1..4 (default 4). */
export const sampleIpndmV: Sampler = (denoise, x, sigmas, ctx) => ipndmLoop('ipndm_v', true, denoise, x, sigmas, ctx)
