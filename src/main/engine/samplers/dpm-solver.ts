/**
 * DPM-Solver (Lu et al. 2022, "DPM-Solver: A Fast ODE Solver for Diffusion Probabilistic Model Sampling in
 * Around 10 Steps"), noise-prediction form in t = −log sigma: the fixed-budget "fast" schedule of
 * third-order steps and the adaptive DPM-Solver-12/23 with a PID step-size controller.
 *
 * Like ComfyUI's KSampler wrapper, both integrate from sigmas[0] down to the last non-zero sigma of the list
 * (the list's own intermediate values are not used) and return the state there: there is no final jump to
 * sigma 0, exactly as in ComfyUI. Both also draw one noise array per (accepted) step even when eta = 0 makes
 * it a zero multiple, as the reference does, so that seeds stay comparable.
 */
import { clone, toD } from '../ops'
import type { Denoiser, SamplerOptions, Sampler, StepInfo, Tensor } from '../types'
import { EngineInputError } from '../types'
import { addNoise, ancestralStep } from './ancestral'
import { numberOption, readEtaNoise } from './options'

const sigmaOf = (t: number): number => Math.exp(-t)
const tOf = (sigma: number): number => -Math.log(sigma)

/** (e^z − 1)/z − 1, continuous at z = 0 (where a zero-length step would otherwise give 0/0). */
function phi1m1(z: number): number {
  return z === 0 ? 0 : Math.expm1(z) / z - 1
}

/** ComfyUI's KSampler hand-off: sigma_max = sigmas[0], sigma_min = the last sigma, or the one before it when the last is 0. */
export function dpmSigmaRange(sigmas: ArrayLike<number>, who: string): { sigmaMax: number; sigmaMin: number } {
  const last = sigmas.length - 1
  const sigmaMin = sigmas[last] === 0 ? sigmas[last - 1] : sigmas[last]
  const sigmaMax = sigmas[0]
  if (!(sigmaMin > 0) || !(sigmaMax > 0)) {
    throw new EngineInputError(`${who}: sigma_min and sigma_max must not be 0 (got ${sigmaMin} and ${sigmaMax}); give a sigma list with a positive value before the final 0`)
  }
  return { sigmaMax, sigmaMin }
}

/**
 * The solver's state and reusable buffers. `eps(x, t, out)` evaluates the noise prediction
 * (x − D(x, sigma(t))) / sigma(t) into `out` and returns the model's x0-estimate.
 */
class DpmSolver {
  readonly eps0: Tensor
  readonly eps1: Tensor
  readonly eps2: Tensor
  readonly u: Tensor

  constructor(private readonly denoise: Denoiser, n: number) {
    this.eps0 = new Float64Array(n)
    this.eps1 = new Float64Array(n)
    this.eps2 = new Float64Array(n)
    this.u = new Float64Array(n)
  }

  async eps(x: Tensor, t: number, out: Tensor): Promise<Tensor> {
    const sigma = sigmaOf(t)
    const denoised = await this.denoise(x, sigma)
    toD(x, sigma, denoised, out)
    return denoised
  }

  /** DPM-Solver-1 (DDIM): out = x − sigma(t')·expm1(h)·eps0. `out` may be `x`. */
  step1(x: Tensor, t: number, tNext: number, out: Tensor): void {
    const c = sigmaOf(tNext) * Math.expm1(tNext - t)
    const e0 = this.eps0
    for (let j = 0; j < x.length; j++) out[j] = x[j] - c * e0[j]
  }

  /** Evaluates eps1 at s1 = t + r1·h from the first-order prediction u1 (the intermediate stage shared by DPM-Solver-2 and -3). */
  async stage1(x: Tensor, t: number, h: number, r1: number): Promise<void> {
    const s1 = t + r1 * h
    const c = sigmaOf(s1) * Math.expm1(r1 * h)
    const { eps0, u } = this
    for (let j = 0; j < x.length; j++) u[j] = x[j] - c * eps0[j]
    await this.eps(u, s1, this.eps1)
  }

