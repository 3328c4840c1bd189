/**
 * The ONNX runner in the real worker, on the committed fixture models: grid cells batched into shared
 * UNet calls where the batch axis is dynamic (and run one by one where it is fixed), tiny-decoder
 * previews, and a damaged or missing model reported as structured errors while the next job still runs.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ErrorEvent, GenerateRequest, PreviewEvent } from '../../shared/api'
import { validateGenerationParams } from '../../shared/params'
import { GenerationService, type FinishedJobInfo } from '../service/service'
import { sourceWorkerFactory } from './spawn'

const FIXTURES = resolve(__dirname, '../../../tools/fixtures/models')
let dir: string
let service: GenerationService

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigma-onnx-runner-'))
  symlinkSync(join(FIXTURES, 'sd1-tiny'), join(dir, 'sd1-tiny'))
  symlinkSync(join(FIXTURES, 'sd2-v-tiny'), join(dir, 'sd2-v-tiny'))
  // A folder with a tiny decoder: the fixture's VAE decoder stands in for a TAESD export (same I/O).
  cpSync(join(FIXTURES, 'sd1-tiny'), join(dir, 'with-taesd'), { recursive: true })
  cpSync(join(FIXTURES, 'sd1-tiny/vae_decoder'), join(dir, 'with-taesd/taesd_decoder'), { recursive: true })
  cpSync(join(FIXTURES, 'sd1-tiny'), join(dir, 'broken'), { recursive: true })
  writeFileSync(join(dir, 'broken/unet/model.onnx'), 'not an onnx file')
  service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: dir })
})
afterAll(async () => {
  await service?.close()
  rmSync(dir, { recursive: true, force: true })
})

function request(model: string, extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    params: validateGenerationParams({ model, prompt: 'a blue square', width: 64, height: 64, steps: 4, cfg: 5 }),
    preview: { mode: 'auto', every: 1 },
    grid: null,
    ...extra
  }
}

async function run(req: GenerateRequest): Promise<{ info: FinishedJobInfo; previews: PreviewEvent[]; errors: ErrorEvent[]; results: number }> {
  const previews: PreviewEvent[] = []
  const errors: ErrorEvent[] = []
  let results = 0
  const offs = [service.on('studio:preview', (p) => previews.push(p)), service.on('studio:error', (e) => errors.push(e)), service.on('studio:result', () => results++)]
  const { jobId } = service.generate(req)
  const info = await new Promise<FinishedJobInfo>((ok) => {
    const off = service.onJobFinished((i) => i.jobId === jobId && (off(), ok(i)))
  })
  offs.forEach((off) => off())
  return { info, previews, errors, results }
}

describe('ONNX runner in the worker', () => {
  it('lists the model folders', () => {
    expect(service.listModels().map((m) => [m.name, m.hasTinyDecoder])).toEqual([
      ['broken', false],
      ['sd1-tiny', false],
      ['sd2-v-tiny', false],
      ['with-taesd', true]
    ])
  })

  it('batches grid cells into shared UNet calls on a dynamic-batch model', async () => {
    const grid = { samplers: ['euler', 'dpmpp_2m'], seeds: ['1', '2'] }
    const { info, results } = await run(request('sd1-tiny', { grid }))
    expect(info.state).toBe('completed')
    expect(results).toBe(4)
    // 4 cells x 4 steps, cond+uncond: 32 rows, but one UNet call per step.
    expect(info.timings!.modelRows).toBe(32)
    expect(info.timings!.modelCalls).toBe(4)
  })

  it('runs cells one by one on a fixed-batch model', async () => {
    const { info, results } = await run(request('sd2-v-tiny', { grid: { seeds: ['1', '2'] } }))
    expect(info.state).toBe('completed')
    expect(results).toBe(2)
    expect(info.timings!.modelCalls).toBe(2 * 4 * 2) // batch fixed at 1: cond and uncond separately
  })

  it('previews through the tiny decoder when the folder has one', async () => {
    const { info, previews } = await run(request('with-taesd'))
    expect(info.state).toBe('completed')
    expect(previews).toHaveLength(4)
    expect(previews[0]).toMatchObject({ source: 'taesd', width: 64, height: 64 })
    const linear = await run(request('with-taesd', { preview: { mode: 'latent2rgb', every: 2 } }))
    expect(linear.previews.map((p) => [p.source, p.step, p.width])).toEqual([
      ['latent2rgb', 2, 8],
      ['latent2rgb', 4, 8]
    ])
  })

  it('reports damaged and missing models as structured errors, then runs the next job', async () => {
    const broken = await run(request('broken'))
    expect(broken.info.state).toBe('failed')
    expect(broken.errors).toEqual([expect.objectContaining({ code: 'model-error', message: expect.stringMatching(/unet.*model\.onnx/) })])
    const missing = await run(request('no-such-model'))
    expect(missing.errors).toEqual([expect.objectContaining({ code: 'model-not-found', message: expect.stringMatching(/no-such-model/) })])
    const fine = await run(request('sd1-tiny'))
    expect(fine.info.state).toBe('completed')
  })
})
