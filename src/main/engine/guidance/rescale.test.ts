import { describe, expect, it } from 'vitest'
import { gmmDenoise } from '../gmm'
import { EngineInputError } from '../types'
import { cfgCombine, classifierFreeGuidance } from './cfg'
import { rescaleGuided } from './rescale'
import { COND_MIX, UNCOND_MIX, maxAbsDiff, mixtureModel, std } from './testing'

// Two rows of 4 (each row = two 2-D mixture points), deliberately different in scale.
const X = Float64Array.from([0.3, -1.2, 2.5, 0.7, 8, -6, 0.1, 4])
const ROW = 4

/** v = (x - (1 + s^2) x0) / (s sqrt(1 + s^2)): v-prediction in the x = x0 + s n form. */
function toV(x: ArrayLike<number>, x0: ArrayLike<number>, s: number): Float64Array {
  return Float64Array.from(x0, (v, i) => (x[i] - (1 + s * s) * v) / (s * Math.sqrt(1 + s * s)))
}

/** The paper's recipe written directly in v space (independent of rescaleGuided's scaled form). */
function referenceRescaleV(x: Float64Array, s: number, c: Float64Array, u: Float64Array, w: number, phi: number): Float64Array {
  const vc = toV(x, c, s)
  const vu = toV(x, u, s)
  const vg = Float64Array.from(vc, (v, i) => vu[i] + w * (v - vu[i]))
  const out = new Float64Array(x.length)
  for (let off = 0; off < x.length; off += ROW) {
    const f = phi * (std(vc, off, ROW) / std(vg, off, ROW)) + (1 - phi)
    for (let j = off; j < off + ROW; j++) {
      const v = f * vg[j]
      out[j] = x[j] / (1 + s * s) - (v * s) / Math.sqrt(1 + s * s)
    }
  }
  return out
}

describe('guidance rescale', () => {
  const sigma = 2.2
  const scale = 9
  const c = gmmDenoise(COND_MIX, X, sigma)
  const u = gmmDenoise(UNCOND_MIX, X, sigma)
  const guided = cfgCombine(c, u, scale)

  it('with phi = 0 equals plain CFG', async () => {
    expect(maxAbsDiff(rescaleGuided(X, sigma, c, guided, 0, ROW), guided)).toBeLessThan(1e-12)
    const plain = await classifierFreeGuidance(mixtureModel(), { scale })(X, sigma)
    const phi0 = await classifierFreeGuidance(mixtureModel(), { scale, rescale: { phi: 0, rowLength: ROW } })(X, sigma)
    expect(maxAbsDiff(phi0, plain)).toBeLessThan(1e-12)
  })

  it('with phi = 1 gives each row the conditional prediction\'s std in v space', async () => {
    const out = await classifierFreeGuidance(mixtureModel(), { scale, rescale: { phi: 1, rowLength: ROW } })(X, sigma)
    const vOut = toV(X, out, sigma)
    const vCond = toV(X, c, sigma)
    const vGuided = toV(X, guided, sigma)
    for (let off = 0; off < X.length; off += ROW) {
      // The guided std really differs, so matching it is not a coincidence.
      expect(Math.abs(std(vGuided, off, ROW) / std(vCond, off, ROW) - 1)).toBeGreaterThan(0.1)
      expect(std(vOut, off, ROW)).toBeCloseTo(std(vCond, off, ROW), 10)
    }
    // Per row, not over the whole batch: the two rows' stds differ.
    expect(Math.abs(std(vCond, 0, ROW) - std(vCond, ROW, ROW))).toBeGreaterThan(0.1)
  })

  it('matches the paper\'s recipe written in v space for phi = 0.7', () => {
    const out = rescaleGuided(X, sigma, c, guided, 0.7, ROW)
    expect(maxAbsDiff(out, referenceRescaleV(X, sigma, c, u, scale, 0.7))).toBeLessThan(1e-12)
    expect(maxAbsDiff(out, guided)).toBeGreaterThan(1e-3)
  })

  it('is defined at sigma = 0 and is the limit of small sigmas there', () => {
    const c0 = gmmDenoise(COND_MIX, X, 0)
    const g0 = cfgCombine(c0, gmmDenoise(UNCOND_MIX, X, 0), scale)
    const at0 = rescaleGuided(X, 0, c0, g0, 0.7, ROW)
    const s = 1e-7
    const cs = gmmDenoise(COND_MIX, X, s)
    const near = rescaleGuided(X, s, cs, cfgCombine(cs, gmmDenoise(UNCOND_MIX, X, s), scale), 0.7, ROW)
    expect(at0.every(Number.isFinite)).toBe(true)
    expect(maxAbsDiff(at0, near)).toBeLessThan(1e-5)
  })

  it('is skipped at scale 1 (one cond pass, output = cond)', async () => {
    const m = mixtureModel()
    const out = await classifierFreeGuidance(m, { scale: 1, rescale: { phi: 0.7, rowLength: ROW } })(X, sigma)
    expect(Array.from(out)).toEqual(Array.from(c))
    expect(m.calls.map((k) => k.kind)).toEqual(['cond'])
  })

  it.each([1.5, -0.1, NaN, Infinity])('rejects phi %s', (phi) => {
    expect(() => classifierFreeGuidance(mixtureModel(), { scale: 7, rescale: { phi, rowLength: ROW } })).toThrow(/guidance rescale phi/)
  })

  it('rejects a bad row length', async () => {
    expect(() => classifierFreeGuidance(mixtureModel(), { scale: 7, rescale: { phi: 0.7, rowLength: 0 } })).toThrow(EngineInputError)
    expect(() => classifierFreeGuidance(mixtureModel(), { scale: 7, rescale: { phi: 0.7, rowLength: 2.5 } })).toThrow(/rowLength/)
    const d = classifierFreeGuidance(mixtureModel(), { scale: 7, rescale: { phi: 0.7, rowLength: 3 } })
    await expect(d(X, 1)).rejects.toThrow(/not a positive multiple of rowLength 3/)
  })
})
