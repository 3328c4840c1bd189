/**
 * Classifier-free guidance (Ho & Salimans, 2022, "Classifier-Free Diffusion Guidance") as a wrapper
 * that turns a {@link ConditionalDenoiser} into an ordinary engine {@link Denoiser}, with the guidance
 * interval and guidance rescale as options of the same wrapper (both need the cond/uncond pair).
 *
 * The combination is done on x0-estimates:  D_cfg = D_uncond + scale * (D_cond - D_uncond).
 * This is the same as the usual eps-space CFG: for a fixed x and sigma, eps = (x - x0) / sigma is an
 * affine function of x0 with coefficients that depend only on x and sigma, and the CFG weights
 * (1 - scale) and scale sum to 1, so an affine map commutes with the combination:
 * eps(D_cfg) = eps_uncond + scale * (eps_cond - eps_uncond). The same holds for v-predictions.
 */
import type { Denoiser, Tensor } from '../types'
import { EngineInputError } from '../types'
import type { ConditionalDenoiser } from './conditional'
import { type SigmaInterval, inGuidanceInterval, validateInterval } from './interval'
import { checkOutput, checkSigma, requireFinite, requireRowLength } from './params'
import { rescaleGuided, validateRescalePhi } from './rescale'
import type { UncondCapture } from './uncond'

/** Checks a CFG scale: finite and >= 0 (1 = no guidance). */
export function validateCfgScale(scale: unknown, name = 'cfg scale'): number {
  const s = requireFinite(scale, name, 'use a finite number >= 0 (1 = no guidance; 4-9 is typical for SD1.x/SDXL)')
  if (s < 0) throw new EngineInputError(`${name}: got ${s}; use a number >= 0 (1 = no guidance, 0 = unconditional only)`)
  return s
}

/** out[i] = uncond[i] + scale * (cond[i] - uncond[i]). Returns a new array unless `out` is given. */
export function cfgCombine(cond: Tensor, uncond: Tensor, scale: number, out?: Tensor): Tensor {
  const n = cond.length
  const r = out ?? new Float64Array(n)
  for (let i = 0; i < n; i++) r[i] = uncond[i] + scale * (cond[i] - uncond[i])
  return r
}

export interface CfgOptions {
  /** Guidance scale w >= 0. At 1 (or outside the interval) only `model.cond` is called. */
  scale: number
  /** Guide only while sigma is in [sigmaLo, sigmaHi] (Kynkäänniemi et al. 2024); default: always. */
  interval?: SigmaInterval
  /** Guidance rescale (Lin et al. 2023): phi in [0, 1] and the batch row length it works per. */
  rescale?: { phi: number; rowLength: number }
  /**
   * Records each evaluation's unconditional x0-estimate for a CFG++ sampler. With it, the unconditional
   * pass is never skipped (not at scale 1, not outside the interval), as ComfyUI's CFG++ hook disables its
   * CFG-1 shortcut.
   */
  uncond?: UncondCapture
}

/**
 * The guided denoiser. Cost per call: one `cond` pass where guidance is off (scale 1, or sigma outside
 * the interval), otherwise one `both` pass. Settings are checked here, once, not per step.
 */
export function classifierFreeGuidance(model: ConditionalDenoiser, options: CfgOptions): Denoiser {
  const scale = validateCfgScale(options.scale)
  const interval = options.interval === undefined ? undefined : validateInterval(options.interval)
  let phi = 0
  let rowLength = 0
  if (options.rescale !== undefined) {
    phi = validateRescalePhi(options.rescale.phi)
    rowLength = requireRowLength(options.rescale.rowLength, 'guidance rescale rowLength')
  }
  const capture = options.uncond
  return async (x, sigma) => {
    checkSigma(sigma, 'cfg')
    const guiding = inGuidanceInterval(sigma, interval)
    // At scale 1 the formula returns cond exactly, and rescale of cond to its own std is the identity:
    // the unconditional pass would be wasted — unless a CFG++ sampler needs it.
    if (capture === undefined && (scale === 1 || !guiding)) {
      return checkOutput(await model.cond(x, sigma), x.length, 'cfg (cond)')
    }
    const { cond, uncond } = await model.both(x, sigma)
    checkOutput(cond, x.length, 'cfg (cond)')
    checkOutput(uncond, x.length, 'cfg (uncond)')
    if (capture !== undefined) {
      capture.record(uncond)
      // Outside the interval the run is unguided (cond), but the sampler still gets its uncond.
      if (!guiding) return cond
      // u + w·(c − u) into a fresh array: the recorded uncond must stay as it is.
      const guided = cfgCombine(cond, uncond, scale)
      return phi > 0 ? rescaleGuided(x, sigma, cond, guided, phi, rowLength) : guided
    }
    const guided = cfgCombine(cond, uncond, scale, uncond)
    return phi > 0 ? rescaleGuided(x, sigma, cond, guided, phi, rowLength) : guided
  }
}
