import { describe, expect, it } from 'vitest'
import { gmmDenoiser, type GaussianMixture } from '../gmm'
import { TorchGenerator, torchNoiseSource } from '../rng'
import { SAMPLERS } from '../samplers/index'
import { runSampler } from '../samplers/run'
import { SAMPLER_BY_ID } from '../../../shared/samplers'
import { classifierFreeGuidance } from './cfg'
import { conditionalFromPair } from './conditional'
import { UncondCapture } from './uncond'
import { EngineInputError, type Denoiser } from '../types'
import { inpaintDenoiser, inpaintFinish } from './inpaint'

const MIX: GaussianMixture = { dim: 4, weights: [0.6, 0.4], means: [1, -1, 0.5, 2, -1.5, 0.5, -0.5, -1], variances: [0.3, 0.6] }
const ROWS = 3
const N = MIX.dim * ROWS

/** Ten log-spaced sigmas from 14.6 down to 0.03, then 0. */
const SIGMAS = Float64Array.from([...Array.from({ length: 10 }, (_, i) => Math.exp(Math.log(14.6) + (i / 9) * (Math.log(0.03) - Math.log(14.6)))), 0])

function setup() {
  const gen = new TorchGenerator(1234n)
  const init = Float64Array.from(gen.randn(N), (v) => v * 0.7)
  const n = Float64Array.from(gen.randn(N))
  // Keep the first and last element of every row, repaint the middle two, one of them half-way.
  const mask = Float64Array.from({ length: N }, (_, i) => ([0, 3].includes(i % 4) ? 0 : i % 4 === 1 ? 1 : 0.5))
  return { init, n, mask }
}

describe('inpaintDenoiser', () => {
  it('feeds the model the kept region re-noised to sigma and forces its estimate back to the init latent', async () => {
    const { init, n, mask } = setup()
    const seen: { x: Float64Array; sigma: number }[] = []
    const model: Denoiser = async (x, sigma) => {
      seen.push({ x: Float64Array.from(x), sigma })
      return Float64Array.from(x, (v) => v * 0.5 + 1)
    }
    const d = inpaintDenoiser(model, { initLatent: init, mask, noise: n })
    const x = Float64Array.from({ length: N }, (_, i) => i / 7 - 0.8)
    const out = await d(x, 2.5)
    for (let i = 0; i < N; i++) {
      const m = mask[i]
      const fed = m * x[i] + (1 - m) * (init[i] + 2.5 * n[i])
      expect(seen[0].x[i]).toBeCloseTo(fed, 14)
      expect(out[i]).toBeCloseTo(m * (fed * 0.5 + 1) + (1 - m) * init[i], 14)
      if (m === 0) expect(out[i]).toBe(init[i])
      if (m === 1) expect(seen[0].x[i]).toBe(x[i])
    }
  })

  it('with an all-ones mask is the plain denoiser, bit for bit', async () => {
    const { init, n } = setup()
    const base = gmmDenoiser(MIX)
    const ones = new Float64Array(N).fill(1)
    const d = inpaintDenoiser(base, { initLatent: init, mask: ones, noise: n })
    const x = Float64Array.from({ length: N }, (_, i) => Math.sin(i))
    expect(await d(x, 1.3)).toEqual(await base(x, 1.3))
  })

  // Every registered sampler: the kept region ends at the init latent (bit for bit after inpaintFinish;
  // before it within 1e-6 for samplers that step to σ = 0 with the forced estimate, and within σ_min·|n|
  // for dpm_fast/dpm_adaptive, which stop at the smallest non-zero σ), the repainted region is sampled,
  // and the run stays finite.
  for (const id of Object.keys(SAMPLERS)) {
    it(`keeps the unmasked region of the latent with ${id}`, async () => {
      const { init, n, mask } = setup()
      const gen = new TorchGenerator(99n)
      // A CFG++ sampler needs the unconditional prediction: guide (at scale 1) with a capture, as the app does.
      const uncond = SAMPLER_BY_ID.get(id)!.cfgPP ? new UncondCapture() : undefined
      const model = uncond ? classifierFreeGuidance(conditionalFromPair(gmmDenoiser(MIX), gmmDenoiser(MIX)), { scale: 1, uncond }) : gmmDenoiser(MIX)
      const d = inpaintDenoiser(model, { initLatent: init, mask, noise: n })
      // The pipeline's img2img start: the init latent plus σ₀ times the job's noise, everywhere.
      const x0 = Float64Array.from(init, (v, i) => v + SIGMAS[0] * n[i])
      // sa_solver's SDE interval is given in fractions of the run; here a linear map stands in for the model's.
      const percentToSigma = (p: number): number => SIGMAS[0] * (1 - p)
      const raw = await runSampler(id, d, x0, SIGMAS, { noise: torchNoiseSource(gen, N), uncond, percentToSigma })
      const out = inpaintFinish(raw, init, mask)
      let rawErr = 0
      let keptErr = 0
      let repaintMove = 0
      for (let i = 0; i < N; i++) {
        expect(Number.isFinite(out[i])).toBe(true)
        if (mask[i] === 0) keptErr = Math.max(keptErr, Math.abs(out[i] - init[i]))
        if (mask[i] === 0) rawErr = Math.max(rawErr, Math.abs(raw[i] - init[i]))
        if (mask[i] === 1) repaintMove = Math.max(repaintMove, Math.abs(out[i] - init[i]))
      }
      expect(keptErr).toBe(0)
      expect(rawErr).toBeLessThan(id === 'dpm_fast' || id === 'dpm_adaptive' ? 0.05 : 2e-3)
      expect(repaintMove).toBeGreaterThan(1e-3)
    })
  }

  it('refuses mismatched lengths and mask values outside [0, 1]', () => {
    const { init, n, mask } = setup()
    const base = gmmDenoiser(MIX)
    expect(() => inpaintDenoiser(base, { initLatent: init, mask: mask.subarray(1), noise: n })).toThrow(EngineInputError)
    const bad = Float64Array.from(mask)
    bad[2] = 1.5
    expect(() => inpaintDenoiser(base, { initLatent: init, mask: bad, noise: n })).toThrow(/element 2 is 1.5/)
  })
})
