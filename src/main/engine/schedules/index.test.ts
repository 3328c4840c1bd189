import { describe, expect, it } from 'vitest'
import { SCHEDULE_BY_ID, SCHEDULE_IDS } from '../../../shared/catalogue'
import { modelSigmas, SD_MODEL_CONFIG, type ModelSigmasConfig } from '../model-sigmas'
import { EngineInputError } from '../types'
import { computeSigmas, getSchedule, resolveParams, SCHEDULE_NAMES, SCHEDULES } from './index'

const MODELS: Record<string, ModelSigmasConfig> = {
  scaled_linear: SD_MODEL_CONFIG,
  linear: { betaSchedule: 'linear', numTrainTimesteps: 1000, betaStart: 0.0001, betaEnd: 0.02 },
  squaredcos_cap_v2: { betaSchedule: 'squaredcos_cap_v2', numTrainTimesteps: 1000 },
  zsnr: { ...SD_MODEL_CONFIG, zeroTerminalSnr: true }
}
const sd = modelSigmas(SD_MODEL_CONFIG)

describe('schedule registry', () => {
  it('lists the same ids as the shared catalogue', () => {
    expect([...SCHEDULE_NAMES].sort()).toEqual([...SCHEDULE_IDS].sort())
  })

  it('registers each schedule under its own id; descriptions and parameters come from the shared descriptors', () => {
    for (const name of SCHEDULE_NAMES) {
      const def = SCHEDULES[name]
      expect(def.id).toBe(name)
      expect(SCHEDULE_BY_ID.get(name)!.description.length).toBeGreaterThan(10)
    }
    expect(resolveParams(SCHEDULES.karras)).toEqual({ rho: 7 })
    expect(resolveParams(SCHEDULES.beta)).toEqual({ alpha: 0.6, beta: 0.6 })
    expect(resolveParams(SCHEDULES.leading)).toEqual({ steps_offset: 1 })
  })
})

describe('every schedule x steps 1..50 x model', () => {
  for (const [modelName, config] of Object.entries(MODELS)) {
    const model = modelSigmas(config)
    it(`is strictly descending, finite, ends in 0 and has the expected length (${modelName})`, () => {
      // Step ranges of the schedules that have one (their nodes' limits).
      const minSteps: Record<string, number> = { gits: 2, ays_a1111_sd1: 2, ays_a1111_sdxl: 2, optimal_steps_flux: 3, optimal_steps_wan: 3, optimal_steps_chroma: 3 }
      for (const name of SCHEDULE_NAMES) {
        for (let steps = minSteps[name] ?? 1; steps <= (name === 'sd_turbo' ? 10 : 50); steps++) {
          const s = computeSigmas(name, steps, model)
          if (name === 'laplace') {
            // ComfyUI's LaplaceScheduler: exactly `steps` values, no 0; clamping can repeat the ends.
            expect(s.length).toBe(steps)
            for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1])
            continue
          }
          expect(s[s.length - 1]).toBe(0)
          for (let i = 1; i < s.length; i++) {
            if (!(s[i] < s[i - 1])) throw new Error(`${name} at ${steps} steps: s[${i}] = ${s[i]} >= s[${i - 1}] = ${s[i - 1]}`)
          }
          for (const v of s) expect(Number.isFinite(v)).toBe(true)
          if (name === 'ddim_uniform') expect(s.length).toBeGreaterThanOrEqual(steps + 1)
          else if (name === 'beta') expect(s.length).toBeLessThanOrEqual(steps + 1)
          else expect(s.length).toBe(steps + 1)
          // Schedules that start at the top of the model's range do so.
          if (['simple', 'normal', 'sgm_uniform', 'karras', 'exponential', 'polyexponential', 'beta', 'beta_a1111', 'linear_quadratic', 'kl_optimal', 'trailing'].includes(name)) {
            expect(Math.abs(s[0] / model.sigmaMax - 1)).toBeLessThan(1e-10)
          }
          // Nothing ever goes above the model's largest sigma, except the published tables and vp, which ignore the model.
          if (!['ays_sd1', 'ays_sdxl', 'ays_svd', 'ays_a1111_sd1', 'ays_a1111_sdxl', 'vp'].includes(name)) expect(s[0]).toBeLessThanOrEqual(model.sigmaMax * (1 + 1e-12))
        }
      }
    })
  }
})

