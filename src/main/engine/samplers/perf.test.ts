/**
 * The per-step arithmetic of a sampler must stay far below a model call. On an SDXL-sized latent
 * (4×128×128 = 65536 values) a first-order step must cost well under 1 ms beyond the denoiser and the
 * noise source; the bounds here are loose enough for a busy CI machine yet catch per-element allocation
 * or many extra passes.
 */
import { describe, expect, it } from 'vitest'
import type { Denoiser, NoiseSource } from '../types'
import { SAMPLERS } from './index'
import { karrasSigmas } from './test-helpers'

const N = 65536
const STEPS = 30

/** Milliseconds per step allowed for each sampler's own work (several model calls per step cost more passes). */
const BOUND_MS: Record<string, number> = {
  euler: 1,
  euler_ancestral: 1,
  dpmpp_2m: 1,
  dpmpp_2m_sde: 1,
  heun: 3,
  heunpp2: 3,
  dpm_2: 3,
  dpm_2_ancestral: 3,
  lms: 3,
  dpmpp_2s_ancestral: 3,
  dpmpp_sde: 3,
  dpmpp_3m_sde: 3,
  dpm_fast: 3,
  ddpm: 2,
  ddim: 2,
  lcm: 2,
  ipndm: 2,
  ipndm_v: 2,
  deis: 2,
  res_multistep: 2,
  er_sde: 2,
  uni_pc: 2,
  uni_pc_bh2: 2
}

describe('per-step cost on an SDXL-sized latent', () => {
  let outside = 0
  const denoise: Denoiser = async (x) => {
    const t0 = performance.now()
    const out = new Float64Array(N)
    for (let i = 0; i < N; i++) out[i] = 0.5 * x[i]
    outside += performance.now() - t0
    return out
  }
  const z = new Float64Array(N).map((_, i) => Math.cos(i))
  const noise: NoiseSource = {
    next() {
      const t0 = performance.now()
      const out = Float64Array.from(z)
      outside += performance.now() - t0
      return out
    }
  }
  const sigmas = karrasSigmas(STEPS, 0.03, 14.6)
  const x = new Float64Array(N).map((_, i) => Math.sin(i) * 14.6)

  /** Milliseconds per step spent in the sampler itself: best of a few runs after a warm-up run. */
  async function perStep(id: string): Promise<number> {
    let best = Infinity
    for (let rep = 0; rep < 4; rep++) {
      outside = 0
      const t0 = performance.now()
      await SAMPLERS[id](denoise, x, sigmas, { noise, stats: { modelCalls: 0 } })
      const own = performance.now() - t0 - outside
      if (rep > 0) best = Math.min(best, own / STEPS)
    }
    return best
  }

  it.each(Object.entries(BOUND_MS))('%s: under %d ms per step', async (id, bound) => {
    expect(await perStep(id)).toBeLessThan(bound)
  })
})
