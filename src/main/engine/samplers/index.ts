/**
 * The sampler registry: one implementation per sampler descriptor of src/shared/samplers.ts (the ids,
 * names, options and defaults live there; a test fails when a descriptor has no implementation or the
 * reverse). Alias descriptors (`aliasOf`, ComfyUI's `_gpu` names) run their twin's implementation.
 * Adding a sampler = its module, its descriptor, and one line here.
 */
import { SAMPLER_BY_ID, SAMPLER_IDS } from '../../../shared/samplers'
import type { Sampler } from '../types'
import { EngineInputError } from '../types'
import { sampleDdim } from './ddim'
import { sampleDdpm } from './ddpm'
import { sampleDeis } from './deis'
import { sampleDpm2, sampleDpm2Ancestral } from './dpm2'
import { sampleDpmAdaptive, sampleDpmFast } from './dpm-solver'
import { sampleDpmpp2m } from './dpmpp-2m'
import { sampleDpmpp2sAncestral } from './dpmpp-2s'
import { sampleDpmppSde } from './dpmpp-sde'
import { sampleDpmpp2mSde, sampleDpmpp2mSdeHeun, sampleDpmpp3mSde } from './dpmpp-sde-multistep'
import { sampleErSde } from './er-sde'
import { sampleEuler, sampleEulerAncestral } from './euler'
import { sampleHeun, sampleHeunpp2 } from './heun'
import { sampleIpndm, sampleIpndmV } from './ipndm'
import { sampleLcm } from './lcm'
import { sampleLms } from './lms'
import { sampleResMultistep, sampleResMultistepAncestral, sampleResMultistepAncestralCfgPp, sampleResMultistepCfgPp } from './res-multistep'
import { sampleSaSolver, sampleSaSolverPece } from './sa-solver'
import { sampleExpHeun2X0, sampleExpHeun2X0Sde, sampleSeeds2, sampleSeeds3 } from './seeds'
import { sampleDpmpp2mCfgPp, sampleDpmpp2sAncestralCfgPp, sampleEulerAncestralCfgPp, sampleEulerCfgPp, sampleGradientEstimation, sampleGradientEstimationCfgPp } from './cfg-pp'
import { sampleUniPc, sampleUniPcBh2 } from './uni-pc'

/** Implementations by id (alias ids are not listed: they run their twin). */
export const IMPLEMENTATIONS: Readonly<Record<string, Sampler>> = Object.freeze({
  euler: sampleEuler,
  euler_cfg_pp: sampleEulerCfgPp,
  euler_ancestral: sampleEulerAncestral,
  euler_ancestral_cfg_pp: sampleEulerAncestralCfgPp,
  heun: sampleHeun,
  heunpp2: sampleHeunpp2,
  exp_heun_2_x0: sampleExpHeun2X0,
  exp_heun_2_x0_sde: sampleExpHeun2X0Sde,
  dpm_2: sampleDpm2,
  dpm_2_ancestral: sampleDpm2Ancestral,
  lms: sampleLms,
  dpm_fast: sampleDpmFast,
  dpm_adaptive: sampleDpmAdaptive,
  dpmpp_2s_ancestral: sampleDpmpp2sAncestral,
  dpmpp_2s_ancestral_cfg_pp: sampleDpmpp2sAncestralCfgPp,
  dpmpp_sde: sampleDpmppSde,
  dpmpp_2m: sampleDpmpp2m,
  dpmpp_2m_cfg_pp: sampleDpmpp2mCfgPp,
  dpmpp_2m_sde: sampleDpmpp2mSde,
  dpmpp_2m_sde_heun: sampleDpmpp2mSdeHeun,
  dpmpp_3m_sde: sampleDpmpp3mSde,
  ddpm: sampleDdpm,
  lcm: sampleLcm,
  ipndm: sampleIpndm,
  ipndm_v: sampleIpndmV,
  deis: sampleDeis,
  res_multistep: sampleResMultistep,
  res_multistep_cfg_pp: sampleResMultistepCfgPp,
  res_multistep_ancestral: sampleResMultistepAncestral,
  res_multistep_ancestral_cfg_pp: sampleResMultistepAncestralCfgPp,
  gradient_estimation: sampleGradientEstimation,
  gradient_estimation_cfg_pp: sampleGradientEstimationCfgPp,
  er_sde: sampleErSde,
  seeds_2: sampleSeeds2,
  seeds_3: sampleSeeds3,
  sa_solver: sampleSaSolver,
  sa_solver_pece: sampleSaSolverPece,
  ddim: sampleDdim,
  uni_pc: sampleUniPc,
  uni_pc_bh2: sampleUniPcBh2
})

/** Every accepted id (implementations and aliases) with the sampler it runs. */
export const SAMPLERS: Readonly<Record<string, Sampler>> = Object.freeze(
  Object.fromEntries(
    SAMPLER_IDS.filter((id) => Object.prototype.hasOwnProperty.call(IMPLEMENTATIONS, SAMPLER_BY_ID.get(id)?.aliasOf?.id ?? id)).map((id) => [
      id,
      IMPLEMENTATIONS[SAMPLER_BY_ID.get(id)?.aliasOf?.id ?? id]
    ])
  )
)

/** Looks a sampler up by id (an alias gives its twin); an unknown id is an error that lists the known ones. */
export function getSampler(id: string): Sampler {
  const s = typeof id === 'string' && Object.prototype.hasOwnProperty.call(SAMPLERS, id) ? SAMPLERS[id] : undefined
  if (!s) {
    throw new EngineInputError(`unknown sampler "${String(id)}"; known samplers: ${Object.keys(SAMPLERS).join(', ')}`)
  }
  return s
}
