import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateGenerationParams } from '../../shared/params'
import { readInvokeAiDream, readInvokeAiLegacy, readInvokeAiMetadata, writeInvokeAiMetadata } from './invokeai'

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'))

describe('InvokeAI metadata', () => {
  it('reads invokeai_metadata: "_k" names are Karras', () => {
    const r = readInvokeAiMetadata(fixture('invokeai-metadata.json'))
    expect(r.params).toMatchObject({ prompt: 'portrait of an old sailor, oil painting, visible brush strokes', negativePrompt: 'photo, 3d render', sampler: 'dpmpp_2m', schedule: 'karras', steps: 30, cfg: 6, seed: '2891004415', width: 832, height: 1216 })
    expect(r.model.name).toBe('Juggernaut XL v9')
    expect(r.warnings).toEqual([])
  })

  it('reads plain scheduler names as the model spacing and says so; refuses names it has no sampler for', () => {
    const r = readInvokeAiMetadata({ positive_prompt: 'p', scheduler: 'euler_a', steps: 20 })
    expect(r.params).toMatchObject({ sampler: 'euler_ancestral', schedule: 'leading' })
    expect(r.warnings.join()).toMatch(/leading/)
    const t = readInvokeAiMetadata({ positive_prompt: 'p', scheduler: 'tcd' })
    expect(t.params.sampler).toBeUndefined()
    expect(t.warnings.join()).toMatch(/"tcd" has no Sigma Studio equivalent/)
  })

  it('reads InvokeAI 2.x sd-metadata and Dream lines, the negative prompt in brackets', () => {
    const r = readInvokeAiLegacy(fixture('invokeai-sd-metadata.json'))
    expect(r.params).toMatchObject({ prompt: 'a red fox in the snow', negativePrompt: 'blurry, out of focus', sampler: 'euler_ancestral', steps: 50, cfg: 7.5, seed: '3357757885', width: 512, height: 512 })
    const d = readInvokeAiDream('"a red fox in the snow [blurry]" -s 50 -S 3357757885 -W 512 -H 768 -C 7.5 -A k_lms')
    expect(d.params).toMatchObject({ prompt: 'a red fox in the snow', negativePrompt: 'blurry', sampler: 'lms', steps: 50, seed: '3357757885', width: 512, height: 768, cfg: 7.5 })
  })

  it.each([
    ['dpmpp_2m', 'karras', 'dpmpp_2m_k'],
    ['euler_ancestral', 'leading', 'euler_a'],
    ['uni_pc_bh2', 'karras', 'unipc_k'],
    ['dpmpp_2m_sde', 'karras', 'dpmpp_2m_sde_k']
  ])('round-trips %s + %s as "%s"', (sampler, schedule, name) => {
    const p = validateGenerationParams({ prompt: 'a', negativePrompt: 'b', sampler, schedule, steps: 21, cfg: 5.5, seed: '18446744073709551615', width: 640, height: 512 })
    const { json, warnings } = writeInvokeAiMetadata(p, { modelName: 'm' })
    expect(json.scheduler).toBe(name)
    expect(warnings).toEqual([])
    const back = validateGenerationParams(readInvokeAiMetadata(JSON.parse(JSON.stringify(json))).params)
    for (const k of ['prompt', 'negativePrompt', 'sampler', 'schedule', 'steps', 'cfg', 'seed', 'width', 'height'] as const) expect(back[k], k).toEqual(p[k])
  })

  it('says when a schedule cannot be chosen in InvokeAI', () => {
    const p = validateGenerationParams({ sampler: 'euler', schedule: 'exponential' })
    expect(writeInvokeAiMetadata(p).warnings.join()).toMatch(/exponential schedule cannot be chosen in InvokeAI/)
  })
})
