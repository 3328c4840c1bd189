/**
 * Inpainting and outpainting from the service, against the real worker on the committed sd1-tiny
 * fixture: the mask travels as bytes beside the init image, is validated at the boundary, and every
 * pixel outside the blurred mask comes back exactly as it went in.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RequestError, type ErrorEvent, type PreviewEvent, type ResultEvent } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import { DEFAULT_INPAINT } from '../../shared/inpaint'
import { blurMask } from '../models/inpaint/mask'
import { encodePngRgb } from '../png/encode'
import { sourceWorkerFactory } from '../worker/spawn'
import { MemoryResultSink } from './result-sink'
import { GenerationService, type FinishedJobInfo } from './service'

const FIXTURES = resolve(__dirname, '../../../tools/fixtures/models')
let dir: string
let service: GenerationService
let sink: MemoryResultSink

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigma-inpaint-'))
  symlinkSync(join(FIXTURES, 'sd1-tiny'), join(dir, 'sd1-tiny'))
  sink = new MemoryResultSink()
  service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: dir, defaultModel: 'sd1-tiny', sink })
})
afterAll(async () => {
  await service?.close()
  rmSync(dir, { recursive: true, force: true })
})

const W = 64
const H = 64
const initRgb = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 29) % 253)
const init = encodePngRgb(initRgb, W, H)
const maskPx = Uint8Array.from({ length: W * H }, (_, p) => (p % W >= 20 && p % W < 40 && Math.floor(p / W) >= 16 && Math.floor(p / W) < 44 ? 255 : 0))
const mask = encodePngRgb(Uint8Array.from({ length: W * H * 3 }, (_, i) => maskPx[Math.floor(i / 3)]), W, H)

function payload(inpaint: Record<string, unknown>, maskImage: Uint8Array | null = mask, size: [number, number] = [W, H]): Record<string, unknown> {
  return {
    params: { prompt: 'a', width: size[0], height: size[1], steps: 5, cfg: 4, seed: '3', sampler: 'dpmpp_2m', img2img: { image: 'x', strength: 0.9, inpaint } },
    preview: { mode: 'off' },
    grid: null,
    initImage: init,
    ...(maskImage ? { maskImage } : {})
  }
}

async function run(raw: Record<string, unknown>): Promise<{ info: FinishedJobInfo; results: ResultEvent[]; errors: ErrorEvent[] }> {
  const results: ResultEvent[] = []
  const errors: ErrorEvent[] = []
  const offs = [service.on('studio:result', (r) => results.push(r)), service.on('studio:error', (e) => errors.push(e))]
  const { jobId } = service.generate(VALIDATORS['studio:generate'](raw))
  const info = await new Promise<FinishedJobInfo>((ok) => {
    const off = service.onJobFinished((i) => i.jobId === jobId && (off(), ok(i)))
  })
  offs.forEach((off) => off())
  return { info, results, errors }
}

async function pixels(r: { results: ResultEvent[] }): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await sharp((await sink.read(r.results[0].resultId))!).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { width: info.width, height: info.height, data: new Uint8Array(data) }
}

function fieldOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    if (e instanceof RequestError) return e.field
    throw e
  }
  return undefined
}

describe('inpainting through the service (real worker, sd1-tiny)', () => {
  it('validates the mask at the boundary, naming the field', () => {
    expect(fieldOf(() => VALIDATORS['studio:generate'](payload({ mask: 'm' }, null)))).toBe('maskImage')
    expect(fieldOf(() => VALIDATORS['studio:generate'](payload({ mask: 'm' }, new TextEncoder().encode('not an image'))))).toBe('maskImage')
    expect(fieldOf(() => VALIDATORS['studio:generate'](payload({ mask: 'm', maskBlur: 99 })))).toBe('params.img2img.inpaint.maskBlur')
    expect(fieldOf(() => VALIDATORS['studio:generate'](payload({ mask: 'm' })))).toBeUndefined()
  })

  for (const area of ['whole', 'masked'] as const) {
    it(`repaints only inside the blurred mask (${area === 'whole' ? 'whole picture' : 'only masked'}) and names the mask by content`, async () => {
      const r = await run(payload({ mask: '/home/someone/mask.png', area, padding: 8 }))
      expect(r.errors).toEqual([])
      expect(r.info.state).toBe('completed')
      const out = await pixels(r)
      expect([out.width, out.height]).toEqual([W, H])
      const blurred = blurMask({ width: W, height: H, data: maskPx }, DEFAULT_INPAINT.maskBlur)
      let changed = 0
      for (let p = 0; p < W * H; p++) {
        for (let c = 0; c < 3; c++) {
          if (blurred.data[p] === 0) expect(out.data[p * 3 + c]).toBe(initRgb[p * 3 + c])
          else if (out.data[p * 3 + c] !== initRgb[p * 3 + c]) changed++
        }
      }
      expect(changed).toBeGreaterThan(500)
      expect(r.results[0].params.img2img!.inpaint!.mask).toMatch(/^sha256:[0-9a-f]{32}$/)
      // The sink receives the job's init image and mask, byte for byte, to keep with the result.
      const kept = sink.get(r.results[0].resultId)!.inputs!
      expect(Buffer.from(kept.init!).equals(Buffer.from(init))).toBe(true)
      expect(Buffer.from(kept.mask!).equals(Buffer.from(mask))).toBe(true)
    })
  }

  it('live previews are composited as the final image is: the init image outside the blurred mask', async () => {
    const raw = payload({ mask: 'm' })
    raw.preview = { mode: 'latent2rgb', every: 1 }
    const frames: PreviewEvent[] = []
    const off = service.on('studio:preview', (f) => frames.push(f))
    const r = await run(raw)
    off()
    expect(r.errors).toEqual([])
    expect(frames.length).toBeGreaterThan(1)
    const blurred = blurMask({ width: W, height: H, data: maskPx }, DEFAULT_INPAINT.maskBlur)
    const k = 8 // sd1-tiny's latent is 1/8 of the side; latent2rgb previews are at latent size
    for (const f of frames) {
      expect([f.width, f.height]).toEqual([W / k, H / k])
      const { data } = await sharp(f.data).removeAlpha().raw().toBuffer({ resolveWithObject: true })
      let kept = 0
      for (let by = 0; by < H / k; by++) {
        for (let bx = 0; bx < W / k; bx++) {
          let touched = false
          const sum = [0, 0, 0]
          for (let y = by * k; y < (by + 1) * k; y++) {
            for (let x = bx * k; x < (bx + 1) * k; x++) {
              if (blurred.data[y * W + x] !== 0) touched = true
              for (let c = 0; c < 3; c++) sum[c] += initRgb[(y * W + x) * 3 + c]
            }
          }
          if (touched) continue
          kept++
          // A block the mask does not reach shows the init image there (its mean), not a decoded estimate.
          for (let c = 0; c < 3; c++) expect(data[(by * (W / k) + bx) * 3 + c]).toBe(Math.round(sum[c] / (k * k)))
        }
      }
      expect(kept).toBeGreaterThan(20)
    }
  })

  it('outpaints to the grown size and keeps the original region away from the seam', async () => {
    const r = await run(payload({ outpaint: { left: 0, right: 32, top: 0, bottom: 0 }, maskBlur: 2 }, null, [96, 64]))
    expect(r.errors).toEqual([])
    const out = await pixels(r)
    expect([out.width, out.height]).toEqual([96, 64])
    // The seam band is 5 px (2.5 × blur) and the blur reaches 5 px further: columns 0..47 are untouched.
    for (let y = 0; y < H; y++) for (let x = 0; x < 48; x++) for (let c = 0; c < 3; c++) expect(out.data[(y * 96 + x) * 3 + c]).toBe(initRgb[(y * W + x) * 3 + c])
  })
})

describe('inpainting sweeps through the service', () => {
  it('sweeps mask blur × masked content as one grid: every cell keeps the pixels outside its own blurred mask', async () => {
    const raw = payload({ mask: 'm' })
    raw.grid = { axes: [{ param: 'img2img.inpaint.maskedContent', values: ['original', 'latent-nothing'] }, { param: 'img2img.inpaint.maskBlur', values: [0, 6] }] }
    const r = await run(raw)
    expect(r.errors).toEqual([])
    expect(r.results).toHaveLength(4)
    const seen = new Set<string>()
    for (const res of r.results) {
      const s = res.params.img2img!.inpaint!
      seen.add(`${s.maskedContent}/${s.maskBlur}`)
      const out = await pixels({ results: [res] })
      const blurred = blurMask({ width: W, height: H, data: maskPx }, s.maskBlur)
      for (let p = 0; p < W * H; p++) if (blurred.data[p] === 0) for (let c = 0; c < 3; c++) expect(out.data[p * 3 + c]).toBe(initRgb[p * 3 + c])
    }
    expect([...seen].sort()).toEqual(['latent-nothing/0', 'latent-nothing/6', 'original/0', 'original/6'])
  })

  it('refuses an inpaint sweep on a job without a mask, naming the axis', () => {
    const raw: Record<string, unknown> = { ...payload({ mask: 'm' }, null), grid: { axes: [{ param: 'img2img.inpaint.maskBlur', values: [1, 2] }] } }
    ;(raw.params as { img2img: unknown }).img2img = { image: 'x', strength: 0.5 }
    expect(() => VALIDATORS['studio:generate'](raw)).toThrow(/mask blur needs an inpainting job/)
  })
})
