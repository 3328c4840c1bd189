/**
 * The conditional-model seam: what guidance needs from a model that can be run with and without its
 * conditioning (prompt vs. negative/empty prompt).
 *
 * Both predictions are x0-estimates in the engine's "x = x0 + sigma * n" form, exactly what a plain
 * {@link Denoiser} returns. Guidance wrappers combine them and hand samplers an ordinary Denoiser, so
 * no sampler ever learns that guidance exists (DESIGN.md, "The engine, k-diffusion style").
 */
import type { Denoiser, Tensor } from '../types'

/** The conditional and unconditional x0-estimates for the same x and sigma. */
export interface CondUncond {
  cond: Tensor
  uncond: Tensor
}

/**
 * A model that can be evaluated with its conditioning (`cond`) and with both the conditioning and the
 * unconditional/negative conditioning (`both`).
 *
 * The models layer implements `both` as one batched UNet call (cond and uncond stacked on the batch
 * axis) where the exported model's batch axis allows it, and as two calls otherwise. Guidance calls
 * `cond` alone whenever the unconditional branch would not change the result (scale 1, outside the
 * guidance interval), which halves the cost of those steps.
 *
 * Returned arrays are owned by the caller and may be modified; `x` must not be modified.
 */
export interface ConditionalDenoiser {
  both(x: Tensor, sigma: number): Promise<CondUncond>
  cond(x: Tensor, sigma: number): Promise<Tensor>
}

/**
 * A ConditionalDenoiser from two plain denoisers (two model passes for `both`). The two calls are
 * started together so that a coalescing denoiser underneath can still batch them.
 */
export function conditionalFromPair(cond: Denoiser, uncond: Denoiser): ConditionalDenoiser {
  return {
    async both(x, sigma) {
      const [c, u] = await Promise.all([cond(x, sigma), uncond(x, sigma)])
      return { cond: c, uncond: u }
    },
    cond: (x, sigma) => cond(x, sigma)
  }
}
