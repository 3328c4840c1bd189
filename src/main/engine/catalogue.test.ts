/** The shared descriptors and the engine's registries must list exactly the same ids. */
import { describe, expect, it } from 'vitest'
import { SAMPLERS as SAMPLER_INFO, SAMPLER_IDS, SCHEDULE_IDS, resolveSamplerName, resolveScheduleName } from '../../shared/catalogue'
import { IMPLEMENTATIONS, SAMPLERS } from './samplers/index'
import { SCHEDULES } from './schedules/index'

describe('catalogue', () => {
  it('has an implementation for every sampler descriptor that is not an alias, and a descriptor for every implementation', () => {
    const implemented = SAMPLER_INFO.filter((s) => !s.aliasOf).map((s) => s.id)
    expect([...implemented].sort()).toEqual(Object.keys(IMPLEMENTATIONS).sort())
  })
  it('points every alias at an implemented sampler with the same options', () => {
    for (const s of SAMPLER_INFO.filter((x) => x.aliasOf)) {
      expect(Object.keys(IMPLEMENTATIONS)).toContain(s.aliasOf!.id)
      const twin = SAMPLER_INFO.find((x) => x.id === s.aliasOf!.id)!
      expect(s.options).toEqual(twin.options)
      expect(s.aliasOf!.note.length).toBeGreaterThan(20)
    }
    expect([...SAMPLER_IDS].sort()).toEqual(Object.keys(SAMPLERS).sort())
  })
  it('lists every engine schedule and nothing else', () => {
    expect([...SCHEDULE_IDS].sort()).toEqual(Object.keys(SCHEDULES).sort())
  })
  it('resolves A1111 names, older "Karras" names, ComfyUI variants and diffusers classes', () => {
    expect(resolveSamplerName('DPM++ 2M')).toEqual({ sampler: 'dpmpp_2m' })
    expect(resolveSamplerName('Euler a')).toEqual({ sampler: 'euler_ancestral' })
    expect(resolveSamplerName('k_euler_a')).toEqual({ sampler: 'euler_ancestral' })
    expect(resolveSamplerName('DPM++ 2M Karras')).toEqual({ sampler: 'dpmpp_2m', schedule: 'karras' })
    expect(resolveSamplerName('DPM++ 2M SDE Heun')).toEqual({ sampler: 'dpmpp_2m_sde_heun' })
    expect(resolveSamplerName('dpmpp_2m_sde_gpu')).toEqual({ sampler: 'dpmpp_2m_sde_gpu' })
    expect(resolveSamplerName('EulerAncestralDiscreteScheduler')).toEqual({ sampler: 'euler_ancestral' })
    expect(resolveSamplerName('DPMSolverMultistepScheduler')).toEqual({ sampler: 'dpmpp_2m' })
    expect(resolveSamplerName('UniPCMultistepScheduler')).toEqual({ sampler: 'uni_pc_bh2' })
    expect(resolveSamplerName('PNDMScheduler')?.sampler).toBe('ipndm')
    expect(resolveSamplerName('uni_pc')).toEqual({ sampler: 'uni_pc' })
    expect(resolveSamplerName('no such sampler')).toBeUndefined()
    expect(resolveScheduleName('Karras')).toBe('karras')
    expect(resolveScheduleName('Uniform')).toBe('normal')
    expect(resolveScheduleName('use_karras_sigmas')).toBe('karras')
    expect(resolveScheduleName('Align Your Steps', 'sdxl')).toBe('ays_sdxl')
    expect(resolveScheduleName('Align Your Steps')).toBe('ays_sd1')
    expect(resolveScheduleName('SGM Uniform')).toBe('sgm_uniform')
    expect(resolveScheduleName('nope')).toBeUndefined()
  })
  it('resolves every catalogue id and display name to itself', () => {
    for (const s of SAMPLER_INFO) {
      expect(resolveSamplerName(s.id)?.sampler).toBe(s.id)
      expect(resolveSamplerName(s.displayName)?.sampler).toBe(s.id)
    }
    for (const id of SCHEDULE_IDS) expect(resolveScheduleName(id)).toBe(id)
  })
})
