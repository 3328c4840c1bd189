import { describe, expect, it } from 'vitest'
import { NO_NOISE } from '../noise'
import { deisCoefficients } from './deis'
import { MIXTURE_3D, gmmDenoiser, karrasSigmas, convergenceOrder, logUniformSigmas, maxAbsDiff, referenceOde, startState } from './test-helpers'
import { runSampler } from './run'

const den = gmmDenoiser(MIXTURE_3D)

/** The VP time the reference maps sigmas to, re-derived here: sigma(t)^2 = exp(bd t^2/2 + bmin t) - 1 with
 * sigma(1e-3) = 0.002 and sigma(1) = 80. */
function vpTime(sigma: number): number {
  const a = Math.log(0.002 ** 2 + 1)
  const b = Math.log(80 ** 2 + 1)
  // Solve bd/2 * 1e-6 + bmin * 1e-3 = a and bd/2 + bmin = b.
  const bd = (2 * (a / 1e-3 - b)) / (1e-3 - 1)
  const bmin = b - bd / 2
  return (-bmin + Math.sqrt(bmin * bmin + 2 * bd * Math.log(sigma * sigma + 1))) / bd
}

/** Composite Simpson over [a, b] with m (even) panels. */
function simpson(f: (s: number) => number, a: number, b: number, m = 2000): number {
  const h = (b - a) / m
  let s = f(a) + f(b)
  for (let k = 1; k < m; k++) s += (k % 2 ? 4 : 2) * f(a + k * h)
  return (s * h) / 3
}

describe('deis coefficients (tAB)', () => {
  const sigmas = karrasSigmas(10, 0.03, 14.6)
  for (const maxOrder of [2, 3, 4]) {
    it(`max_order ${maxOrder}: integrate dsigma times polynomials in t exactly up to the order`, () => {
      const c = deisCoefficients(sigmas, maxOrder)
      expect(c).toHaveLength(sigmas.length - 1)
      expect(c[0]).toEqual([]) // first step is Euler
      expect(c[c.length - 1]).toEqual([]) // step to 0 is Euler
      for (let i = 1; i < c.length - 1; i++) {
        const order = Math.min(i + 1, maxOrder)
        expect(c[i]).toHaveLength(order)
        const nodes = Array.from({ length: order }, (_, k) => vpTime(sigmas[i - k]))
        for (let deg = 0; deg < order; deg++) {
          // sum_j c_j t_j^deg should be the integral of t(sigma)^deg dsigma over the step.
          const approx = c[i].reduce((a, cj, j) => a + cj * nodes[j] ** deg, 0)
          const exact = simpson((s) => vpTime(s) ** deg, sigmas[i], sigmas[i + 1])
          // The reference's Riemann sum (N points over N intervals) is accurate to ~1e-4 relative.
          expect(Math.abs(approx - exact)).toBeLessThan(5e-4 * Math.abs(sigmas[i + 1] - sigmas[i]) + 1e-9)
        }
      }
    })
  }
})

describe('deis sampler', () => {
  it('with max_order 1 is Euler (deterministic DDIM)', async () => {
    const sigmas = karrasSigmas(9, 0.03, 14.6)
    const x = startState(MIXTURE_3D, 3, 14.6, 2)
    const a = await runSampler('deis', den, x, sigmas, { noise: NO_NOISE, options: { max_order: 1 } })
    const b = await runSampler('ddim', den, x, sigmas, { noise: NO_NOISE })
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-12)
  })

  it('converges faster than first order', async () => {
    const x = startState(MIXTURE_3D, 6, 10, 8)
    const ref = await referenceOde(den, x, 10, 0.05, 4000)
    const ns = [16, 32, 64]
    const errs: number[] = []
    for (const n of ns) errs.push(maxAbsDiff(await runSampler('deis', den, x, logUniformSigmas(n, 0.05, 10), { noise: NO_NOISE }), ref))
    expect(convergenceOrder(ns, errs)).toBeGreaterThan(1.8)
  })
})
