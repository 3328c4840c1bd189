/**
 * Sampler group B: DDPM, DDIM, LCM, iPNDM, DEIS, RES multistep, ER-SDE and UniPC, under ComfyUI's
 * KSampler ids. Each lives in its own module beside this one.
 */
import type { Sampler } from '../types'
import { sampleDdim } from './ddim'
import { sampleDdpm } from './ddpm'
import { sampleDeis } from './deis'
import { sampleErSde } from './er-sde'
import { sampleIpndm, sampleIpndmV } from './ipndm'
import { sampleLcm } from './lcm'
import { sampleResMultistep } from './res-multistep'
import { sampleUniPc, sampleUniPcBh2 } from './uni-pc'

export const GROUP_B: Record<string, Sampler> = {
  ddpm: sampleDdpm,
  ddim: sampleDdim,
  lcm: sampleLcm,
  ipndm: sampleIpndm,
  ipndm_v: sampleIpndmV,
  deis: sampleDeis,
  res_multistep: sampleResMultistep,
  er_sde: sampleErSde,
  uni_pc: sampleUniPc,
  uni_pc_bh2: sampleUniPcBh2
}
