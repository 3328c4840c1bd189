/**
 * Masked sampling (inpainting) as a denoiser wrapper, the way ComfyUI's KSamplerX0Inpaint does it, so it
 * works with every sampler and schedule without the samplers knowing:
 *
 *   before the model call:  x_in = m·x + (1 − m)·(x_init + σ·n)      (the kept region re-noised to σ)
 *   after it:               D    = m·D(x_in, σ) + (1 − m)·x_init      (the kept region's estimate forced)
 *
 * m is the repaint mask per latent element (1 = repaint, 0 = keep; fractional values blend), x_init the
 * init image's latent (UNet space) and n the job's own starting noise, the same array every step, so the
 * kept region follows one consistent noisy trajectory and meets the repainted region without a seam.
 * The re-noise uses σ·n, i.e. the "x = x0 + σ·n" parameterisation every engine sampler works in.
 *
 * Cost per call: two fused passes over the latent (no allocation beyond the model input copy).
 */
import type { Denoiser, Tensor } from '../types'
import { EngineInputError } from '../types'
import { checkSigma } from './params'

export interface InpaintOptions {
  /** The init image's latent, all batch rows (the same length as the state). */
  initLatent: Tensor
  /** Repaint mask per element of the state, values in [0, 1] (1 = repaint). */
  mask: Tensor
  /** The job's starting unit noise (same length as the state), reused at every step. */
  noise: Tensor
}

function checkArray(a: unknown, name: string): Tensor {
  if (!(a instanceof Float64Array)) throw new EngineInputError(`inpaint ${name}: must be a Float64Array of the state's length`)
  return a
}

/** Wraps `denoise` so that only the masked region is sampled; the rest stays the init latent. */
export function inpaintDenoiser(denoise: Denoiser, opts: InpaintOptions): Denoiser {
  const latent = checkArray(opts.initLatent, 'initLatent')
  const mask = checkArray(opts.mask, 'mask')
  const noise = checkArray(opts.noise, 'noise')
  if (mask.length !== latent.length || noise.length !== latent.length) {
    throw new EngineInputError(`inpaint: initLatent (${latent.length}), mask (${mask.length}) and noise (${noise.length}) must have the same length`)
  }
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i]
    if (!(m >= 0 && m <= 1)) throw new EngineInputError(`inpaint mask: element ${i} is ${m}; mask values must be in [0, 1]`)
  }
  return async (x, sigma) => {
    checkSigma(sigma, 'inpaint')
    if (x.length !== latent.length) throw new EngineInputError(`inpaint: the state has ${x.length} values, the mask ${latent.length}; they must match`)
    const xi = new Float64Array(x.length)
    for (let i = 0; i < x.length; i++) {
      const m = mask[i]
      xi[i] = m === 1 ? x[i] : m * x[i] + (1 - m) * (latent[i] + sigma * noise[i])
    }
    const out = await denoise(xi, sigma)
    for (let i = 0; i < out.length; i++) {
      const m = mask[i]
      if (m !== 1) out[i] = m * out[i] + (1 - m) * latent[i]
    }
    return out
  }
}

/**
 * The final latent of a masked run: the kept region set back to the init latent. Most samplers end there
 * anyway (the forced estimate at σ = 0); dpm_fast and dpm_adaptive stop at the smallest non-zero σ and
 * UniPC's last update extrapolates, so this makes the latent exact for every sampler before decoding.
 */
export function inpaintFinish(x: Tensor, initLatent: Tensor, mask: Tensor): Tensor {
  const out = new Float64Array(x.length)
  for (let i = 0; i < x.length; i++) {
    const m = mask[i]
    out[i] = m === 1 ? x[i] : m === 0 ? initLatent[i] : m * x[i] + (1 - m) * initLatent[i]
  }
  return out
}