describe('computeSigmas input checks', () => {
  it('rejects an unknown name, listing the known ones', () => {
    expect(() => computeSigmas('karas', 10, sd)).toThrow(EngineInputError)
    expect(() => computeSigmas('karas', 10, sd)).toThrow(/unknown schedule "karas"; known schedules: simple, sgm_uniform, normal/)
    expect(() => getSchedule('toString')).toThrow(/unknown schedule/)
  })

  it('rejects step counts that are not whole numbers from 1 to MAX_STEPS', () => {
    for (const steps of [0, -3, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => computeSigmas('karras', steps, sd)).toThrow(/steps must be a whole number of at least 1/)
    }
    expect(() => computeSigmas('karras', 10001, sd)).toThrow(/at most 10000/)
  })

  it('rejects unknown and out-of-range parameters, naming them', () => {
    expect(() => computeSigmas('karras', 10, sd, { rh0: 7 })).toThrow(/schedule "karras" has no parameter "rh0"; it accepts rho, sigma_min, sigma_max/)
    expect(() => computeSigmas('simple', 10, sd, { rho: 7 })).toThrow(/it takes no parameters/)
    expect(() => computeSigmas('karras', 10, sd, { rho: 0 })).toThrow(/parameter rho must be greater than 0/)
    expect(() => computeSigmas('karras', 10, sd, { rho: Number.NaN })).toThrow(/rho must be a finite number/)
    expect(() => computeSigmas('beta', 10, sd, { alpha: -1 })).toThrow(/parameter alpha/)
    expect(() => computeSigmas('beta', 10, sd, { beta: 51 })).toThrow(/parameter beta must be at most 50/)
    expect(() => computeSigmas('linear_quadratic', 10, sd, { threshold_noise: 1.5 })).toThrow(/threshold_noise/)
    expect(() => computeSigmas('linear_quadratic', 10, sd, { linear_steps: 2.5 })).toThrow(/linear_steps must be a whole number/)
    expect(() => computeSigmas('linear_quadratic', 10, sd, { linear_steps: 10 })).toThrow(/linear_steps must be between 1 and steps - 1/)
    expect(() => computeSigmas('leading', 10, sd, { steps_offset: -1 })).toThrow(/steps_offset must be at least 0/)
    expect(() => computeSigmas('karras', 10, sd, { sigma_min: 20 })).toThrow(/sigma_max .* must be finite and larger than sigma_min/)
    expect(() => computeSigmas('exponential', 10, sd, { sigma_min: 0 })).toThrow(/sigma_min must be greater than 0/)
  })

  it('rejects a bad model', () => {
    expect(() => computeSigmas('karras', 10, { sigmaMin: 2, sigmaMax: 1 })).toThrow(/0 < sigmaMin < sigmaMax/)
    expect(() => computeSigmas('karras', 10, null as never)).toThrow(/model must be/)
  })

  it('needs a full table for table-based schedules but only a range for the others', () => {
    const range = { sigmaMin: 0.002, sigmaMax: 80 }
    expect(() => computeSigmas('simple', 10, range)).toThrow(/reads the model's sigma table/)
    const k = computeSigmas('karras', 3, range)
    expect(k[0]).toBeCloseTo(80, 12)
    expect(k[2]).toBeCloseTo(0.002, 15)
    // Table schedules return float32 values, as ComfyUI's nodes do.
    expect(computeSigmas('ays_sd1', 10, range)[0]).toBe(Math.fround(14.6146412293))
    expect(computeSigmas('vp', 3, undefined)[3]).toBe(0)
  })

  it('lets params override the model range for range-based schedules', () => {
    const s = computeSigmas('exponential', 2, sd, { sigma_min: 0.1, sigma_max: 10 })
    expect(Array.from(s)).toEqual([expect.closeTo(10, 12), expect.closeTo(0.1, 14), 0])
  })
})
