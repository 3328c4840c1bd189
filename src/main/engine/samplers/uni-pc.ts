/**
 * UniPC: unified predictor-corrector multistep solver (Zhao et al. 2023, "UniPC: A Unified
 * Predictor-Corrector Framework for Fast Sampling of Diffusion Models"), data-prediction form, B(h)
 * variants bh1 and bh2, run the way ComfyUI's `uni_pc` / `uni_pc_bh2` run it.
 */
import { clone, lincomb } from '../ops'
import type { Denoiser, SamplerContext, Sampler, Tensor } from '../types'
import { EngineInputError } from '../types'
import { intOption } from './options'

/**
 * Where a run that ends at sigma 0 actually stops: the exponential integrator needs a finite
 * log-sigma, so (as ComfyUI does) the last sigma 0 is replaced by 0.001 and the result is the state
 * there. Lists whose second-to-last sigma is not above it stop at half of that sigma instead.
 */
const FINAL_SIGMA = 0.001

/** The highest order used; lower at the start (warm-up) and towards the end (lower_order_final). */
const MAX_ORDER = 3

interface Point {
  /** lambda = -log(sigma), the half log-SNR in the x = x0 + sigma*n form. */
  lambda: number
  /** The x0 estimate there. */
  model: Tensor
}

/** Solves the small dense system A y = b (A given as rows) by Gaussian elimination with partial pivoting. */
function solveSmall(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length
  const m = a.map((row, i) => [...row.slice(0, n), b[i]])
  for (let col = 0; col < n; col++) {
    let piv = col
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r
    if (m[piv][col] === 0) throw new RangeError('solveSmall: singular system')
    if (piv !== col) [m[piv], m[col]] = [m[col], m[piv]]
    for (let r = col + 1; r < n; r++) {
      const f = m[r][col] / m[col][col]
      if (f === 0) continue
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c]
    }
  }
  const y = new Array<number>(n).fill(0)
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n]
    for (let c = r + 1; c < n; c++) s -= m[r][c] * y[c]
    y[r] = s / m[r][r]
  }
  return y
}

/**
 * One UniPC step from the newest history point to sigmaT with the given order: UniP-order predictor
 * (using order - 1 earlier x0 estimates), then, if `corrector`, one model call at the predicted point
 * and the UniC corrector. Writes the new state into x; returns the model value at the predicted point
 * (reused as the next history entry), or undefined without corrector.
 *
 * In the VE form alpha_t = 1 and sigma_t/sigma_s is the ratio of sigmas, so the reference's
 * x_t = (sigma_t/sigma_s) x - alpha_t (e^{-h} - 1) m0 - alpha_t B(h) sum(rho_k D1_k) loses its alphas.
 */
async function uniPcStep(
  denoise: Denoiser,
  x: Tensor,
  scratch: Tensor,
  history: readonly Point[],
  sigmaS: number,
  sigmaT: number,
  order: number,
  corrector: boolean,
  variant: 'bh1' | 'bh2'
): Promise<Tensor | undefined> {
  const p0 = history[history.length - 1]
  const lambdaT = -Math.log(sigmaT)
  const h = lambdaT - p0.lambda
  const hh = -h // data prediction integrates in -h
  const hPhi1 = Math.expm1(hh)
  const bH = variant === 'bh1' ? hh : Math.expm1(hh)

  // rk: where each earlier point sits, in units of this step (negative); the last rk is the new point (1).
  const rks: number[] = []
  const prev: Tensor[] = []
  for (let k = 1; k < order; k++) {
    const pk = history[history.length - 1 - k]
    rks.push((pk.lambda - p0.lambda) / h)
    prev.push(pk.model)
  }
  rks.push(1)

  // b_i = i! * h phi_{i+1}(hh) / B(h), with h phi_{k+1} = h phi_k / hh - 1/k!.
  const b: number[] = []
  const R: number[][] = []
  let hPhiK = hPhi1 / hh - 1
  let factorial = 1
  for (let i = 1; i <= order; i++) {
    R.push(rks.map((r) => r ** (i - 1)))
    b.push((hPhiK * factorial) / bH)
    factorial *= i + 1
    hPhiK = hPhiK / hh - 1 / factorial
  }

  // The common part x_t_ = (sigmaT/sigmaS) x - (e^{-h} - 1) m0, plus sum rho_k D1_k with
  // D1_k = (m_k - m0)/rk folded into coefficients on m0 and m_k.
  const baseCoeffs = [sigmaT / sigmaS, -hPhi1]
  const baseTerms = [x, p0.model]
  const withResiduals = (rhos: readonly number[], extra?: { rho: number; model: Tensor }) => {
    const coeffs = [...baseCoeffs]
    const terms = [...baseTerms]
    for (let k = 0; k < prev.length; k++) {
      const c = (-bH * rhos[k]) / rks[k]
      coeffs[1] -= c
      coeffs.push(c)
      terms.push(prev[k])
    }
    if (extra) {
      const c = -bH * extra.rho
      coeffs[1] -= c
      coeffs.push(c)
      terms.push(extra.model)
    }
    return { coeffs, terms }
  }

  // Predictor (UniP): order 2 uses rho = 1/2, higher orders solve the (order-1)-sized system.
  let rhosP: number[] = []
  if (order === 2) rhosP = [0.5]
  else if (order > 2) rhosP = solveSmall(R.slice(0, order - 1), b.slice(0, order - 1))
  const pred = withResiduals(rhosP)
  if (!corrector) {
    // Each element reads only its own index, so the predictor can be written straight into x.
    lincomb(pred.coeffs, pred.terms, x)
    return undefined
  }
  lincomb(pred.coeffs, pred.terms, scratch)

  // Corrector (UniC): one model call at the predicted point; order 1 uses rho = 1/2.
  const modelT = await denoise(scratch, sigmaT)
  const rhosC = order === 1 ? [0.5] : solveSmall(R, b)
  const corr = withResiduals(rhosC.slice(0, -1), { rho: rhosC[rhosC.length - 1], model: modelT })
  lincomb(corr.coeffs, corr.terms, x)
  return modelT
}

