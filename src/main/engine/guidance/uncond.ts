/**
 * The unconditional prediction handed to CFG++ samplers (Chung et al. 2024, "CFG++: Manifold-constrained
 * Classifier Free Guidance"): they step along the guided x0-estimate but renoise along the unconditional
 * one. Guidance still wraps the denoiser and samplers still see an ordinary Denoiser; the CFG wrapper
 * additionally records the unconditional x0-estimate of every evaluation here, and the sampler reads the
 * most recent one after its call returns — the role of ComfyUI's post-CFG hook (`uncond_denoised`).
 *
 * One capture belongs to one sampler run (one grid cell): the run awaits each evaluation before the next,
 * so "most recent" is always the evaluation it just made, however the model calls are batched below.
 */
import type { Tensor, UncondSource } from '../types'
import { EngineInputError } from '../types'

export class UncondCapture implements UncondSource {
  private value: Tensor | undefined

  /** Called by the CFG wrapper with the unconditional x0-estimate of the evaluation it just made (kept as given). */
  record(uncond: Tensor): void {
    this.value = uncond
  }

  /** The unconditional x0-estimate of the most recent evaluation. */
  last(): Tensor {
    if (this.value === undefined) {
      throw new EngineInputError('CFG++: no unconditional prediction was recorded; build the denoiser with composeGuidance(…, { uncond: capture }) and pass the same capture as the run\'s `uncond`')
    }
    return this.value
  }
}
