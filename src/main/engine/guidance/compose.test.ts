import { describe, expect, it } from 'vitest'
import { gmmDenoise } from '../gmm'
import { ListNoiseSource } from '../noise'
import { EngineInputError } from '../types'
import { cfgCombine } from './cfg'
import { composeGuidance } from './compose'
import { MODIFIERS, MODIFIER_IDS } from '../../../shared/modifiers'
import { rescaleGuided } from './rescale'
import { dynamicThreshold } from './threshold'
import { COND_MIX, UNCOND_MIX, countingModel, maxAbsDiff, mixtureModel } from './testing'

const X = Float64Array.from([0.3, -1.2, 2.5, 0.7])

describe('composeGuidance', () => {
  it('applies CFG, then rescale, then dynamic thresholding (guidance pushes x0 out of range first)', async () => {
    const sigma = 1.3
    const d = composeGuidance(mixtureModel(), {
      scale: 8,
      rowLength: 4,
      rescalePhi: 0.5,
      dynamicThresholding: { percentile: 0.95 }
    })
    const c = gmmDenoise(COND_MIX, X, sigma)
    const guided = cfgCombine(c, gmmDenoise(UNCOND_MIX, X, sigma), 8)
    const expected = dynamicThreshold(rescaleGuided(X, sigma, c, guided, 0.5, 4), { rowLength: 4, percentile: 0.95 })
    expect(maxAbsDiff(await d(X, sigma), expected)).toBeLessThan(1e-14)
    // the case is not trivial: the unthresholded guided x0 leaves [-1, 1]
    expect(Math.max(...Array.from(guided, Math.abs))).toBeGreaterThan(1)
  })

  it('thresholds before clipping', async () => {
    // cond = uncond = [2, 0.1, ...]: CFG returns it unchanged. Threshold (p = 1): s = 2 -> [1, 0.05];
    // then clip 0.5 -> [0.5, 0.05]. The other order would give [0.5, 0.1].
    const m = countingModel(
      () => Float64Array.from([2, 0.1]),
      () => Float64Array.from([2, 0.1])
    )
    const d = composeGuidance(m, { scale: 3, rowLength: 2, dynamicThresholding: { percentile: 1 }, clipSample: { range: 0.5 } })
    const out = await d(Float64Array.from([0, 0]), 1)
    expect(out[0]).toBe(0.5)
    expect(out[1]).toBeCloseTo(0.05, 15)
  })

  it('injects noise once per call, before both passes see x', async () => {
    const eps = [Float64Array.from([1, -1, 0.5, 2]), Float64Array.from([0, 1, 1, 0])]
    const src = new ListNoiseSource(eps)
    const m = mixtureModel()
    const d = composeGuidance(m, { scale: 5, noiseInjection: { gamma: 0.2, noise: src }, interval: { sigmaLo: 1, sigmaHi: 3 } })
    await d(X, 2) // guided: one `both` pass
    await d(X, 0.5) // outside the interval: one `cond` pass
    expect(src.drawn).toBe(2)
    expect(m.calls.map((c) => c.kind)).toEqual(['both', 'cond'])
    expect(Array.from(m.calls[0].x)).toEqual(Array.from(X, (v, i) => v + 0.2 * 2 * eps[0][i]))
    expect(Array.from(m.calls[1].x)).toEqual(Array.from(X, (v, i) => v + 0.2 * 0.5 * eps[1][i]))
  })

  it('at scale 1 makes one cond pass per call and returns cond', async () => {
    const m = mixtureModel()
    const out = await composeGuidance(m, { scale: 1, rowLength: 4, rescalePhi: 0.7 })(X, 2)
    expect(Array.from(out)).toEqual(Array.from(gmmDenoise(COND_MIX, X, 2)))
    expect(m.calls.map((c) => c.kind)).toEqual(['cond'])
  })

  it('rejects bad settings with the parameter named', () => {
    const m = mixtureModel()
    expect(() => composeGuidance(m, { scale: -2 })).toThrow(/cfg scale/)
    expect(() => composeGuidance(m, { scale: NaN })).toThrow(EngineInputError)
    expect(() => composeGuidance(m, { scale: 7, rescalePhi: 0.7 })).toThrow(/rowLength/)
    expect(() => composeGuidance(m, { scale: 7, dynamicThresholding: { percentile: 0.99 } })).toThrow(/rowLength/)
    expect(() => composeGuidance(m, { scale: 7, rowLength: 4, dynamicThresholding: { percentile: 1.01 } })).toThrow(/percentile/)
    expect(() => composeGuidance(m, { scale: 7, interval: { sigmaLo: 2, sigmaHi: 1 } })).toThrow(/sigmaLo/)
    expect(() => composeGuidance(m, { scale: 7, clipSample: { range: Infinity } })).toThrow(/clip sample range/)
    expect(() => composeGuidance(m, { scale: 7, noiseInjection: { gamma: -1, noise: new ListNoiseSource([]) } })).toThrow(/gamma/)
    expect(() => composeGuidance(m, null as never)).toThrow(/guidance settings/)
    expect(() => composeGuidance({} as never, { scale: 7 })).toThrow(/ConditionalDenoiser/)
  })
})

describe('modifier registry', () => {
  it('lists each modifier once, with a name, a one-line description and sane parameter bounds', () => {
    expect(new Set(MODIFIER_IDS).size).toBe(MODIFIERS.length)
    expect([...MODIFIER_IDS].sort()).toEqual(
      ['cfg', 'cfg_interval', 'cfg_rescale', 'clip_sample', 'dynamic_thresholding', 'ensemble', 'noise_injection', 'temperature'].sort()
    )
    for (const m of MODIFIERS) {
      expect(m.name.length).toBeGreaterThan(0)
      expect(m.description).not.toMatch(/\n/)
      expect(m.description.length).toBeGreaterThan(20)
      for (const p of m.params as readonly { default?: number; min: number; max?: number; minExclusive?: boolean }[]) {
        if (p.default === undefined) continue
        expect(p.minExclusive ? p.default > p.min : p.default >= p.min).toBe(true)
        if (p.max !== undefined) expect(p.default).toBeLessThanOrEqual(p.max)
      }
    }
  })

  it('is plain data (survives a JSON round trip unchanged)', () => {
    expect(JSON.parse(JSON.stringify(MODIFIERS))).toEqual(MODIFIERS)
  })
})