/**
 * The UniPC multistep loop as ComfyUI drives it: order min(`order` option (ComfyUI fixes 3), steps - 1) (at least 1, so a single step
 * is one first-order step where ComfyUI's wrapper would not step at all), warm-up orders 1, 2, ...,
 * lower orders for the last steps, a corrector on every step except the last, and a final sigma 0
 * replaced by 0.001. One model call per step; no noise is drawn.
 */
async function uniPc(
  variant: 'bh1' | 'bh2',
  denoise: Denoiser,
  input: Tensor,
  sigmas: ArrayLike<number>,
  ctx: SamplerContext
): Promise<Tensor> {
  const name = variant === 'bh1' ? 'uni_pc' : 'uni_pc_bh2'
  const steps = sigmas.length - 1
  const targets = Array.from(sigmas)
  if (targets[steps] === 0) targets[steps] = Math.min(FINAL_SIGMA, targets[steps - 1] / 2)
  for (let j = 0; j < steps; j++) {
    if (!(targets[j] > 0)) {
      throw new EngineInputError(`${name}: sigmas[${j}] is ${targets[j]}; only the last sigma may be 0`)
    }
  }
  const order = Math.max(1, Math.min(intOption(name, ctx.options, 'order', MAX_ORDER, 1, MAX_ORDER), steps - 1))
  const x = clone(input)
  const scratch = new Float64Array(x.length)
  let sigmaS = targets[0]
  const history: Point[] = [{ lambda: -Math.log(sigmaS), model: await denoise(x, sigmaS) }]
  for (let j = 1; j <= steps; j++) {
    const sigmaT = targets[j]
    const current = history[history.length - 1]
    if (sigmaT < sigmaS) {
      // Warm-up steps rise in order; later steps use `order` but fall off towards the end.
      const stepOrder = Math.min(j < order ? j : Math.min(order, steps + 1 - j), history.length)
      const last = j === steps
      const model = await uniPcStep(denoise, x, scratch, history, sigmaS, sigmaT, stepOrder, !last, variant)
      if (!last) {
        // The model value at the predicted point is reused as the next step's x0 estimate.
        history.push({ lambda: -Math.log(sigmaT), model: model ?? (await denoise(x, sigmaT)) })
        if (history.length > order) history.shift()
      }
      sigmaS = sigmaT
    }
    // A zero-length step (repeated sigma) leaves x and the history as they are.
    ctx.onStep?.({ i: j - 1, steps, sigma: sigmas[j - 1], sigmaHat: sigmas[j - 1], denoised: current.model, x })
  }
  return x
}

/** UniPC with B(h) = h (ComfyUI's `uni_pc`). */
export const sampleUniPc: Sampler = (denoise, x, sigmas, ctx) => uniPc('bh1', denoise, x, sigmas, ctx)

/** UniPC with B(h) = e^h - 1 (ComfyUI's `uni_pc_bh2`). */
export const sampleUniPcBh2: Sampler = (denoise, x, sigmas, ctx) => uniPc('bh2', denoise, x, sigmas, ctx)
