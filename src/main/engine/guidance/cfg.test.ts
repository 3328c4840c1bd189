import { describe, expect, it } from 'vitest'
import { gmmDenoise } from '../gmm'
import { EngineInputError } from '../types'
import { cfgCombine, classifierFreeGuidance } from './cfg'
import { conditionalFromPair } from './conditional'
import { COND_MIX, UNCOND_MIX, countingModel, maxAbsDiff, mixtureModel, recordingDenoiser } from './testing'

const X = Float64Array.from([0.3, -1.2, 2.5, 0.7])

describe('cfgCombine', () => {
  it('computes uncond + scale * (cond - uncond) element-wise', () => {
    const out = cfgCombine(Float64Array.from([1, 2, -1]), Float64Array.from([0.5, -1, -1]), 3)
    expect(Array.from(out)).toEqual([2, 8, -1])
  })
})

describe('classifierFreeGuidance', () => {
  it('makes one batched pass and returns the guided x0 at scale 7', async () => {
    const m = mixtureModel()
    const d = classifierFreeGuidance(m, { scale: 7 })
    const out = await d(X, 2.5)
    const c = gmmDenoise(COND_MIX, X, 2.5)
    const u = gmmDenoise(UNCOND_MIX, X, 2.5)
    for (let i = 0; i < X.length; i++) expect(out[i]).toBeCloseTo(u[i] + 7 * (c[i] - u[i]), 12)
    expect(m.count('both')).toBe(1)
    expect(m.count('cond')).toBe(0)
  })

  it('is the same as eps-space CFG for the same x and sigma', async () => {
    const sigma = 1.7
    const out = await classifierFreeGuidance(mixtureModel(), { scale: 5.5 })(X, sigma)
    const c = gmmDenoise(COND_MIX, X, sigma)
    const u = gmmDenoise(UNCOND_MIX, X, sigma)
    for (let i = 0; i < X.length; i++) {
      const epsC = (X[i] - c[i]) / sigma
      const epsU = (X[i] - u[i]) / sigma
      const epsCfg = epsU + 5.5 * (epsC - epsU)
      expect((X[i] - out[i]) / sigma).toBeCloseTo(epsCfg, 12)
    }
  })

  it('skips guidance at scale 1: only cond is called, once per call', async () => {
    const m = mixtureModel()
    const d = classifierFreeGuidance(m, { scale: 1 })
    for (const s of [14.6, 3, 0.5]) {
      const out = await d(X, s)
      expect(Array.from(out)).toEqual(Array.from(gmmDenoise(COND_MIX, X, s)))
    }
    expect(m.count('cond')).toBe(3)
    expect(m.count('both')).toBe(0)
  })

  it('returns the unconditional prediction at scale 0', async () => {
    const out = await classifierFreeGuidance(mixtureModel(), { scale: 0 })(X, 1)
    expect(maxAbsDiff(out, gmmDenoise(UNCOND_MIX, X, 1))).toBe(0)
  })

  it('does not modify x', async () => {
    const x = Float64Array.from(X)
    await classifierFreeGuidance(mixtureModel(), { scale: 4 })(x, 1)
    expect(Array.from(x)).toEqual(Array.from(X))
  })

  it.each([-1, -0.001, NaN, Infinity, -Infinity, '7' as unknown as number])('rejects scale %s', (scale) => {
    expect(() => classifierFreeGuidance(mixtureModel(), { scale })).toThrow(EngineInputError)
    expect(() => classifierFreeGuidance(mixtureModel(), { scale })).toThrow(/cfg scale/)
  })

  it('rejects a model output of the wrong length and a bad sigma', async () => {
    const bad = countingModel(
      () => new Float64Array(3),
      () => new Float64Array(4)
    )
    await expect(classifierFreeGuidance(bad, { scale: 3 })(X, 1)).rejects.toThrow(/cfg \(cond\).*3 values/)
    await expect(classifierFreeGuidance(mixtureModel(), { scale: 3 })(X, NaN)).rejects.toThrow(EngineInputError)
    await expect(classifierFreeGuidance(mixtureModel(), { scale: 3 })(X, -1)).rejects.toThrow(/sigma is -1/)
  })
})

describe('conditionalFromPair', () => {
  it('calls each denoiser once for both and only cond for cond', async () => {
    const c = recordingDenoiser((x) => Float64Array.from(x, (v) => v * 2))
    const u = recordingDenoiser((x) => Float64Array.from(x, (v) => v - 1))
    const m = conditionalFromPair(c, u)
    const r = await m.both(X, 1)
    expect(Array.from(r.cond)).toEqual(Array.from(X, (v) => v * 2))
    expect(Array.from(r.uncond)).toEqual(Array.from(X, (v) => v - 1))
    await m.cond(X, 1)
    expect(c.seen.length).toBe(2)
    expect(u.seen.length).toBe(1)
  })
})
