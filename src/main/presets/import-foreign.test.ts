import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { readPresets } from './import'

const fixture = (name: string): string => join(__dirname, '..', 'formats', 'fixtures', name)

describe('presets import reads other tools\' files through the formats layer', () => {
  it.each([
    ['comfy-api-txt2img.json', 'comfy-api', { prompt: 'a lighthouse on a cliff, storm, (dramatic light:1.2)', sampler: 'dpmpp_2m_sde_gpu', schedule: 'karras', steps: 28, cfg: 6.5, seed: '1011480519381337042', width: 512, height: 768 }],
    ['comfy-ui-sampler-custom.json', 'comfy-api', { negativePrompt: 'text, watermark', sampler: 'euler_ancestral', schedule: 'ays_sdxl', steps: 10, cfg: 5.5, seed: '123456789', width: 1024, height: 1024 }],
    ['invokeai-metadata.json', 'invokeai', { negativePrompt: 'photo, 3d render', sampler: 'dpmpp_2m', schedule: 'karras', steps: 30, cfg: 6, seed: '2891004415', width: 832, height: 1216 }],
    ['sd15-scheduler_config.json', 'diffusers-scheduler', { sampler: 'ipndm', schedule: 'leading' }]
  ])('%s', (name, origin, params) => {
    const [c] = readPresets({ file: fixture(name) })
    expect(c.origin).toBe(origin)
    expect(c.preset.params).toMatchObject(params)
    expect(c.preset.name).toBe(name.replace(/\.json$/, ''))
  })
})
