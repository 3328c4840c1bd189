/**
 * Golden runs: tools/fixtures/make_fixtures.py runs the same tiny models in plain PyTorch (Euler, Karras,
 * CFG, prompt "a", seed 1234, torch.randn noise) and stores the final latent and pixels. The studio must
 * reproduce them from the ONNX files: this pins the whole chain — tokenizer ids, text encoder(s) (SDXL:
 * penultimate hidden states of both, pooled text_embeds, zeroed negative, time_ids), c_in, the
 * sigma -> timestep mapping (nearest entry for int64 timesteps, interpolated for float ones), epsilon and
 * v-prediction, CFG, the seeded start latent, latent scaling and decoding.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { computeSigmas } from '../engine/schedules/index'
import { loadModel } from './model'
import { generate } from './pipeline'
import { FIXTURES_DIR, fixture } from './test-fixtures'

interface Golden {
  model: string
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

for (const name of ['sd1-tiny', 'sd2-v-tiny', 'sdxl-tiny'] as const) {
  describe(`golden PyTorch run of ${name}`, () => {
    const g = JSON.parse(readFileSync(join(FIXTURES_DIR, '..', 'golden', `${name}.json`), 'utf8')) as Golden
    it('reproduces the final latent and the decoded pixels', async () => {
      const model = await loadModel(fixture(name))
      const sigmas = computeSigmas(g.schedule, g.steps, model.sigmas)
      Array.from(sigmas).forEach((s, i) => expect(s).toBeCloseTo(g.sigmas[i], 5))
      let last: Float64Array | undefined
      const res = await generate(
        model,
        { prompt: g.prompt, negativePrompt: g.negative, sampler: g.sampler, schedule: g.schedule, steps: g.steps, cfg: g.cfg, seed: g.seed, width: g.width, height: g.height },
        { onStep: (info) => (last = Float64Array.from(info.x)) }
      )
      expect(last).toBeDefined()
      let worst = 0
      for (let i = 0; i < g.latent.length; i++) worst = Math.max(worst, Math.abs(last![i] - g.latent[i]) / (1 + Math.abs(g.latent[i])))
      expect(worst).toBeLessThan(1e-4)
      const img = res.images[0].data
      const head = Array.from(img.subarray(0, g.pixels_head.length))
      head.forEach((v, i) => expect(Math.abs(v - g.pixels_head[i])).toBeLessThanOrEqual(1))
      const mean = img.reduce((a, b) => a + b, 0) / img.length
      expect(mean).toBeCloseTo(g.pixel_mean, 1)
    })
  })
}
