/** The family descriptors: complete and self-consistent, and the size-step arithmetic every caller shares. */
import { describe, expect, it } from 'vitest'
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from './catalogue'
import { FAMILIES, familyDefaults, familyLabel, MODEL_FAMILIES, recogniseFamily, sideProblem, sizeStep, snapSide, timeIdsFor, VARIANTS } from './model-family'

describe('model family descriptors', () => {
  it('describe every family completely and consistently', () => {
    expect(MODEL_FAMILIES).toEqual(['sd1', 'sd2', 'sdxl'])
    for (const id of MODEL_FAMILIES) {
      const f = FAMILIES[id]
      expect(f.id).toBe(id)
      expect(f.textEncoders[0]).toBe('text_encoder')
      // A pooled embedding comes from the last encoder, and SDXL-style time ids go with it.
      if (f.pooledEmbeddings) expect(f.textEncoders.length).toBeGreaterThan(1)
      if (f.timeIds > 0) expect(f.pooledEmbeddings).toBe(true)
      expect(f.previewFactors.factors).toHaveLength(f.latentChannels)
      expect(SCHEDULE_BY_ID.has(f.aysSchedule)).toBe(true)
      expect(f.vaeScalingFactor).toBeGreaterThan(0)
      expect(f.attentionHeads.length).toBeGreaterThanOrEqual(f.unetDownsamplings + 1)
      for (const l of f.attentionLevels) expect(l).toBeLessThanOrEqual(f.unetDownsamplings)
      expect(Object.isFrozen(f) && Object.isFrozen(f.previewFactors.factors)).toBe(true)
    }
  })

  it('hold the published figures', () => {
    expect(FAMILIES.sd1.vaeScalingFactor).toBe(0.18215)
    expect(FAMILIES.sd2.vaeScalingFactor).toBe(0.18215)
    expect(FAMILIES.sdxl.vaeScalingFactor).toBe(0.13025)
    expect(FAMILIES.sd1.unetSampleSize * FAMILIES.sd1.vaeFactor).toBe(512)
    expect(FAMILIES.sdxl.unetSampleSize * FAMILIES.sdxl.vaeFactor).toBe(1024)
    expect(FAMILIES.sdxl.textEncoders).toEqual(['text_encoder', 'text_encoder_2'])
    expect(FAMILIES.sdxl.hiddenState).toBe('penultimate')
  })

  it('give each variant settings the engine knows', () => {
    for (const v of Object.values(VARIANTS)) {
      expect(SAMPLER_BY_ID.has(v.sampler)).toBe(true)
      expect(SCHEDULE_BY_ID.has(v.schedule)).toBe(true)
      expect(v.fewStep).toBe(v.steps <= 8)
    }
    expect(familyDefaults('lcm', 512)).toEqual({ steps: 4, cfg: 1, sampler: 'lcm', schedule: 'sgm_uniform', width: 512, height: 512 })
  })

  it('name a model for the picker', () => {
    expect(familyLabel('sdxl', 'turbo')).toBe('SDXL Turbo')
    expect(familyLabel('sd1', 'base')).toBe('SD 1.x')
    expect(familyLabel(null, null)).toBe('unsupported')
  })

  it('make SDXL time ids (original size, crop, target size) and none for SD 1.x', () => {
    expect(timeIdsFor('sdxl', 832, 1216)).toEqual([1216, 832, 0, 0, 1216, 832])
    expect(timeIdsFor('sd1', 512, 512)).toBeUndefined()
  })
})

describe('size step', () => {
  it('is the VAE factor times 2 per UNet down-sampling', () => {
    expect(sizeStep(4, 2)).toBe(16) // the embedded model
    expect(sizeStep(8, 3)).toBe(64) // SD 1.x / 2.x exports
    expect(sizeStep(8, 2)).toBe(32) // SDXL
  })

  it('suggests the two nearest valid sides', () => {
    expect(sideProblem('width', 65, 16)).toBe('width 65 is not a multiple of 16; use 64 or 80')
    expect(sideProblem('width', 72, 16)).toBe('width 72 is not a multiple of 16; use 64 or 80')
    expect(sideProblem('width', 68, 16)).toBe('width 68 is not a multiple of 16; use 64 or 80')
    expect(sideProblem('height', 8, 16)).toMatch(/at least 16/)
    expect(sideProblem('width', 80, 16)).toBeNull()
    expect(snapSide(72, 16)).toBe(80)
    expect(snapSide(3, 16)).toBe(16)
  })
})

describe('recognising a family from what a folder says', () => {
  const base = { pipelineClass: 'StableDiffusionPipeline', hasTextEncoder2: false, nameText: 'my-model' }
  it('tells SD 1.x, SD 2.x and SDXL apart, saying why', () => {
    expect(recogniseFamily({ ...base, crossAttentionDim: 768 })).toEqual({ family: 'sd1', variant: 'base', evidence: ['cross_attention_dim 768 (CLIP ViT-L)'] })
    expect(recogniseFamily({ ...base, crossAttentionDim: 1024, prediction: 'v_prediction' })).toMatchObject({ family: 'sd2', evidence: ['cross_attention_dim 1024 (OpenCLIP ViT-H)', 'v_prediction'] })
    expect(recogniseFamily({ ...base, tokenizerPad: '!' }).family).toBe('sd2')
    expect(recogniseFamily({ ...base, pipelineClass: 'StableDiffusionXLPipeline', hasTextEncoder2: true })).toMatchObject({ family: 'sdxl', evidence: ['two text encoders (text_encoder_2)'] })
    expect(recogniseFamily({ ...base, additionEmbedType: 'text_time' }).family).toBe('sdxl')
  })
  it('recognises LCM and turbo variants', () => {
    expect(recogniseFamily({ ...base, schedulerClass: 'LCMScheduler' }).variant).toBe('lcm')
    expect(recogniseFamily({ ...base, timeCondProjDim: 256 }).variant).toBe('lcm')
    expect(recogniseFamily({ ...base, nameText: 'sdxl-lightning-4step' }).variant).toBe('turbo')
    expect(recogniseFamily({ ...base, nameText: 'dreamlike' }).variant).toBe('base')
  })
})
