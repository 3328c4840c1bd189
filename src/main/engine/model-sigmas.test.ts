import { describe, expect, it } from 'vitest'
import {
  alphasCumprod,
  betasFor,
  inputScale,
  ModelSigmas,
  modelSigmas,
  modelSigmasFromBetas,
  rescaleZeroTerminalSnr,
  SD_MODEL_CONFIG,
  ZERO_SNR_LAST_ALPHABAR
} from './model-sigmas'
import { EngineInputError } from './types'

describe('beta schedules', () => {
  it('linear runs evenly from beta_start to beta_end', () => {
    const b = betasFor('linear', 5, 0.1, 0.5)
    expect(Array.from(b)).toEqual([0.1, 0.2, 0.30000000000000004, 0.4, 0.5])
  })

  it('scaled_linear is evenly spaced in sqrt(beta)', () => {
    const b = betasFor('scaled_linear', 1000, 0.00085, 0.012)
    expect(b[0]).toBeCloseTo(0.00085, 15)
    expect(b[999]).toBeCloseTo(0.012, 15)
    const r = Array.from(b, Math.sqrt)
    expect(r[500] - r[499]).toBeCloseTo(r[1] - r[0], 14)
  })

  it('squaredcos_cap_v2 follows the cosine alphabar and caps beta at 0.999', () => {
    const T = 1000
    const b = betasFor('squaredcos_cap_v2', T, 0, 0)
    const ab = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2
    expect(b[10]).toBeCloseTo(1 - ab(11 / T) / ab(10 / T), 15)
    expect(b[T - 1]).toBe(0.999)
    // The cumulative product telescopes to alphabar(t)/alphabar(0) until the cap bites.
    expect(alphasCumprod(b)[499]).toBeCloseTo(ab(500 / T) / ab(0), 12)
  })

  it('rejects unknown schedules, bad betas and timestep counts with messages naming the parameter', () => {
    expect(() => betasFor('cosine' as never, 1000, 0.1, 0.2)).toThrow(/beta_schedule.*linear, scaled_linear, squaredcos_cap_v2/)
    expect(() => betasFor('linear', 1000, 0, 0.2)).toThrow(/beta_start/)
    expect(() => betasFor('linear', 1000, 0.1, 1.5)).toThrow(/beta_end/)
    expect(() => betasFor('linear', 1.5, 0.1, 0.2)).toThrow(/num_train_timesteps/)
    expect(() => alphasCumprod([0.1, 1])).toThrow(/betas\[1\]/)
  })
})

describe('SD model table', () => {
  const sd = modelSigmas(SD_MODEL_CONFIG)

  it('spans sigma 0.0292 to 14.6146 ascending, stored as float32 values', () => {
    expect(sd.length).toBe(1000)
    expect(sd.sigmaMin).toBeCloseTo(0.0291675, 6)
    expect(sd.sigmaMax).toBeCloseTo(14.614641, 5)
    for (let i = 1; i < sd.length; i++) expect(sd.sigmas[i]).toBeGreaterThan(sd.sigmas[i - 1])
    for (const s of sd.sigmas) expect(Math.fround(s)).toBe(s)
  })

  it('matches sigma = sqrt((1 - alphabar) / alphabar)', () => {
    const ab = alphasCumprod(betasFor('scaled_linear', 1000, 0.00085, 0.012))
    expect(sd.sigmas[321]).toBeCloseTo(Math.sqrt((1 - ab[321]) / ab[321]), 6)
  })

  it('maps timesteps and sigmas by log-sigma interpolation, exact at table entries', () => {
    expect(sd.tToSigma(250)).toBeCloseTo(sd.sigmas[250], 12)
    expect(sd.sigmaToT(sd.sigmas[250])).toBeCloseTo(250, 9)
    const mid = Math.sqrt(sd.sigmas[250] * sd.sigmas[251]) // geometric mean = halfway in log sigma
    expect(sd.sigmaToT(mid)).toBeCloseTo(250.5, 9)
    expect(sd.tToSigma(250.5)).toBeCloseTo(mid, 9)
    for (const t of [0, 0.3, 17.25, 998.9, 999]) expect(sd.sigmaToT(sd.tToSigma(t))).toBeCloseTo(t, 8)
  })

  it('clamps outside the table and quantizes to the nearest entry on request', () => {
    expect(sd.sigmaToT(1e-4)).toBe(0)
    expect(sd.sigmaToT(1000)).toBe(999)
    expect(sd.tToSigma(-3)).toBe(sd.sigmas[0])
    expect(sd.tToSigma(2000)).toBeCloseTo(sd.sigmas[999], 12)
    expect(sd.sigmaToT(sd.tToSigma(40.4), true)).toBe(40)
    expect(sd.sigmaToT(sd.tToSigma(40.6), true)).toBe(41)
    expect(sd.sigmaToT(1000, true)).toBe(999)
  })

  it('rejects sigmas and timesteps that cannot be mapped', () => {
    expect(() => sd.sigmaToT(0)).toThrow(/sigma/)
    expect(() => sd.sigmaToT(Number.NaN)).toThrow(EngineInputError)
    expect(() => sd.tToSigma(Number.POSITIVE_INFINITY)).toThrow(/timestep/)
  })
})

describe('zero terminal SNR', () => {
  it('keeps the first alphabar, pins the last to the tiny ComfyUI value, and stays monotone', () => {
    const ab = alphasCumprod(betasFor('scaled_linear', 1000, 0.00085, 0.012))
    const z = rescaleZeroTerminalSnr(ab)
    expect(z[0]).toBeCloseTo(ab[0], 15)
    expect(z[999]).toBe(ZERO_SNR_LAST_ALPHABAR)
    // sqrt(alphabar) is an affine map of the original, so the middle is rescaled linearly.
    const s0 = Math.sqrt(ab[0])
    const sT = Math.sqrt(ab[999])
    expect(Math.sqrt(z[500])).toBeCloseTo(((Math.sqrt(ab[500]) - sT) * s0) / (s0 - sT), 14)
    for (let i = 1; i < 1000; i++) expect(z[i]).toBeLessThan(z[i - 1])
  })

  it('gives a terminal sigma of about 4518.8', () => {
    const m = modelSigmas({ ...SD_MODEL_CONFIG, zeroTerminalSnr: true })
    expect(m.sigmaMax).toBeCloseTo(4518.8, 1)
    expect(m.sigmaMin).toBe(modelSigmas(SD_MODEL_CONFIG).sigmaMin)
  })
})

describe('ModelSigmas construction', () => {
  it('needs a positive, strictly ascending table', () => {
    expect(() => new ModelSigmas([1])).toThrow(/at least 2/)
    expect(() => new ModelSigmas([1, 1])).toThrow(/ascending/)
    expect(() => new ModelSigmas([0, 1])).toThrow(/positive/)
  })

  it('builds from trained betas', () => {
    const m = modelSigmasFromBetas([0.1, 0.2, 0.3])
    expect(m.sigmas[0]).toBe(Math.fround(Math.sqrt(0.1 / 0.9)))
  })
})

describe('inputScale', () => {
  it('is 1/sqrt(sigma^2 + 1)', () => {
    expect(inputScale(0)).toBe(1)
    expect(inputScale(Math.sqrt(3))).toBeCloseTo(0.5, 15)
    expect(inputScale(2, 2)).toBeCloseTo(1 / Math.sqrt(8), 15)
  })
})
