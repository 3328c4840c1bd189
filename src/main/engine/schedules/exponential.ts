/**
 * The log-sigma family (k-diffusion `get_sigmas_exponential` / `get_sigmas_polyexponential`):
 * - `exponential`: evenly spaced in log sigma from sigma_max to sigma_min (geometric), then 0;
 * - `polyexponential`: log sigma = log sigma_min + r^rho·(log sigma_max - log sigma_min) with r going
 *   evenly from 1 to 0; rho = 1 is `exponential`, larger rho spends more steps at small sigmas.
 */
import type { ScheduleDef } from './types'
import { linspace } from '../ops'
import { resolveRange } from './util'

export const exponential: ScheduleDef = {
  id: 'exponential',
  compute(steps, model, params) {
    const { sigmaMin, sigmaMax } = resolveRange(model, params, 'exponential')
    const logs = linspace(Math.log(sigmaMax), Math.log(sigmaMin), steps)
    const out = new Float64Array(steps + 1)
    for (let i = 0; i < steps; i++) out[i] = Math.exp(logs[i])
    return out
  }
}

export const polyexponential: ScheduleDef = {
  id: 'polyexponential',
  compute(steps, model, params) {
    const { sigmaMin, sigmaMax } = resolveRange(model, params, 'polyexponential')
    const logMin = Math.log(sigmaMin)
    const span = Math.log(sigmaMax) - logMin
    const ramp = linspace(1, 0, steps)
    const out = new Float64Array(steps + 1)
    for (let i = 0; i < steps; i++) out[i] = Math.exp(Math.pow(ramp[i], params.rho) * span + logMin)
    return out
  }
}
