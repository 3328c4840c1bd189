import { describe, expect, it } from 'vitest'
import { modelSigmas, SD_MODEL_CONFIG } from '../model-sigmas'
import { AYS_SIGMAS, AYS_TIMESTEPS, logLinearResample } from './ays'
import { computeSigmas } from './index'

const sd = modelSigmas(SD_MODEL_CONFIG)

describe('Align Your Steps tables', () => {
  it('are the SD model sigmas at the published timesteps', () => {
    for (const key of ['sd1', 'sdxl'] as const) {
      AYS_TIMESTEPS[key].forEach((t, i) => expect(Math.abs(AYS_SIGMAS[key][i] / sd.sigmas[t] - 1)).toBeLessThan(1e-6))
    }
  })

  it('at 10 steps are the published table (in float32, as the node returns it) with its last value replaced by 0', () => {
    expect(Array.from(computeSigmas('ays_sd1', 10, sd))).toEqual([...AYS_SIGMAS.sd1.slice(0, 10).map(Math.fround), 0])
    expect(Array.from(computeSigmas('ays_sdxl', 10, sd))).toEqual([...AYS_SIGMAS.sdxl.slice(0, 10).map(Math.fround), 0])
  })

  it('interpolate log-linearly for other step counts (SD1 at 20 steps, SCHEDULES.md 3.1)', () => {
    const s = computeSigmas('ays_sd1', 20, sd)
    expect(s.length).toBe(21)
    const want = [14.6146, 9.72747, 6.47458, 5.00157, 3.86368, 3.22663, 2.69462]
    want.forEach((v, i) => expect(s[i]).toBeCloseTo(v, 4))
    expect(s[18]).toBeCloseTo(0.151523, 6)
    expect(s[19]).toBeCloseTo(0.066479, 6)
    expect(s[20]).toBe(0)
    // Every other point of the 20-step grid lands on a published one.
    expect(s[2]).toBe(Math.fround(AYS_SIGMAS.sd1[1]))
  })

  it('denoise keeps the last round(steps × denoise) steps, rounding halves to even', () => {
    const full = computeSigmas('ays_sd1', 10, sd)
    expect(Array.from(computeSigmas('ays_sd1', 10, sd, { denoise: 0.5 }))).toEqual([...Array.from(full.slice(5, 10)), 0])
    expect(computeSigmas('ays_sd1', 5, sd, { denoise: 0.5 }).length).toBe(3) // round(2.5) = 2
    expect(computeSigmas('ays_sd1', 7, sd, { denoise: 0.5 }).length).toBe(5) // round(3.5) = 4
    expect(() => computeSigmas('ays_sd1', 1, sd, { denoise: 0.2 })).toThrow(/keeps no step/)
  })

  it('logLinearResample keeps the ends and the geometric mean between neighbours', () => {
    const r = logLinearResample([100, 1], 3)
    expect(Array.from(r)).toEqual([expect.closeTo(100, 12), expect.closeTo(10, 12), expect.closeTo(1, 14)])
  })
})
