import { describe, expect, it } from 'vitest'
import { gmmDenoiser } from '../gmm'
import { TorchGenerator } from '../rng'
import { gaussianOdeSolution } from '../score-optimal/closed-form'
import { rmse } from './metrics'
import { computeReference, DEFAULT_REFERENCE, referenceCacheKey, referenceCalls, validateReferenceSettings } from './reference'

const SD = { sigmaMin: 0.0291671582, sigmaMax: 14.6146412293 }
const GAUSS = { dim: 1, weights: [1], means: [0], variances: [1] }

describe('reference solution', () => {
  it('is the exact PF-ODE solution to σ_min followed by the same final denoise (Gaussian data)', async () => {
    const noise = Float64Array.from(new TorchGenerator(3).randn(64))
    const r = await computeReference(gmmDenoiser(GAUSS), noise, SD)
    expect(r.modelCalls).toBe(referenceCalls(DEFAULT_REFERENCE))
    expect(r.modelCalls).toBe(399)
    const atMin = gaussianOdeSolution(Float64Array.from(noise, (z) => z * SD.sigmaMax), SD.sigmaMax, SD.sigmaMin, 1)
    const exact = Float64Array.from(atMin, (x) => x / (1 + SD.sigmaMin ** 2)) // D(x, σ_min) for N(0, 1)
    // Heun at 200 karras steps: ~1e-4 on values of order 1; the final σ_min → 0 step is the same denoise as every sampler makes.
    expect(rmse(r.x, exact)).toBeLessThan(2e-4)
  })

  it('accepts only accurate noise-free ODE solvers at 200+ steps', () => {
    expect(() => validateReferenceSettings({ sampler: 'euler', steps: 400, schedule: 'karras' })).toThrow(/first order/)
    expect(() => validateReferenceSettings({ sampler: 'dpmpp_2m_sde', steps: 400, schedule: 'karras' })).toThrow(/noise-free/)
    expect(() => validateReferenceSettings({ sampler: 'heun', steps: 100, schedule: 'karras' })).toThrow(/at least 200/)
    expect(() => validateReferenceSettings({ sampler: 'dpmpp_2m', steps: 400, schedule: 'exponential' })).not.toThrow()
  })

  it('can be cancelled and reports progress', async () => {
    const ac = new AbortController()
    let last = 0
    const err = await computeReference(gmmDenoiser(GAUSS), [0.1, 0.2], SD, DEFAULT_REFERENCE, {
      signal: ac.signal,
      onProgress: (done) => {
        last = done
        if (done === 10) ac.abort()
      }
    }).catch((e: unknown) => e)
    expect((err as Error).name).toBe('AbortError')
    expect(last).toBe(10)
  })

  it('cache keys are stable and name what the solution depends on', () => {
    const a = referenceCacheKey({ modelHash: 'abc', seed: 5, prompt: 'a cat', cfg: 7 })
    expect(a).toBe(referenceCacheKey({ cfg: 7, prompt: 'a cat', seed: 5, modelHash: 'abc' }))
    expect(a).not.toBe(referenceCacheKey({ modelHash: 'abc', seed: 6, prompt: 'a cat', cfg: 7 }))
    expect(a).not.toBe(referenceCacheKey({ modelHash: 'abc', seed: 5, prompt: 'a cat', cfg: 7 }, { ...DEFAULT_REFERENCE, steps: 400 }))
  })
})
