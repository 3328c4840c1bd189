import { describe, expect, it } from 'vitest'
import { DEFAULT_PARAMS, validateGenerationParams } from './params'
import { migrateParams, PARAMS_MIGRATIONS, PARAMS_VERSION, readVersionedParams, withParamsVersion } from './params-version'

describe('parameter versions and migrations', () => {
  it('has one migration per step up to the current version', () => {
    expect(PARAMS_MIGRATIONS.map((m) => m.from)).toEqual(Array.from({ length: PARAMS_VERSION - 1 }, (_, i) => i + 1))
  })

  it("moves uni_pc's old variant option to the sampler it became, with a note", () => {
    const old = { ...DEFAULT_PARAMS, sampler: 'uni_pc', samplerOptions: { variant: 'bh2', order: 2 } }
    // Version-1 parameters no longer validate as they are …
    expect(() => validateGenerationParams(old)).toThrow(/samplerOptions\.variant: is not an option of uni_pc/)
    // … and migrate to the same maths.
    const { params, notes } = migrateParams(old, 1)
    expect(validateGenerationParams(params)).toMatchObject({ sampler: 'uni_pc_bh2', samplerOptions: { order: 2 } })
    expect(notes).toEqual([expect.stringMatching(/uni_pc_bh2.*same maths/)])
    const bh1 = migrateParams({ sampler: 'uni_pc', samplerOptions: { variant: 'bh1' } }, 1)
    expect(bh1.params).toEqual({ sampler: 'uni_pc', samplerOptions: {} })
    expect(bh1.notes).toEqual([expect.stringMatching(/bh1 is what uni_pc runs/)])
    // A variant that never existed is left for validation to name.
    expect(() => validateGenerationParams(migrateParams({ sampler: 'uni_pc', samplerOptions: { variant: 'bh3' } }, 1).params)).toThrow(/variant/)
  })

  it("drops res_multistep's eta, which never had an effect, with a note", () => {
    for (const sampler of ['res_multistep', 'res_multistep_cfg_pp']) {
      const { params, notes } = migrateParams({ sampler, samplerOptions: { eta: 1, s_noise: 1 } }, 1)
      expect(params).toEqual({ sampler, samplerOptions: { s_noise: 1 } })
      expect(notes).toEqual([expect.stringMatching(new RegExp(`${sampler}'s eta option \\(1\\) was removed: it never had an effect`))])
    }
    // The ancestral form keeps its eta: it uses it.
    expect(migrateParams({ sampler: 'res_multistep_ancestral', samplerOptions: { eta: 0.5 } }, 1)).toEqual({ params: { sampler: 'res_multistep_ancestral', samplerOptions: { eta: 0.5 } }, notes: [] })
  })

  it('leaves current parameters alone and refuses a newer version', () => {
    const p = validateGenerationParams({ sampler: 'uni_pc_bh2' })
    expect(migrateParams(p, PARAMS_VERSION)).toEqual({ params: p, notes: [] })
    expect(() => migrateParams(p, PARAMS_VERSION + 1)).toThrow(/saved by a newer Sigma Studio; update the app/)
    expect(() => migrateParams(p, 0)).toThrow(/whole number from 1 up/)
  })

  it('carries the version inside stored parameters, and reads versionless ones as version 1', () => {
    const p = validateGenerationParams({ sampler: 'uni_pc', steps: 9 })
    const stored = JSON.parse(JSON.stringify(withParamsVersion(p)))
    expect(stored.paramsVersion).toBe(PARAMS_VERSION)
    expect(readVersionedParams(stored)).toEqual({ params: p, notes: [] })
    const old = readVersionedParams({ ...p, samplerOptions: { variant: 'bh2' } })
    expect(old.params).toMatchObject({ sampler: 'uni_pc_bh2', samplerOptions: {} })
  })
})
