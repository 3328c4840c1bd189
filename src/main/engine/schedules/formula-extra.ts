/**
 * Formula schedules of ComfyUI's custom-sampling nodes: `laplace` (Hang et al. 2024, "Improved Noise
 * Schedule for Diffusion Training"), `vp` (the continuous VP SDE of Song et al. 2021) and `sd_turbo`
 * (SD-Turbo's ten timesteps).
 */
import { linspace } from '../ops'
import { EngineInputError } from '../types'
import type { ScheduleDef } from './types'
import { requireTable, resolveRange } from './util'

/**
 * log sigma at the quantiles of a Laplace(mu, beta), clamped to the sigma range. Exactly `steps` values
 * and no trailing 0, as ComfyUI's LaplaceScheduler returns them (the run ends at sigma_min).
 */
export const laplace: ScheduleDef = {
  id: 'laplace',
  compute(steps, model, params) {
    const { sigmaMin, sigmaMax } = resolveRange(model!, params, 'laplace')
    const xs = linspace(0, 1, steps)
    const out = new Float64Array(steps)
    for (let j = 0; j < steps; j++) {
      const c = 0.5 - xs[j]
      // The 1e-5 keeps the log finite at both ends (x = 0 and 1).
      const lambda = params.mu - params.beta * Math.sign(c) * Math.log(1 - 2 * Math.abs(c) + 1e-5)
      out[j] = Math.min(sigmaMax, Math.max(sigmaMin, Math.exp(lambda)))
    }
    return out
  }
}

/** t from 1 down to eps_s; sigma(t) = sqrt(expm1(beta_d t²/2 + beta_min t)); then 0. Needs no model. */
export const vp: ScheduleDef = {
  id: 'vp',
  compute(steps, _model, params) {
    const ts = linspace(1, params.eps_s, steps)
    const out = new Float64Array(steps + 1)
    for (let j = 0; j < steps; j++) out[j] = Math.sqrt(Math.expm1((params.beta_d * ts[j] * ts[j]) / 2 + params.beta_min * ts[j]))
    return out
  }
}

/**
 * SD-Turbo: the model sigmas at timesteps 999, 899, …, 99, starting 10 − int(10·denoise) entries in and
 * taking at most `steps` of them, then 0 — so fewer than steps+1 values when the table runs out.
 */
export const sdTurbo: ScheduleDef = {
  id: 'sd_turbo',
  compute(steps, model, params) {
    if (steps > 10) throw new EngineInputError(`schedule "sd_turbo" has 10 timesteps; use at most 10 steps, got ${steps}`)
    const table = requireTable(model!, 'sd_turbo')
    const start = 10 - Math.trunc(10 * params.denoise)
    const picked: number[] = []
    for (let k = start; k < Math.min(10, start + steps); k++) picked.push(table.tToSigma(999 - 100 * k))
    if (picked.length === 0) throw new EngineInputError(`schedule "sd_turbo": denoise ${params.denoise} keeps no timestep; raise it`)
    return Float64Array.from([...picked, 0])
  }
}
