/**
 * The per-step cost of each sampler's own arithmetic on an SDXL-sized latent (4x128x128), with no
 * model: the denoiser is a cheap stand-in, and the time spent inside it and inside the noise source
 * (pre-made arrays; the generator's own cost is reported on its own line) is clocked during the run
 * and subtracted, leaving the sampler's arithmetic and its buffer handling.
 */
import { SAMPLERS } from '../src/main/engine/samplers/index'
import { runSampler } from '../src/main/engine/samplers/run'
import { TorchGenerator } from '../src/main/engine/rng'
import type { Denoiser, NoiseSource, SamplerStats, UncondSource } from '../src/main/engine/types'

const SHAPE = [1, 4, 128, 128]
const N = SHAPE.reduce((a, b) => a * b, 1)
const STEPS = 20

function karras(n: number, lo = 0.0292, hi = 14.6146, rho = 7): number[] {
  const a = hi ** (1 / rho)
  const b = lo ** (1 / rho)
  const s = Array.from({ length: n }, (_, i) => (a + (i / Math.max(1, n - 1)) * (b - a)) ** rho)
  return [...s, 0]
}

/** A stand-in model: a fixed contraction towards 0 (one pass over the array, like a copy). */
const fakeDenoise: Denoiser = async (x, sigma) => {
  const out = new Float64Array(x.length)
  const k = 1 / (1 + sigma * sigma)
  for (let i = 0; i < x.length; i++) out[i] = x[i] * k
  return out
}

/** Wraps the model and the noise source so the time spent inside them can be taken out. */
function clocked(pool: Float64Array[]): { denoise: Denoiser; noise: NoiseSource; uncond: UncondSource; outsideMs: () => number } {
  let ms = 0
  let i = 0
  let last = new Float64Array(0)
  return {
    denoise: async (x, sigma) => {
      const t = performance.now()
      const r = await fakeDenoise(x, sigma)
      // What the CFG wrapper would record for a CFG++ sampler (here the stand-in's own output).
      last = r.slice()
      ms += performance.now() - t
      return r
    },
    uncond: { last: () => last },
    noise: {
      next: () => {
        const t = performance.now()
        const r = pool[i++ % pool.length].slice()
        ms += performance.now() - t
        return r
      }
    },
    outsideMs: () => ms
  }
}

async function timeIt(fn: () => Promise<unknown>, reps: number): Promise<number> {
  await fn() // warm-up (JIT)
  const t0 = performance.now()
  for (let r = 0; r < reps; r++) await fn()
  return (performance.now() - t0) / reps
}

export async function benchEngine(): Promise<unknown> {
  const gen = new TorchGenerator(1234)
  const x0 = Float64Array.from(gen.randn(N), (v) => v * 14.6146)
  const pool = [0, 1, 2, 3].map(() => Float64Array.from(gen.randn(N)))
  const sigmas = karras(STEPS)

  const denoiseMs = await timeIt(() => fakeDenoise(x0, 1), 20)
  const randnMs = await timeIt(async () => gen.randn(N), 10)

  const samplers: Record<string, { msPerStep: number; modelCallsPerStep: number }> = {}
  const REPS = 5
  for (const id of Object.keys(SAMPLERS)) {
    let own = 0
    let calls = 0
    for (let r = 0; r <= REPS; r++) {
      const stats: SamplerStats = { modelCalls: 0 }
      const c = clocked(pool)
      const t0 = performance.now()
      await runSampler(id, c.denoise, x0, sigmas, { noise: c.noise, stats, uncond: c.uncond, percentToSigma: (p) => 14.6146 * (1 - p) })
      const t = performance.now() - t0 - c.outsideMs()
      if (r > 0) own += t // run 0 warms the JIT up
      calls = stats.modelCalls
    }
    samplers[id] = { msPerStep: +(own / REPS / STEPS).toFixed(4), modelCallsPerStep: +(calls / STEPS).toFixed(2) }
  }
  return {
    bench: 'engine',
    latentShape: SHAPE,
    steps: STEPS,
    node: process.version,
    standInDenoiserMsPerCall: +denoiseMs.toFixed(4),
    randnMsPerLatent: +randnMs.toFixed(3),
    // The issue-19 comparison: CFG++ and SA-Solver arithmetic per step against their plain forms and euler.
    versusEuler: Object.fromEntries(
      ['euler', 'euler_cfg_pp', 'euler_ancestral', 'euler_ancestral_cfg_pp', 'dpmpp_2m', 'dpmpp_2m_cfg_pp', 'dpmpp_2s_ancestral', 'dpmpp_2s_ancestral_cfg_pp', 'res_multistep', 'res_multistep_cfg_pp', 'gradient_estimation_cfg_pp', 'sa_solver', 'sa_solver_pece', 'seeds_2', 'seeds_3'].map((id) => [
        id,
        { msPerStep: samplers[id].msPerStep, timesEuler: +(samplers[id].msPerStep / samplers.euler.msPerStep).toFixed(2) }
      ])
    ),
    samplers
  }
}
