/**
 * Imported tiny checkpoints reproduce their PyTorch golden runs (tools/checkpoints/tiny_fixtures.py: the
 * same LDM modules the templates were exported from, random weights in float32, float16 and bfloat16,
 * Euler + Karras, 4 steps, CFG 5, prompt "a", seed 1234), through the hard link and through the in-memory
 * fallback.
 */
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { computeSigmas } from '../../engine/schedules/index'
import { loadModel } from '../model'
import { generate } from '../pipeline'
import { cleanScratch, scratchDir } from '../test-fixtures'
import { importCheckpoint } from './import'
import { CKPT_FIXTURES, TINY_TEMPLATES } from './test-fixtures'

interface Golden {
  prompt: string
  negative: string
  sampler: string
  schedule: string
  steps: number
  cfg: number
  seed: number
  width: number
  height: number
  sigmas: number[]
  latent: number[]
  pixel_mean: number
  pixels_head: number[]
}

afterAll(cleanScratch)

const CASES = [
  ['sd1-tiny', 'link'],
  ['sd1-tiny-fp16', 'link'],
  ['sd1-tiny-bf16', 'memory'],
  ['sd2-v-tiny', 'link'],
  ['sdxl-tiny', 'memory']
] as const

for (const [name, weights] of CASES) {
  describe(`imported ${name} (${weights === 'link' ? 'hard-linked' : 'weights in memory'})`, () => {
    it('reproduces the PyTorch golden latent and pixels', async () => {
      const g = JSON.parse(readFileSync(join(CKPT_FIXTURES, 'golden', `${name}.json`), 'utf8')) as Golden
      const src = join(CKPT_FIXTURES, `${name}.safetensors`)
      const res = await importCheckpoint({ file: src, modelsDir: scratchDir(), templatesDir: TINY_TEMPLATES, weights })
      expect(res.weights).toBe(weights)
      if (weights === 'link') expect(statSync(join(res.dir, 'unet', 'weights.safetensors')).ino).toBe(statSync(src).ino)
      const model = await loadModel(res.dir)
      expect(model.folder.prediction).toBe(name.startsWith('sd2-v') ? 'v_prediction' : 'epsilon')
      const sigmas = computeSigmas(g.schedule, g.steps, model.sigmas)
      Array.from(sigmas).forEach((s, i) => expect(s).toBeCloseTo(g.sigmas[i], 5))
      let last: Float64Array | undefined
      const out = await generate(
        model,
        { prompt: g.prompt, negativePrompt: g.negative, sampler: g.sampler, schedule: g.schedule, steps: g.steps, cfg: g.cfg, seed: g.seed, width: g.width, height: g.height },
        { onStep: (info) => (last = Float64Array.from(info.x)) }
      )
      let worst = 0
      for (let i = 0; i < g.latent.length; i++) worst = Math.max(worst, Math.abs(last![i] - g.latent[i]) / (1 + Math.abs(g.latent[i])))
      expect(worst).toBeLessThan(1e-4)
      const img = out.images[0].data
      Array.from(img.subarray(0, g.pixels_head.length)).forEach((v, i) => expect(Math.abs(v - g.pixels_head[i])).toBeLessThanOrEqual(1))
      expect(img.reduce((a, b) => a + b, 0) / img.length).toBeCloseTo(g.pixel_mean, 1)
    })
  })
}
