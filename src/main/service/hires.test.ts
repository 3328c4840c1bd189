/**
 * The hires fix through the service, against the real worker on the committed sd1-tiny fixture (64×64
 * base, 8 px step): one job makes the larger picture, progress and previews run through both passes, a
 * bad hires size is refused at the door, and a cancel in the second pass ends the job cancelled with
 * nothing stored.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RequestError, type ErrorEvent, type PreviewEvent, type ProgressEvent, type ResultEvent } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import { sourceWorkerFactory } from '../worker/spawn'
import { MemoryResultSink } from './result-sink'
import { GenerationService, type FinishedJobInfo } from './service'

const FIXTURES = resolve(__dirname, '../../../tools/fixtures/models')
let dir: string
let service: GenerationService
let sink: MemoryResultSink
/** Every image the service handed to the sink. */
let saved = 0

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigma-hires-'))
  symlinkSync(join(FIXTURES, 'sd1-tiny'), join(dir, 'sd1-tiny'))
  sink = new MemoryResultSink()
  const save = sink.save.bind(sink)
  sink.save = (img) => (saved++, save(img))
  service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: dir, defaultModel: 'sd1-tiny', sink })
})
afterAll(async () => {
  await service?.close()
  rmSync(dir, { recursive: true, force: true })
})

function payload(hires: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { params: { prompt: 'a blue square', width: 64, height: 64, steps: 4, cfg: 5, seed: '7', hires, ...extra }, preview: { mode: 'latent2rgb', every: 1 }, grid: null }
}

interface Run {
  info: FinishedJobInfo
  results: ResultEvent[]
  progress: ProgressEvent[]
  previews: PreviewEvent[]
  errors: ErrorEvent[]
}

async function run(raw: Record<string, unknown>, onProgress?: (p: ProgressEvent, jobId: string) => void): Promise<Run> {
  const results: ResultEvent[] = []
  const progress: ProgressEvent[] = []
  const previews: PreviewEvent[] = []
  const errors: ErrorEvent[] = []
  let id = ''
  const offs = [
    service.on('studio:result', (r) => results.push(r)),
    service.on('studio:progress', (p) => (progress.push(p), onProgress?.(p, id))),
    service.on('studio:preview', (p) => previews.push(p)),
    service.on('studio:error', (e) => errors.push(e))
  ]
  const { jobId } = service.generate(VALIDATORS['studio:generate'](raw))
  id = jobId
  const info = await new Promise<FinishedJobInfo>((ok) => {
    const off = service.onJobFinished((i) => i.jobId === jobId && (off(), ok(i)))
  })
  offs.forEach((off) => off())
  return { info, results, progress, previews, errors }
}

describe('hires fix through the service (real worker, sd1-tiny)', () => {
  it('one job: the picture at the hires size, progress counting both passes, previews from both', async () => {
    const r = await run(payload({ scale: 2, steps: 3, denoise: 0.5, upscaler: 'Latent (bicubic)' }))
    expect(r.errors).toEqual([])
    expect(r.info.state).toBe('completed')
    expect(r.results).toHaveLength(1)
    expect(r.results[0]).toMatchObject({ width: 128, height: 128 })
    expect(r.results[0].params.hires).toMatchObject({ scale: 2, steps: 3, denoise: 0.5, upscaler: 'Latent (bicubic)' })
    expect(r.progress.map((p) => `${p.step}/${p.steps}`)).toEqual(['1/7', '2/7', '3/7', '4/7', '5/7', '6/7', '7/7'])
    expect(r.progress.at(-1)).toMatchObject({ jobStep: 7, jobSteps: 7 })
    // Previews at the base size during the first pass, at the hires size during the second.
    expect(r.previews.some((p) => p.step <= 4)).toBe(true)
    expect(r.previews.some((p) => p.step > 4)).toBe(true)
    const sizes = new Map(r.previews.map((p) => [p.step, p.width]))
    expect(sizes.get(1)! < sizes.get(7)!).toBe(true)
  })

  it('refuses a hires size off the model\'s step at the door, naming the field', () => {
    let err: unknown
    try {
      service.generate(VALIDATORS['studio:generate'](payload({ resizeWidth: 100 })))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(RequestError)
    expect((err as RequestError).field).toBe('params.hires.resizeWidth')
    expect((err as Error).message).toMatch(/use 96 or 104/)
  })

  it('a cancel during the second pass ends the job cancelled, with nothing stored', async () => {
    const before = saved
    let cancelledAt = 0
    const r = await run(payload({ scale: 2, steps: 1000, denoise: 1 }), (p, jobId) => {
      if (cancelledAt === 0 && p.step > 4) {
        cancelledAt = p.step
        service.cancel(jobId)
      }
    })
    expect(cancelledAt).toBeGreaterThan(4)
    expect(r.info.state).toBe('cancelled')
    expect(r.results).toEqual([])
    expect(r.progress.at(-1)!.step).toBeLessThan(1004)
    expect(saved).toBe(before)
  })
})
