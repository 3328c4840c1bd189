/**
 * The per-step cost of each sampler's own arithmetic on an SDXL-sized latent (4x128x128), with no
 * model: the denoiser is a cheap stand-in whose own cost is measured separately and subtracted, and
 * noise comes from pre-made arrays (the generator's cost is reported on its own line).
 */
import { SAMPLERS } from '../src/main/engine/samplers/index'
import { runSampler } from '../src/main/engine/samplers/run'
import { TorchGenerator } from '../src/main/engine/rng'
import type { Denoiser, NoiseSource, SamplerStats } from '../src/main/engine/types'

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

function cycleNoise(pool: Float64Array[]): NoiseSource {
  let i = 0
  return { next: () => pool[i++ % pool.length].slice() }
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
  for (const id of Object.keys(SAMPLERS)) {
    const stats: SamplerStats = { modelCalls: 0 }
    const total = await timeIt(async () => {
      stats.modelCalls = 0
      await runSampler(id, fakeDenoise, x0, sigmas, { noise: cycleNoise(pool), stats })
    }, 3)
    const calls = stats.modelCalls
    const own = Math.max(0, total - calls * denoiseMs)
    samplers[id] = { msPerStep: +(own / STEPS).toFixed(4), modelCallsPerStep: +(calls / STEPS).toFixed(2) }
  }
  return {
    bench: 'engine',
    latentShape: SHAPE,
    steps: STEPS,
    node: process.version,
    standInDenoiserMsPerCall: +denoiseMs.toFixed(4),
    randnMsPerLatent: +randnMs.toFixed(3),
    samplers
  }
}