  /** DPM-Solver-2 final combination (eps1 must be current): out = x − σ'·expm1(h)·eps0 − σ'/(2 r1)·expm1(h)·(eps1 − eps0). */
  finish2(x: Tensor, t: number, tNext: number, r1: number, out: Tensor): void {
    const h = tNext - t
    const sn = sigmaOf(tNext)
    const a = sn * Math.expm1(h)
    const b = a / (2 * r1)
    const { eps0, eps1 } = this
    for (let j = 0; j < x.length; j++) out[j] = x[j] - a * eps0[j] - b * (eps1[j] - eps0[j])
  }

  /** DPM-Solver-3 with r1 = 1/3, r2 = 2/3 (eps1 must be current for r1): second stage, then the final combination into `out`. */
  async finish3(x: Tensor, t: number, tNext: number, out: Tensor): Promise<void> {
    const r1 = 1 / 3
    const r2 = 2 / 3
    const h = tNext - t
    const s2 = t + r2 * h
    const ss2 = sigmaOf(s2)
    const a2 = ss2 * Math.expm1(r2 * h)
    const b2 = ss2 * (r2 / r1) * phi1m1(r2 * h)
    const { eps0, eps1, eps2, u } = this
    for (let j = 0; j < x.length; j++) u[j] = x[j] - a2 * eps0[j] - b2 * (eps1[j] - eps0[j])
    await this.eps(u, s2, eps2)
    const sn = sigmaOf(tNext)
    const a = sn * Math.expm1(h)
    const b = (sn / r2) * phi1m1(h)
    for (let j = 0; j < x.length; j++) out[j] = x[j] - a * eps0[j] - b * (eps2[j] - eps0[j])
  }
}

/** eta > 0: the deterministic part stops at t_ (from the ancestral split, not past t_end) and su of fresh noise makes up the rest. */
function ancestralTarget(s: number, t: number, tEnd: number, eta: number): { tDown: number; su: number } {
  if (!eta) return { tDown: t, su: 0 }
  const { sigmaDown } = ancestralStep(sigmaOf(s), sigmaOf(t), eta)
  const tDown = Math.min(tEnd, tOf(sigmaDown))
  const st = sigmaOf(t)
  const sd = sigmaOf(tDown)
  return { tDown, su: Math.sqrt(Math.max(0, st * st - sd * sd)) }
}

/**
 * The orders DPM-Solver-fast uses for a budget of `nfe` model calls: third-order steps, ending with
 * [2, 1] or [nfe mod 3] so the calls add up to exactly nfe.
 */
export function dpmFastOrders(nfe: number): number[] {
  const m = Math.floor(nfe / 3) + 1
  if (nfe % 3 === 0) return [...Array<number>(Math.max(0, m - 2)).fill(3), 2, 1]
  return [...Array<number>(m - 1).fill(3), nfe % 3]
}

/** DPM-Solver-fast (Lu et al. 2022, section 3.4): as many third-order steps as the budget of sigmas.length − 1 model calls allows, uniform in log sigma. */
export const sampleDpmFast: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { sigmaMax, sigmaMin } = dpmSigmaRange(sigmas, 'dpm_fast')
  const { eta, sNoise } = readEtaNoise('dpm_fast', ctx.options, 0)
  const nfe = sigmas.length - 1
  const tStart = tOf(sigmaMax)
  const tEnd = tOf(sigmaMin)
  const orders = dpmFastOrders(nfe)
  const m = orders.length
  const x = clone(x0)
  const solver = new DpmSolver(denoise, x.length)
  for (let i = 0; i < m; i++) {
    const t = i === 0 ? tStart : tStart + ((tEnd - tStart) * i) / m
    const tNext = i + 1 === m ? tEnd : tStart + ((tEnd - tStart) * (i + 1)) / m
    const { tDown, su } = ancestralTarget(t, tNext, tEnd, eta)
    const denoised = await solver.eps(x, t, solver.eps0)
    const h = tDown - t
    if (orders[i] === 1) {
      solver.step1(x, t, tDown, x)
    } else if (orders[i] === 2) {
      await solver.stage1(x, t, h, 1 / 2)
      solver.finish2(x, t, tDown, 1 / 2, x)
    } else {
      await solver.stage1(x, t, h, 1 / 3)
      await solver.finish3(x, t, tDown, x)
    }
    // Drawn even when its scale is 0, as the reference does.
    addNoise(x, su * sNoise, ctx.noise.next(sigmaOf(t), sigmaOf(tNext)))
    const sigma = sigmaOf(t)
    ctx.onStep?.({ i, steps: m, sigma, sigmaHat: sigma, denoised, x })
  }
  return x
}

