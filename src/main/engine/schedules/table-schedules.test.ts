import { describe, expect, it } from 'vitest'
import { modelSigmas, SD_MODEL_CONFIG } from '../model-sigmas'
import { computeSigmas } from './index'

// simple, normal, sgm_uniform, ddim_uniform: schedules that read the model's own table.
const sd = modelSigmas(SD_MODEL_CONFIG)
const at = (t: number): number => sd.sigmas[t]

describe('simple', () => {
  it('takes every (T/n)-th entry from the top, truncating positions', () => {
    expect(Array.from(computeSigmas('simple', 4, sd))).toEqual([at(999), at(749), at(499), at(249), 0])
    // 1000/3 = 333.33…: positions 0, 333, 666 from the top.
    expect(Array.from(computeSigmas('simple', 3, sd))).toEqual([at(999), at(666), at(333), 0])
  })
})

describe('normal and sgm_uniform', () => {
  it('normal spaces timesteps evenly from T-1 to 0 inclusive', () => {
    const s = computeSigmas('normal', 3, sd)
    expect(s[0]).toBe(at(999))
    expect(s[1]).toBeCloseTo(Math.sqrt(at(499) * at(500)), 12) // t = 499.5: halfway in log sigma
    expect(s[2]).toBe(at(0))
    expect(s[3]).toBe(0)
  })

  it('sgm_uniform spaces steps+1 timesteps and drops sigma_min', () => {
    const s = computeSigmas('sgm_uniform', 4, sd)
    expect(s[0]).toBe(at(999))
    expect(s[1]).toBeCloseTo(sd.tToSigma(749.25), 12)
    expect(s[3]).toBeCloseTo(sd.tToSigma(249.75), 12)
    expect(s.length).toBe(5)
  })
})

describe('ddim_uniform', () => {
  it('picks entries 1, 1+s, … with s = floor(T/steps), top first', () => {
    const s = computeSigmas('ddim_uniform', 4, sd) // stride 250: 1, 251, 501, 751
    expect(Array.from(s)).toEqual([at(751), at(501), at(251), at(1), 0])
  })

  it("keeps ComfyUI's quirks: one step is the second-smallest sigma, and extra entries from the floored stride", () => {
    expect(Array.from(computeSigmas('ddim_uniform', 1, sd))).toEqual([at(1), 0])
    const s = computeSigmas('ddim_uniform', 15, sd) // stride 66: 1 … 991, 16 entries
    expect(s.length).toBe(17)
    expect(s[0]).toBe(at(991))
  })
})
