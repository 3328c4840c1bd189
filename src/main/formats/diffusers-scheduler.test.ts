import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateGenerationParams } from '../../shared/params'
import { readSchedulerConfig, writeSchedulerConfig } from './diffusers-scheduler'

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'))

describe('diffusers scheduler_config.json', () => {
  it("reads SD 1.5's PNDM config: leading spacing (PNDM's default) with steps_offset 1", () => {
    const r = readSchedulerConfig(fixture('sd15-scheduler_config.json'))
    expect(r.params).toMatchObject({ sampler: 'ipndm', schedule: 'leading', scheduleParams: { steps_offset: 1 } })
    expect(r.modelSettings).toMatchObject({ predictionType: 'epsilon', betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012, zeroTerminalSnr: false, trainedBetas: null })
    expect(r.warnings.join()).toMatch(/iPNDM/)
  })

  it("reads SDXL's Euler config and the flags that change the schedule and guidance", () => {
    expect(readSchedulerConfig(fixture('sdxl-scheduler_config.json')).params).toMatchObject({ sampler: 'euler', schedule: 'leading', scheduleParams: { steps_offset: 1 } })
    const k = readSchedulerConfig({ _class_name: 'DPMSolverMultistepScheduler', use_karras_sigmas: true, algorithm_type: 'sde-dpmsolver++', solver_type: 'heun' })
    expect(k.params).toMatchObject({ sampler: 'dpmpp_2m_sde_heun', schedule: 'karras' })
    const z = readSchedulerConfig({ _class_name: 'DDIMScheduler', prediction_type: 'v_prediction', rescale_betas_zero_snr: true, timestep_spacing: 'trailing', clip_sample: true, clip_sample_range: 1.5, thresholding: true, dynamic_thresholding_ratio: 0.99 })
    expect(z.params).toMatchObject({ sampler: 'ddim', schedule: 'trailing', guidance: { clipSample: 1.5, thresholdPercentile: 0.99 } })
    expect(z.modelSettings).toMatchObject({ predictionType: 'v_prediction', zeroTerminalSnr: true })
    const u = readSchedulerConfig({ _class_name: 'UniPCMultistepScheduler', final_sigmas_type: 'sigma_min', use_beta_sigmas: true })
    expect(u.params).toMatchObject({ sampler: 'uni_pc_bh2', schedule: 'beta' })
    expect(u.warnings.join('\n')).toMatch(/sigma_min/)
    expect(u.warnings.join('\n')).toMatch(/linearly between sigma_min and sigma_max/)
    expect(readSchedulerConfig({ _class_name: 'EulerDiscreteScheduler', trained_betas: [0.001, 0.002] }).warnings.join()).toMatch(/2 trained betas/)
  })

  it.each([
    ['euler', 'karras'],
    ['dpmpp_2m', 'exponential'],
    ['dpmpp_3m_sde', 'trailing'],
    ['uni_pc', 'linspace'],
    ['ddim', 'leading']
  ])('round-trips %s + %s, keeping the model part of the base config', (sampler, schedule) => {
    const p = validateGenerationParams({ sampler, schedule })
    const base = fixture('sdxl-scheduler_config.json') as Record<string, unknown>
    const { json, warnings } = writeSchedulerConfig(p, base)
    expect(warnings).toEqual([])
    expect(json.beta_schedule).toBe('scaled_linear')
    const r = readSchedulerConfig(json)
    expect(r.params.sampler).toBe(sampler)
    expect(r.params.schedule).toBe(schedule)
  })

  it('refuses samplers diffusers has no scheduler for', () => {
    expect(() => writeSchedulerConfig(validateGenerationParams({ sampler: 'ipndm_v' }))).toThrow(/no diffusers scheduler/)
  })
})