interface AdaptiveSettings {
  order: 2 | 3
  rtol: number
  atol: number
  hInit: number
  pcoeff: number
  icoeff: number
  dcoeff: number
  acceptSafety: number
  eta: number
  sNoise: number
}

function readAdaptive(options: SamplerOptions | undefined): AdaptiveSettings {
  const who = 'dpm_adaptive'
  return {
    order: numberOption(who, options, 'order', 3, { integer: true, min: 2, max: 3 }) as 2 | 3,
    rtol: numberOption(who, options, 'rtol', 0.05, { min: 0 }),
    // atol > 0 keeps the error scale positive where the state is exactly 0.
    atol: numberOption(who, options, 'atol', 0.0078, { above: 0 }),
    hInit: numberOption(who, options, 'h_init', 0.05, { above: 0 }),
    pcoeff: numberOption(who, options, 'pcoeff', 0),
    icoeff: numberOption(who, options, 'icoeff', 1),
    dcoeff: numberOption(who, options, 'dcoeff', 0),
    acceptSafety: numberOption(who, options, 'accept_safety', 0.81),
    ...readEtaNoise(who, options, 0)
  }
}

/**
 * PID step-size controller (Söderlind's digital filters, as in k-diffusion's PIDStepSizeController): the next
 * step scales h by a limited product of the last three inverse errors; a step is accepted when that factor
 * clears `acceptSafety`.
 */
class PidController {
  private readonly b1: number
  private readonly b2: number
  private readonly b3: number
  private errs: [number, number, number] | null = null

  constructor(
    public h: number,
    pcoeff: number,
    icoeff: number,
    dcoeff: number,
    order: number,
    private readonly acceptSafety: number,
    private readonly eps = 1e-8
  ) {
    this.b1 = (pcoeff + icoeff + dcoeff) / order
    this.b2 = -(pcoeff + 2 * dcoeff) / order
    this.b3 = dcoeff / order
  }

  /** Updates h from this attempt's error (1 = exactly on tolerance) and says whether to accept the attempt. */
  propose(error: number): boolean {
    const inv = 1 / (error + this.eps)
    if (!this.errs) this.errs = [inv, inv, inv]
    const e = this.errs
    e[0] = inv
    // The arctan limiter keeps one step's change of h within (1 − π/2, 1 + π/2) times.
    const raw = e[0] ** this.b1 * e[1] ** this.b2 * e[2] ** this.b3
    const factor = 1 + Math.atan(raw - 1)
    const accept = factor >= this.acceptSafety
    if (accept) {
      e[2] = e[1]
      e[1] = e[0]
    }
    this.h *= factor
    return accept
  }
}

/** A guard against a controller that can never finish (e.g. a denoiser returning NaN). */
const MAX_ATTEMPTS = 100_000

/**
 * DPM-Solver-12/23 with adaptive step size (Lu et al. 2022, section 3.3 and appendix; k-diffusion
 * `dpm_solver_adaptive`): each attempt computes a lower- and a higher-order solution sharing model calls,
 * their scaled difference is the error estimate, and a PID controller picks the next step.
 * Options: order (2 | 3, default 3), rtol, atol, h_init, pcoeff, icoeff, dcoeff, accept_safety, eta, s_noise
 * with ComfyUI's defaults. Fills ctx.stats.acceptedSteps / rejectedSteps.
 */
