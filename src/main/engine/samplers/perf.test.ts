/**
 * The per-step arithmetic of a sampler must stay far below a model call. On an SDXL-sized latent
 * (4×128×128 = 65536 values) a first-order step must cost well under 1 ms beyond the denoiser and the
 * noise source; the bound here is loose enough for a busy CI machine yet catches per-element allocation
 * or extra passes.
 */
import { describe, expect, it } from 'vitest'
import type { Denoiser, NoiseSource } from '../types'
import { GROUP_A } from './group-a'
import { karrasSigmas } from './test-helpers'

const N = 65536
const STEPS = 30

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
      await GROUP_A[id](denoise, x, sigmas, { noise, stats: { modelCalls: 0 } })
      const own = performance.now() - t0 - outside
      if (rep > 0) best = Math.min(best, own / STEPS)
    }
    return best
  }

  it.each(['euler', 'euler_ancestral', 'dpmpp_2m', 'dpmpp_2m_sde'])('%s: under 1 ms per step', async (id) => {
    expect(await perStep(id)).toBeLessThan(1)
  })

  it.each(['heun', 'heunpp2', 'dpm_2', 'dpm_2_ancestral', 'lms', 'dpmpp_2s_ancestral', 'dpmpp_sde', 'dpmpp_3m_sde', 'dpm_fast'])(
    '%s: under 3 ms per step',
    async (id) => {
      expect(await perStep(id)).toBeLessThan(3)
    }
  )
})
