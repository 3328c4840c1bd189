/** The shared catalogue and the engine's registries must list exactly the same ids. */
import { describe, expect, it } from 'vitest'
import { SAMPLER_IDS, SCHEDULE_IDS, resolveSamplerName, resolveScheduleName } from '../../shared/catalogue'
import { SAMPLERS } from './samplers/index'
import { SCHEDULES } from './schedules/index'

describe('catalogue', () => {
  it('lists every engine sampler and nothing else', () => {
    expect([...SAMPLER_IDS].sort()).toEqual(Object.keys(SAMPLERS).sort())
  })
  it('lists every engine schedule and nothing else', () => {
    expect([...SCHEDULE_IDS].sort()).toEqual(Object.keys(SCHEDULES).sort())
  })
  it('resolves A1111 names, older "Karras" names, ComfyUI variants and diffusers classes', () => {
    expect(resolveSamplerName('DPM++ 2M')).toEqual({ sampler: 'dpmpp_2m' })
    expect(resolveSamplerName('Euler a')).toEqual({ sampler: 'euler_ancestral' })
    expect(resolveSamplerName('DPM++ 2M Karras')).toEqual({ sampler: 'dpmpp_2m', schedule: 'karras' })
    expect(resolveSamplerName('DPM++ 2M SDE Heun')).toEqual({ sampler: 'dpmpp_2m_sde', options: { solver_type: 'heun' } })
    expect(resolveSamplerName('dpmpp_2m_sde_heun')?.options).toEqual({ solver_type: 'heun' })
    expect(resolveSamplerName('EulerAncestralDiscreteScheduler')).toEqual({ sampler: 'euler_ancestral' })
    expect(resolveSamplerName('DPMSolverMultistepScheduler')).toEqual({ sampler: 'dpmpp_2m' })
    expect(resolveSamplerName('PNDMScheduler')?.sampler).toBe('ipndm')
    expect(resolveSamplerName('uni_pc')).toEqual({ sampler: 'uni_pc' })
    expect(resolveSamplerName('no such sampler')).toBeUndefined()
    expect(resolveScheduleName('Karras')).toBe('karras')
    expect(resolveScheduleName('Uniform')).toBe('normal')
    expect(resolveScheduleName('Align Your Steps', 'sdxl')).toBe('ays_sdxl')
    expect(resolveScheduleName('Align Your Steps')).toBe('ays_sd1')
    expect(resolveScheduleName('SGM Uniform')).toBe('sgm_uniform')
    expect(resolveScheduleName('nope')).toBeUndefined()
  })
  it('resolves every catalogue id and display name to itself', () => {
    for (const id of SAMPLER_IDS) expect(resolveSamplerName(id)?.sampler).toBe(id)
    for (const id of SCHEDULE_IDS) expect(resolveScheduleName(id)).toBe(id)
  })
})
