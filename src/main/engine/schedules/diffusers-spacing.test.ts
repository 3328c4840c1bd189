import { describe, expect, it } from 'vitest'
import { modelSigmas, SD_MODEL_CONFIG } from '../model-sigmas'
import { computeSigmas } from './index'

const sd = modelSigmas(SD_MODEL_CONFIG)
const at = (t: number): number => sd.sigmas[t]

describe("diffusers' timestep spacings", () => {
  it('leading: stride floor(T/steps) from 0 plus steps_offset (default 1)', () => {
    expect(Array.from(computeSigmas('leading', 4, sd))).toEqual([at(751), at(501), at(251), at(1), 0])
    expect(Array.from(computeSigmas('leading', 4, sd, { steps_offset: 0 }))).toEqual([at(750), at(500), at(250), at(0), 0])
    expect(() => computeSigmas('leading', 4, sd, { steps_offset: 300 })).toThrow(/use steps_offset <= 249/)
  })

  it('trailing: stride T/steps down from T, rounded half to even, minus 1', () => {
    expect(Array.from(computeSigmas('trailing', 4, sd))).toEqual([at(999), at(749), at(499), at(249), 0])
    // 16 steps: 1000 - 62.5 = 937.5 rounds to 938 (even), 812.5 to 812.
    const s = computeSigmas('trailing', 16, sd)
    expect(s[1]).toBe(at(937))
    expect(s[3]).toBe(at(811))
    expect(s.length).toBe(17)
  })

  it('linspace: evenly from T-1 to 0, interpolated linearly in sigma', () => {
    const s = computeSigmas('linspace', 3, sd)
    expect(s[0]).toBe(at(999))
    expect(s[1]).toBe(Math.fround((at(499) + at(500)) / 2))
    expect(s[2]).toBe(at(0))
    // diffusers' one-step linspace is timestep 0.
    expect(Array.from(computeSigmas('linspace', 1, sd))).toEqual([at(0), 0])
  })

  it('refuses more steps than training timesteps', () => {
    for (const name of ['linspace', 'leading', 'trailing']) {
      expect(() => computeSigmas(name, 1001, sd)).toThrow(/cannot exceed the model's training timesteps/)
    }
  })
})
