import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelRunError } from './errors'
import { analyseUnet, loadModel, type LoadedModel } from './model'
import { FAMILIES } from '../../shared/model-family'
import { classifyRunError, type RunnableSession } from './onnx/runtime'
import { generate, type PipelineRequest } from './pipeline'
import { FIXTURES, cleanScratch, fixture, type FixtureName } from './test-fixtures'

const models = new Map<FixtureName, LoadedModel>()

beforeAll(async () => {
  for (const f of FIXTURES) models.set(f, await loadModel(fixture(f)))
})
afterAll(cleanScratch)

/** A copy of the model whose `component` session is wrapped: counts calls and rows, optionally edits outputs. */
function wrapped(
  model: LoadedModel,
  component: 'unet' | 'vae_decoder' | 'text_encoder',
  edit?: (call: number, out: Float32Array) => void
): { model: LoadedModel; calls: number[] } {
  const inner = model.sessions[component] as RunnableSession
  const calls: number[] = []
  const session: RunnableSession = {
    component: inner.component,
    inputs: inner.inputs,
    outputs: inner.outputs,
    async run(feeds, names) {
      const first = Object.values(feeds)[0]
      calls.push(first.dims[0] ?? 1)
      const result = await inner.run(feeds, names)
      if (edit) for (const v of Object.values(result)) edit(calls.length, v.data)
      return result
    }
  }
  return { model: { ...model, sessions: { ...model.sessions, [component]: session } }, calls }
}

const base: PipelineRequest = { prompt: 'a (red:1.2) fox, BREAK forest', negativePrompt: 'blurry', steps: 3, seed: 42 }

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i])
  return s / a.length
}

describe('txt2img on every fixture layout', () => {
  for (const name of FIXTURES) {
    it(`${name}: CFG batches cond and uncond where the batch axis allows it; CFG 1 skips uncond`, async () => {
      const m = models.get(name)!
      const fixedBatch = m.unet.maxBatch === 1
      const on = wrapped(m, 'unet')
      const res = await generate(on.model, { ...base, cfg: 5, sampler: 'euler', schedule: 'karras' })
      expect(res.images).toHaveLength(1)
      expect(res.images[0]).toMatchObject({ width: 64, height: 64, seed: '42' })
      expect(res.images[0].data.length).toBe(64 * 64 * 3)
      // 3 steps: one call of 2 rows each step (dynamic batch), or two calls of 1 row (fixed batch 1).
      expect(on.calls).toEqual(fixedBatch ? [1, 1, 1, 1, 1, 1] : [2, 2, 2])
      expect(res.unetCalls).toBe(on.calls.length)

      const off = wrapped(m, 'unet')
      const res1 = await generate(off.model, { ...base, cfg: 1, sampler: 'euler', schedule: 'karras' })
      expect(off.calls).toEqual([1, 1, 1])
      expect(meanAbsDiff(res.images[0].data, res1.images[0].data)).toBeGreaterThan(0)
    })
  }

  it('any sampler x schedule runs (ancestral, multistep, second order; table and range schedules)', async () => {
    const m = models.get('sd1-tiny')!
    for (const [sampler, schedule] of [
      ['euler_ancestral', 'normal'],
      ['dpmpp_2m', 'exponential'],
      ['heun', 'simple'],
      ['dpmpp_2m_sde', 'sgm_uniform'],
      ['lcm', 'beta'],
      ['DPM++ 2M Karras', undefined]
    ] as const) {
      const res = await generate(m, { ...base, cfg: 3, sampler, schedule })
      expect(res.images).toHaveLength(1)
    }
  })

  it('guidance modifiers compose with the model (rescale, interval, thresholding)', async () => {
    const m = models.get('sd2-v-tiny')!
    const res = await generate(m, { ...base, cfg: 6, guidance: { rescale: 0.7, interval: [0.5, 10], thresholdPercentile: 0.995 } })
    expect(res.images).toHaveLength(1)
  })
})

describe('batches and seeds', () => {
  it('each image has its own seed: same seed -> same image, wherever it sits in a batch', async () => {
    const m = models.get('sd1-tiny')!
    const req = { ...base, cfg: 4, sampler: 'euler_ancestral', schedule: 'karras' }
    const batch = await generate(m, { ...req, seed: 7, batchSize: 3 })
    expect(batch.images.map((i) => i.seed)).toEqual(['7', '8', '9'])
    const single = await generate(m, { ...req, seed: 8 })
    expect(meanAbsDiff(batch.images[1].data, single.images[0].data)).toBeLessThan(0.5)
    const again = await generate(m, { ...req, seed: 7, batchSize: 3 })
    for (let i = 0; i < 3; i++) expect(Buffer.from(again.images[i].data).equals(Buffer.from(batch.images[i].data))).toBe(true)
    expect(meanAbsDiff(batch.images[0].data, batch.images[1].data)).toBeGreaterThan(1)
  })

  it('a fixed batch of 1 splits a batch of 2 with CFG into 4 calls per step', async () => {
    const m = wrapped(models.get('sd2-v-tiny')!, 'unet')
    const res = await generate(m.model, { ...base, steps: 2, cfg: 5, batchSize: 2 })
    expect(res.images).toHaveLength(2)
    expect(m.calls).toEqual(new Array(8).fill(1))
  })
})