export const sampleDpmAdaptive: Sampler = async (denoise, x0, sigmas, ctx) => {
  const { sigmaMax, sigmaMin } = dpmSigmaRange(sigmas, 'dpm_adaptive')
  const o = readAdaptive(ctx.options)
  const tStart = tOf(sigmaMax)
  const tEnd = tOf(sigmaMin)
  const forward = tEnd > tStart
  if (tEnd < tStart && o.eta) throw new EngineInputError('dpm_adaptive: eta must be 0 for reverse sampling')
  const n = x0.length
  let x: Tensor = clone(x0)
  let xPrev: Tensor = clone(x0)
  let xLow: Tensor = new Float64Array(n)
  let xHigh: Tensor = new Float64Array(n)
  const solver = new DpmSolver(denoise, n)
  const pid = new PidController(
    Math.abs(o.hInit) * (forward ? 1 : -1),
    o.pcoeff,
    o.icoeff,
    o.dcoeff,
    o.eta ? 1.5 : o.order,
    o.acceptSafety
  )
  const stats = ctx.stats
  if (stats) {
    stats.acceptedSteps = 0
    stats.rejectedSteps = 0
  }
  let s = tStart
  let attempts = 0
  while (forward ? s < tEnd - 1e-5 : s > tEnd + 1e-5) {
    if (attempts >= MAX_ATTEMPTS) {
      throw new Error(`dpm_adaptive: no convergence after ${MAX_ATTEMPTS} step attempts; loosen rtol/atol`)
    }
    const t = forward ? Math.min(tEnd, s + pid.h) : Math.max(tEnd, s + pid.h)
    const { tDown, su } = ancestralTarget(s, t, tEnd, o.eta)
    const denoised = await solver.eps(x, s, solver.eps0)
    const h = tDown - s
    if (o.order === 2) {
      // DPM-Solver-12: first- and second-order solutions (2 model calls).
      solver.step1(x, s, tDown, xLow)
      await solver.stage1(x, s, h, 1 / 2)
      solver.finish2(x, s, tDown, 1 / 2, xHigh)
    } else {
      // DPM-Solver-23: second order with r1 = 1/3 shares its stage with the third-order solution (3 model calls).
      await solver.stage1(x, s, h, 1 / 3)
      solver.finish2(x, s, tDown, 1 / 3, xLow)
      await solver.finish3(x, s, tDown, xHigh)
    }
    // RMS of the difference, scaled per element by max(atol, rtol · max(|x_low|, |x_prev|)).
    let sum = 0
    for (let j = 0; j < n; j++) {
      const scale = Math.max(o.atol, o.rtol * Math.max(Math.abs(xLow[j]), Math.abs(xPrev[j])))
      const e = (xLow[j] - xHigh[j]) / scale
      sum += e * e
    }
    const error = Math.sqrt(sum) / Math.sqrt(n)
    if (!Number.isFinite(error)) {
      throw new Error(`dpm_adaptive: the error estimate is ${error} at sigma ${sigmaOf(s)}; the denoiser returned non-finite values`)
    }
    const accept = pid.propose(error)
    const sigma = sigmaOf(s)
    if (accept) {
      // Keep the buffers: the accepted high-order solution becomes x, the low-order one x_prev.
      ;[x, xHigh] = [xHigh, x]
      ;[xPrev, xLow] = [xLow, xPrev]
      addNoise(x, su * o.sNoise, ctx.noise.next(sigma, sigmaOf(t)))
      s = t
      if (stats) stats.acceptedSteps = (stats.acceptedSteps ?? 0) + 1
    } else if (stats) {
      stats.rejectedSteps = (stats.rejectedSteps ?? 0) + 1
    }
    attempts++
    const left = forward ? tEnd - s : s - tEnd
    const info: StepInfo = {
      i: attempts - 1,
      steps: attempts + (left > 1e-5 ? Math.ceil(left / Math.abs(pid.h)) : 0),
      sigma,
      sigmaHat: sigma,
      denoised,
      x
    }
    ctx.onStep?.(info)
  }
  return x
}
