/**
 * The 9-channel inpainting fixture against its golden PyTorch run (tools/fixtures/make_inpaint_fixture.py):
 * the masked sampling wrapper, the mask and masked-image channels in diffusers' order, and the final
 * composite, through the same generate() the app uses. Also: any model (4-channel sd1-tiny) keeps every
 * pixel outside the mask, for every sampler, whole picture and only masked.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { SAMPLERS } from '../../engine/samplers/index'
import { loadModel } from '../model'
import { generate } from '../pipeline'
import { FIXTURES_DIR, fixture } from '../test-fixtures'
import type { RgbImage } from '../vae'
import { blurMask, type Mask } from './mask'
import { DEFAULT_INPAINT } from '../../../shared/inpaint'
import { planInpaint, type InpaintOptions } from './plan'

const GOLDEN = join(FIXTURES_DIR, '..', 'golden')

async function readPng(path: string, channels: 1 | 3): Promise<{ width: number; height: number; data: Uint8Array }> {
  let img = sharp(path)
  img = channels === 3 ? img.removeAlpha() : img.extractChannel(0)
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true })
  return { width: info.width, height: info.height, data: new Uint8Array(data) }
}

describe('inpainting model (9-channel UNet) golden run', () => {
  it('reproduces the PyTorch latent and pixels, and keeps the init image outside the mask', async () => {
    const g = JSON.parse(readFileSync(join(GOLDEN, 'sd1-inpaint-tiny.json'), 'utf8')) as { steps: number; cfg: number; seed: number; latent: number[]; pixels: number[]; mask_box: number[] }
    const init = (await readPng(join(GOLDEN, 'inpaint', 'init.png'), 3)) as RgbImage
    const mask = (await readPng(join(GOLDEN, 'inpaint', 'mask.png'), 1)) as Mask
    const model = await loadModel(fixture('sd1-inpaint-tiny'))
    expect(model.unet.inpaintChannels).toBe(5)
    const plan = await planInpaint(init, mask, { ...DEFAULT_INPAINT, maskBlur: 0 }, 64, 64, 8)
    let last: Float64Array | undefined
    const res = await generate(
      model,
      { prompt: 'a', negativePrompt: '', sampler: 'euler', schedule: 'karras', steps: g.steps, cfg: g.cfg, seed: g.seed, width: 64, height: 64, init: { image: plan.work, strength: 1, inpaint: plan } },
      { onStep: (s) => (last = Float64Array.from(s.x)) }
    )
    expect(last).toBeDefined()
    let worst = 0
    for (let i = 0; i < g.latent.length; i++) worst = Math.max(worst, Math.abs(res.latents[i] - g.latent[i]) / (1 + Math.abs(g.latent[i])))
    expect(worst).toBeLessThan(1e-4)
    const out = res.images[0].data
    const [x1, y1, x2, y2] = g.mask_box
    let inside = 0
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const masked = x >= x1 && x < x2 && y >= y1 && y < y2
        for (let c = 0; c < 3; c++) {
          const i = (y * 64 + x) * 3 + c
          if (masked) {
            expect(Math.abs(out[i] - g.pixels[i])).toBeLessThanOrEqual(1)
            inside++
          } else expect(out[i]).toBe(init.data[i])
        }
      }
    }
    expect(inside).toBe(32 * 32 * 3)
  })

  it('runs text-to-image on an inpainting model (all masked, grey masked image), as A1111 conditions it', async () => {
    const model = await loadModel(fixture('sd1-inpaint-tiny'))
    const res = await generate(model, { prompt: 'a', steps: 3, seed: 7, width: 64, height: 64 })
    expect(res.images[0].width).toBe(64)
    expect(res.unetCalls).toBeGreaterThan(0)
  })
})

describe('any model keeps every pixel outside the blurred mask', () => {
  const init: RgbImage = { width: 64, height: 64, data: Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 37) % 251) }
  const mask: Mask = { width: 64, height: 64, data: Uint8Array.from({ length: 64 * 64 }, (_, p) => (p % 64 >= 24 && p % 64 < 44 && p >= 64 * 20 && p < 64 * 40 ? 255 : 0)) }
  const cases: [string, Partial<InpaintOptions>][] = [
    ['whole picture', {}],
    ['only masked', { area: 'masked', padding: 8 }],
    ['fill', { maskedContent: 'fill' }],
    ['latent noise', { maskedContent: 'latent-noise' }]
  ]
  for (const sampler of Object.keys(SAMPLERS)) {
    for (const [what, opts] of sampler === 'euler' ? cases : cases.slice(0, 2)) {
      it(`${sampler}, ${what}`, async () => {
        const model = await loadModel(fixture('sd1-tiny'))
        const options = { ...DEFAULT_INPAINT, ...opts }
        const plan = await planInpaint(init, mask, options, 64, 64, 8)
        const res = await generate(model, { prompt: 'a', sampler, steps: 4, cfg: 3, seed: 11, width: 64, height: 64, init: { image: plan.work, strength: 0.8, inpaint: plan } })
        const out = res.images[0]
        expect(out.width).toBe(64)
        const blurred = blurMask(mask, options.maskBlur)
        let changed = 0
        for (let p = 0; p < 64 * 64; p++) {
          for (let c = 0; c < 3; c++) {
            if (blurred.data[p] === 0) expect(out.data[p * 3 + c]).toBe(init.data[p * 3 + c])
            else if (out.data[p * 3 + c] !== init.data[p * 3 + c]) changed++
          }
        }
        expect(changed).toBeGreaterThan(100)
      })
    }
  }

  it('an empty mask returns the init image without running the model', async () => {
    const model = await loadModel(fixture('sd1-tiny'))
    const empty: Mask = { width: 64, height: 64, data: new Uint8Array(64 * 64) }
    const plan = await planInpaint(init, empty, { ...DEFAULT_INPAINT }, 64, 64, 8)
    const res = await generate(model, { prompt: 'a', steps: 4, seed: 1, width: 64, height: 64, init: { image: plan.work, strength: 0.75, inpaint: plan } })
    expect(res.unetCalls).toBe(0)
    expect(res.images[0].data).toEqual(init.data)
  })
})
