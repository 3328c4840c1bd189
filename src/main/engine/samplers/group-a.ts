/**
 * Sampler group A: the k-diffusion family as ComfyUI ships it (Euler/Heun/DPM-2 with Karras churn,
 * the ancestral samplers, LMS, DPM-Solver fast/adaptive and the DPM-Solver++ family). One module per
 * method or small family; this file only maps ComfyUI's ids onto them.
 */
import type { Sampler } from '../types'
import { sampleDpm2, sampleDpm2Ancestral } from './dpm2'
import { sampleDpmAdaptive, sampleDpmFast } from './dpm-solver'
import { sampleDpmpp2m } from './dpmpp-2m'
import { sampleDpmpp2sAncestral } from './dpmpp-2s'
import { sampleDpmppSde } from './dpmpp-sde'
import { sampleDpmpp2mSde, sampleDpmpp3mSde } from './dpmpp-sde-multistep'
import { sampleEuler, sampleEulerAncestral } from './euler'
import { sampleHeun, sampleHeunpp2 } from './heun'
import { sampleLms } from './lms'

export const GROUP_A: Record<string, Sampler> = {
  euler: sampleEuler,
  euler_ancestral: sampleEulerAncestral,
  heun: sampleHeun,
  heunpp2: sampleHeunpp2,
  dpm_2: sampleDpm2,
  dpm_2_ancestral: sampleDpm2Ancestral,
  lms: sampleLms,
  dpm_fast: sampleDpmFast,
  dpm_adaptive: sampleDpmAdaptive,
  dpmpp_2s_ancestral: sampleDpmpp2sAncestral,
  dpmpp_sde: sampleDpmppSde,
  dpmpp_2m: sampleDpmpp2m,
  dpmpp_2m_sde: sampleDpmpp2mSde,
  dpmpp_3m_sde: sampleDpmpp3mSde
}
