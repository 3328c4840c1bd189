import { describe, expect, it } from 'vitest'
import { gmmDenoise } from '../gmm'
import { EngineInputError } from '../types'
import { classifierFreeGuidance } from './cfg'
import { inGuidanceInterval, validateInterval } from './interval'
import { COND_MIX, mixtureModel } from './testing'

const X = Float64Array.from([0.3, -1.2, 2.5, 0.7])

describe('guidance interval', () => {
  it('guides only for sigmas in the closed interval, one pass each', async () => {
    const m = mixtureModel()
    const d = classifierFreeGuidance(m, { scale: 6, interval: { sigmaLo: 0.8, sigmaHi: 6 } })
    const sigmas = [10, 6, 3, 0.8, 0.5, 0]
    for (const s of sigmas) {
      const out = await d(X, s)
      const cond = gmmDenoise(COND_MIX, X, s)
      const guided = s >= 0.8 && s <= 6
      if (!guided) expect(Array.from(out)).toEqual(Array.from(cond))
      else expect(Array.from(out)).not.toEqual(Array.from(cond))
    }
    expect(m.calls.map((c) => `${c.sigma}:${c.kind}`)).toEqual(['10:cond', '6:both', '3:both', '0.8:both', '0.5:cond', '0:cond'])
  })

  it('guides everywhere without an interval and with sigmaHi = Infinity', async () => {
    const m = mixtureModel()
    const d = classifierFreeGuidance(m, { scale: 6, interval: { sigmaLo: 0, sigmaHi: Infinity } })
    for (const s of [1e4, 1, 0]) await d(X, s)
    expect(m.count('both')).toBe(3)
    expect(inGuidanceInterval(123, undefined)).toBe(true)
  })

  it.each([
    [{ sigmaLo: 3, sigmaHi: 1 }, /larger than sigmaHi/],
    [{ sigmaLo: -0.1, sigmaHi: 1 }, /sigmaLo/],
    [{ sigmaLo: NaN, sigmaHi: 1 }, /sigmaLo/],
    [{ sigmaLo: Infinity, sigmaHi: Infinity }, /sigmaLo/],
    [{ sigmaLo: 0, sigmaHi: NaN }, /sigmaHi/],
    [{ sigmaLo: 0, sigmaHi: -Infinity }, /sigmaHi/]
  ])('rejects %o', (interval, msg) => {
    expect(() => validateInterval(interval)).toThrow(EngineInputError)
    expect(() => classifierFreeGuidance(mixtureModel(), { scale: 5, interval })).toThrow(msg)
  })
})