describe('exports with a fixed batch larger than the job', () => {
  it('pads to the fixed batch and keeps the real rows (same image as a dynamic export)', async () => {
    const m = models.get('sd1-tiny')!
    const inner = m.sessions.unet
    const rows: number[] = []
    const fixed2: RunnableSession = {
      component: 'unet',
      inputs: inner.inputs.map((s) => (s.name === 'sample' || s.name === 'encoder_hidden_states' || s.name === 'timestep' ? { ...s, shape: [2, ...s.shape.slice(1)] } : s)),
      outputs: inner.outputs,
      run: (feeds, names) => {
        rows.push(feeds.sample.dims[0])
        return inner.run(feeds, names)
      }
    }
    const unet = analyseUnet(fixed2, 'unet/model.onnx', FAMILIES.sd1)
    expect(unet).toMatchObject({ maxBatch: 2, fixedBatch: 2 })
    const padded = await generate({ ...m, unet, sessions: { ...m.sessions, unet: fixed2 } }, { ...base, steps: 2, cfg: 1 })
    expect(rows).toEqual([2, 2])
    const plain = await generate(m, { ...base, steps: 2, cfg: 1 })
    expect(meanAbsDiff(padded.images[0].data, plain.images[0].data)).toBeLessThan(0.5)
  })
})

describe('LCM exports with an embedded guidance scale (timestep_cond)', () => {
  it('feeds the w-embedding of the CFG value and runs one UNet pass per step', async () => {
    const m = models.get('sd1-tiny')!
    const inner = m.sessions.unet
    const seen: number[][] = []
    const lcm: RunnableSession = {
      component: 'unet',
      inputs: [...inner.inputs, { name: 'timestep_cond', type: 'float32', shape: ['batch', 8] }],
      outputs: inner.outputs,
      run: (feeds, names) => {
        const { timestep_cond: wc, ...rest } = feeds
        seen.push(Array.from(wc.data))
        return inner.run(rest, names)
      }
    }
    const unet = analyseUnet(lcm, 'unet/model.onnx', FAMILIES.sd1)
    const res = await generate({ ...m, unet, sessions: { ...m.sessions, unet: lcm } }, { ...base, steps: 2, cfg: 8.5, sampler: 'lcm' })
    expect(res.unetCalls).toBe(2)
    expect(seen).toHaveLength(2)
    // diffusers get_guidance_scale_embedding((8.5 - 1) * 1000, 8): sin then cos at freqs 10000^(-i/3).
    const v = 7500
    const want = [0, 1, 2, 3].map((i) => Math.sin(v * Math.exp((-Math.log(10000) / 3) * i))).concat([0, 1, 2, 3].map((i) => Math.cos(v * Math.exp((-Math.log(10000) / 3) * i))))
    seen[0].forEach((x, i) => expect(x).toBeCloseTo(want[i], 4))
  })
})

describe('img2img', () => {
  for (const name of ['sd1-tiny', 'sdxl-tiny', 'sd1-fp16-tiny'] as const) {
    it(`${name}: strength runs the tail of the schedule from the encoded image`, async () => {
      const m = models.get(name)!
      const init = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).map((_, i) => (i * 37) % 256) }
      const u = wrapped(m, 'unet')
      const res = await generate(u.model, { ...base, steps: 10, cfg: 1, init: { image: init, strength: 0.5 } })
      expect(res.stepsRun).toBe(6) // A1111: int(0.5 * 10) + 1
      expect(u.calls).toHaveLength(6)
      const weak = await generate(m, { ...base, steps: 10, cfg: 1, init: { image: init, strength: 0.1 } })
      const strong = await generate(m, { ...base, steps: 10, cfg: 1, init: { image: init, strength: 1 } })
      expect(weak.stepsRun).toBe(2)
      expect(strong.stepsRun).toBe(10)
      expect(meanAbsDiff(weak.images[0].data, strong.images[0].data)).toBeGreaterThan(0)
    })
  }
})

