import { describe, expect, it } from 'vitest'
import { batchSeeds, DEFAULT_PARAMS, ParamsError, parseSeed, resolveGenerationDefaults, validateGenerationParams } from './params'

function err(raw: unknown): ParamsError {
  try {
    validateGenerationParams(raw)
  } catch (e) {
    if (e instanceof ParamsError) return e
    throw e
  }
  throw new Error('expected a ParamsError')
}

describe('generation parameters', () => {
  it('fills defaults for a minimal request', () => {
    const p = validateGenerationParams({ prompt: 'red apple' })
    expect(p).toEqual({ ...DEFAULT_PARAMS, prompt: 'red apple' })
  })

  it('keeps 64-bit seeds exact as strings', () => {
    expect(parseSeed('18446744073709551615')).toBe('18446744073709551615')
    expect(parseSeed(1234)).toBe('1234')
    expect(() => parseSeed('18446744073709551616')).toThrow(/below 2\^64/)
    expect(() => parseSeed(-1)).toThrow(/from 0 up/)
    expect(() => parseSeed(1.5)).toThrow(ParamsError)
  })

  it('names the bad field and what to do', () => {
    expect(err({ sampler: 'nope' }).field).toBe('sampler')
    expect(err({ sampler: 'nope' }).message).toMatch(/choose one of .*euler/)
    expect(err({ schedule: 'nope' }).field).toBe('schedule')
    expect(err({ steps: 0 }).field).toBe('steps')
    expect(err({ steps: 2.5 }).message).toMatch(/whole number/)
    expect(err({ width: 500 }).message).toMatch(/500 is not a multiple of 8; use 496 or 504/)
    expect(err({ cfg: Number.NaN }).field).toBe('cfg')
    expect(err({ cfg_scale: 7 }).field).toBe('cfg_scale')
    expect(err({ guidance: { rescale: 2 } }).field).toBe('guidance.rescale')
    expect(err({ guidance: { interval: [5, 1] } }).field).toBe('guidance.interval')
    expect(err({ samplerOptions: { eta: 1 } }).field).toBe('samplerOptions.eta') // euler takes no eta
    expect(err({ sampler: 'euler_ancestral', samplerOptions: { eta: 'x' } }).field).toBe('samplerOptions.eta')
    expect(err({ scheduleParams: { rho: 'x' }, schedule: 'karras' }).field).toBe('scheduleParams.rho')
    expect(err({ img2img: { image: 'a.png', strength: 1.5 } }).field).toBe('img2img.strength')
    expect(err(null).field).toBe('(params)')
  })

  it('accepts sampler options the sampler takes', () => {
    const p = validateGenerationParams({ sampler: 'dpmpp_2m_sde', samplerOptions: { eta: 0.5, solver_type: 'heun' } })
    expect(p.samplerOptions).toEqual({ eta: 0.5, solver_type: 'heun' })
  })
})

describe('batch seeds', () => {
  it('counts up from the seed and wraps below 2^64', () => {
    expect(batchSeeds('41', 3)).toEqual(['41', '42', '43'])
    expect(batchSeeds('18446744073709551615', 2)).toEqual(['18446744073709551615', '0'])
  })
})

describe('hostile parameter values', () => {
  const bad = (raw: Record<string, unknown>): string => {
    try {
      validateGenerationParams({ ...raw })
    } catch (e) {
      expect(e).toBeInstanceOf(ParamsError)
      return (e as Error).message
    }
    throw new Error(`accepted ${JSON.stringify(raw)}`)
  }

  it('option names that every object has ("__proto__", "constructor") are refused, not looked up', () => {
    expect(bad({ samplerOptions: JSON.parse('{"__proto__": 1}') })).toBe('samplerOptions.__proto__: is not a valid option name')
    expect(bad({ samplerOptions: { constructor: 1 } })).toBe('samplerOptions.constructor: is not a valid option name')
    expect(bad({ scheduleParams: JSON.parse('{"__proto__": {"rho": 1}}') })).toMatch(/scheduleParams\.__proto__: is not a valid option name/)
    expect(bad({ samplerOptions: { toString: 1 } })).toMatch(/is not a valid option name/)
  })

  it('schedule parameters outside what the numerics can take', () => {
    expect(bad({ schedule: 'karras', scheduleParams: { sigma_min: -1 } })).toBe('scheduleParams.sigma_min: must be between 0 and 10000, got -1')
    expect(bad({ schedule: 'karras', scheduleParams: { sigma_min: 0 } })).toMatch(/sigma_min: must be above 0/)
    expect(bad({ schedule: 'karras', scheduleParams: { rho: 0 } })).toBe('scheduleParams.rho: must be above 0 (at most 1000), got 0')
    expect(bad({ schedule: 'karras', scheduleParams: { sigma_min: 5, sigma_max: 1 } })).toMatch(/sigma_min: 5 is not below sigma_max 1/)
    expect(bad({ schedule: 'beta', scheduleParams: { alpha: 0 } })).toMatch(/alpha: must be above 0/)
    expect(bad({ sampler: 'euler_ancestral', samplerOptions: { eta: -1 } })).toMatch(/eta: must be between 0 and 100/)
    expect(validateGenerationParams({ schedule: 'karras', scheduleParams: { rho: 7, sigma_min: 0.03, sigma_max: 14.6 } }).scheduleParams).toEqual({ rho: 7, sigma_min: 0.03, sigma_max: 14.6 })
  })
})

describe('resolveGenerationDefaults', () => {
  it('lays the given fields over the model defaults over DEFAULT_PARAMS, guidance and noise field by field', () => {
    const r = resolveGenerationDefaults({ prompt: 'p', steps: undefined, guidance: { rescale: 0.5 } }, { steps: 4, cfg: 1, sampler: 'lcm', schedule: 'sgm_uniform', width: 512, height: 512 })
    expect(r).toMatchObject({ prompt: 'p', steps: 4, cfg: 1, sampler: 'lcm', schedule: 'sgm_uniform', seed: DEFAULT_PARAMS.seed, batchSize: 1, img2img: null })
    expect(r.guidance).toEqual({ ...DEFAULT_PARAMS.guidance, rescale: 0.5 })
    expect(r.noise).toEqual(DEFAULT_PARAMS.noise)
    // The result is complete: it validates as it is.
    expect(validateGenerationParams(r)).toEqual(r)
  })
})
