import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateGenerationParams, type GenerationParams } from '../../shared/params'
import { comfyWorkflowJson } from './comfy-write'
import { readComfyApiGraph, type ApiGraph } from './comfy-read'
import { uiWorkflowToApiGraph } from './comfy-ui-graph'
import { parseJsonKeepingBigInts } from './types'

const fixture = (name: string): unknown => parseJsonKeepingBigInts(readFileSync(join(__dirname, 'fixtures', name), 'utf8'))

describe('ComfyUI graphs', () => {
  it('follows an API graph from KSampler to prompts, size, sampler, schedule, steps, CFG and an exact 64-bit seed', () => {
    const r = readComfyApiGraph(fixture('comfy-api-txt2img.json') as ApiGraph, 'comfy-api-txt2img.json')
    expect(r.format).toBe('comfy-api')
    expect(r.params).toMatchObject({
      prompt: 'a lighthouse on a cliff, storm, (dramatic light:1.2)',
      negativePrompt: 'blurry, lowres',
      // ComfyUI's _gpu names are ids of their own (src/shared/samplers.ts), run on the CPU here.
      sampler: 'dpmpp_2m_sde_gpu',
      schedule: 'karras',
      steps: 28,
      cfg: 6.5,
      seed: '1011480519381337042',
      width: 512,
      height: 768,
      batchSize: 2
    })
    expect(r.model.name).toBe('dreamshaper_8.safetensors')
    // What it could not carry is said, not dropped.
    expect(r.warnings.join('\n')).toMatch(/LoRA "add_detail.safetensors"/)
    expect(r.warnings.join('\n')).toMatch(/Clip skip/)
  })

  it('reads a UI workflow with SamplerCustom, KSamplerSelect, an AYS scheduler, a primitive seed and a reroute; skips muted nodes', () => {
    const r = readComfyApiGraph(uiWorkflowToApiGraph(fixture('comfy-ui-sampler-custom.json')))
    expect(r.params).toMatchObject({
      prompt: 'isometric diorama of a tiny bakery, soft morning light',
      negativePrompt: 'text, watermark',
      sampler: 'euler_ancestral',
      schedule: 'ays_sdxl',
      steps: 10,
      cfg: 5.5,
      seed: '123456789',
      width: 1024,
      height: 1024
    })
    expect(r.model.name).toBe('sd_xl_base_1.0.safetensors')
    // The muted KSampler is not counted as a second pass.
    expect(r.warnings.join('\n')).not.toMatch(/sampler nodes/)
  })

  it('reports custom nodes on the way instead of failing, and reads the rest', () => {
    const g = fixture('comfy-api-txt2img.json') as ApiGraph
    g['20'] = { class_type: 'SDXLPromptStyler', inputs: { text_positive: 'a fox', text_negative: '', style: 'cinematic', log_prompt: false } }
    g['6'].inputs.text = ['20', 0]
    g['3'].inputs.sampler_name = 'spawner_smea'
    const r = readComfyApiGraph(g)
    expect(r.params.prompt).toBeUndefined()
    expect(r.params.sampler).toBeUndefined()
    expect(r.params.negativePrompt).toBe('blurry, lowres')
    expect(r.params.steps).toBe(28)
    expect(r.warnings.join('\n')).toMatch(/node 20 \(SDXLPromptStyler\)/)
    expect(r.warnings.join('\n')).toMatch(/"spawner_smea" has no Sigma Studio equivalent/)
  })

  it('says clearly when a graph has no sampler node it can read', () => {
    expect(() => readComfyApiGraph({ '1': { class_type: 'SamplerCustomAdvanced', inputs: {} } }, 'x.json')).toThrow(/no KSampler.*SamplerCustomAdvanced/)
  })

  const cases: Array<Partial<GenerationParams>> = [
    { prompt: 'a cat', negativePrompt: 'dog', sampler: 'dpmpp_2m', schedule: 'karras', steps: 25, cfg: 7, seed: '18446744073709551615', width: 640, height: 448 },
    { prompt: 'x, y: z', negativePrompt: '', sampler: 'euler', schedule: 'ays_sd1', steps: 12, cfg: 4.5, seed: '42', width: 512, height: 512, guidance: { rescale: 0.7, interval: null, thresholdPercentile: null, clipSample: null } },
    { prompt: 'heun sde', negativePrompt: 'n', sampler: 'dpmpp_2m_sde_heun', schedule: 'exponential', steps: 30, cfg: 5, seed: '9007199254740993', width: 768, height: 1024 }
  ]
  it.each(cases.map((c, i) => [i, c] as const))('round-trips case %i through our writer and reader (seed exact in the JSON text)', (_, c) => {
    const p = validateGenerationParams(c)
    const { json } = comfyWorkflowJson(p)
    const r = readComfyApiGraph(parseJsonKeepingBigInts(json) as ApiGraph)
    const back = validateGenerationParams({ ...r.params, model: '' })
    for (const k of ['prompt', 'negativePrompt', 'sampler', 'samplerOptions', 'schedule', 'steps', 'cfg', 'seed', 'width', 'height', 'guidance'] as const) expect(back[k], k).toEqual(p[k])
  })
})