describe('NaN and Inf stop the job, naming the stage and step', () => {
  it('UNet NaN at the third call: stage unet, step 3', async () => {
    const m = wrapped(models.get('sd1-tiny')!, 'unet', (call, out) => {
      if (call === 3) out[5] = NaN
    })
    const err = await generate(m.model, { ...base, steps: 5, cfg: 5 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ModelRunError)
    expect(err).toMatchObject({ code: 'non-finite', stage: 'unet', step: 2 })
    expect((err as Error).message).toMatch(/^unet \(step 3\): the UNet returned NaN/)
  })

  it('fp16 UNet overflow (Inf) suggests a float32 export', async () => {
    const m = wrapped(models.get('sd1-fp16-tiny')!, 'unet', (call, out) => {
      if (call === 1) out[0] = Infinity
    })
    const err = await generate(m.model, { ...base, steps: 2, cfg: 1 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'non-finite', stage: 'unet', step: 0 })
    expect((err as ModelRunError).hint).toMatch(/float32/)
  })

  it('VAE decoder and text encoder NaNs name their stage', async () => {
    const v = wrapped(models.get('sd1-tiny')!, 'vae_decoder', (_c, out) => (out[0] = NaN))
    await expect(generate(v.model, { ...base, steps: 1 })).rejects.toMatchObject({ code: 'non-finite', stage: 'vae_decoder' })
    const t = wrapped(models.get('sd1-tiny')!, 'text_encoder', (_c, out) => (out[1] = NaN))
    await expect(generate(t.model, { ...base, steps: 1 })).rejects.toMatchObject({ code: 'non-finite', stage: 'text_encoder' })
  })
})

describe('device failures during a run', () => {
  it('an out-of-memory error from the UNet names the step and offers a smaller size or the CPU', async () => {
    const inner = models.get('sd1-tiny')!
    let calls = 0
    const unet: RunnableSession = {
      ...inner.sessions.unet,
      component: 'unet',
      inputs: inner.sessions.unet.inputs,
      outputs: inner.sessions.unet.outputs,
      async run(feeds, names) {
        if (++calls === 2) throw classifyRunError('unet', 'cuda', new Error('CUDA failure 2: out of memory'))
        return inner.sessions.unet.run(feeds, names)
      }
    }
    const err = await generate({ ...inner, sessions: { ...inner.sessions, unet } }, { ...base, steps: 3, cfg: 1 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'out-of-memory', stage: 'unet', step: 1 })
    expect((err as Error).message).toMatch(/^unet \(step 2\): ran out of memory on cuda .*; try a smaller batch or image size, or run on the CPU with --device cpu$/)
  })
})

describe('request checks against the model', () => {
  const m = (): LoadedModel => models.get('sd1-tiny')!
  it.each([
    [{ width: 60 }, 'bad-size', /60 is not a multiple of 8; use 56 or 64/],
    [{ height: 4100 }, 'bad-size', /not a multiple of 8; use 4096 or 4104/],
    [{ width: 2048, height: 2048 }, 'size-too-large', /too large for this model/],
    [{ sampler: 'warp_drive' }, 'unknown-sampler', /unknown sampler "warp_drive"/],
    [{ schedule: 'zigzag' }, 'unknown-schedule', /unknown schedule "zigzag"/],
    [{ steps: 0 }, 'bad-parameter', /steps/],
    [{ cfg: -1 }, 'bad-parameter', /cfg/],
    [{ seed: 'abc' }, 'bad-parameter', /seed/]
  ] as const)('%o -> %s', async (extra, code, msg) => {
    const err = await generate(m(), { ...base, ...extra } as PipelineRequest).catch((e: unknown) => e)
    expect(err).toMatchObject({ code })
    expect((err as Error).message).toMatch(msg)
  })

  it('the embedded model takes sides in its 16 px step (VAE 4 × 2 down-samplings): 72 is refused, 80 runs', async () => {
    const emoji = await loadModel(fileURLToPath(new URL('../../../models/emoji-tiny', import.meta.url)))
    for (const width of [65, 68, 72]) {
      const err = await generate(emoji, { ...base, steps: 1, width, height: 64 }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'bad-size', field: 'width' })
      expect((err as Error).message).toMatch(/use 64 or 80; this model needs sides in steps of 16 px/)
    }
    const ok = await generate(emoji, { ...base, steps: 1, width: 80, height: 48 })
    expect(ok.images[0]).toMatchObject({ width: 80, height: 48 })
  })

  it('a model whose export fixes the size accepts only that size', async () => {
    const err = await generate(models.get('sd2-v-tiny')!, { ...base, width: 128, height: 128 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'size-too-large' })
    expect((err as Error).message).toMatch(/fixes the image size at 64x64/)
  })
})
