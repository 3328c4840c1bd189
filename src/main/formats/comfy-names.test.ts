/**
 * Every sampler name ComfyUI offers (comfy/samplers.py SAMPLER_NAMES at the 2026-01 reference, copied here
 * as data) is accepted as generation parameters — what the CLI, the gallery and presets validate with — and
 * exports to a ComfyUI workflow under the same name; CFG++ samplers go through SamplerCustom.
 */
import { describe, expect, it } from 'vitest'
import { SAMPLER_BY_ID, SAMPLER_IDS } from '../../shared/samplers'
import { validateGenerationParams } from '../../shared/params'
import { toComfyWorkflow } from './comfy-write'

const COMFY_SAMPLER_NAMES = [
  'euler', 'euler_cfg_pp', 'euler_ancestral', 'euler_ancestral_cfg_pp', 'heun', 'heunpp2', 'exp_heun_2_x0', 'exp_heun_2_x0_sde', 'dpm_2', 'dpm_2_ancestral',
  'lms', 'dpm_fast', 'dpm_adaptive', 'dpmpp_2s_ancestral', 'dpmpp_2s_ancestral_cfg_pp', 'dpmpp_sde', 'dpmpp_sde_gpu',
  'dpmpp_2m', 'dpmpp_2m_cfg_pp', 'dpmpp_2m_sde', 'dpmpp_2m_sde_gpu', 'dpmpp_2m_sde_heun', 'dpmpp_2m_sde_heun_gpu', 'dpmpp_3m_sde', 'dpmpp_3m_sde_gpu', 'ddpm', 'lcm',
  'ipndm', 'ipndm_v', 'deis', 'res_multistep', 'res_multistep_cfg_pp', 'res_multistep_ancestral', 'res_multistep_ancestral_cfg_pp',
  'gradient_estimation', 'gradient_estimation_cfg_pp', 'er_sde', 'seeds_2', 'seeds_3', 'sa_solver', 'sa_solver_pece',
  'ddim', 'uni_pc', 'uni_pc_bh2'
]

describe('every ComfyUI sampler name', () => {
  it('is a sampler id here, and nothing else is', () => {
    expect([...SAMPLER_IDS].sort()).toEqual([...COMFY_SAMPLER_NAMES].sort())
  })
  for (const name of COMFY_SAMPLER_NAMES) {
    it(`${name}: accepted as parameters and exported under its own name`, () => {
      const p = validateGenerationParams({ sampler: name, schedule: 'karras' })
      const { workflow } = toComfyWorkflow(p)
      const nodes = Object.values(workflow)
      const select = nodes.find((n) => n.class_type === 'KSampler' || n.class_type === 'KSamplerSelect')!
      expect(select.inputs.sampler_name).toBe(name)
      if (SAMPLER_BY_ID.get(name)!.cfgPP) expect(nodes.map((n) => n.class_type)).toContain('SamplerCustom')
    })
  }
})
