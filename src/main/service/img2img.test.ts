/**
 * img2img from the service, against the real worker on the committed sd1-tiny fixture: the init image
 * travels as bytes (never as a path the renderer chose), is validated at the boundary with the field
 * named, really steers the result, and the stored params name it by content hash.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RequestError, type ErrorEvent, type ProgressEvent, type ResultEvent } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import { decodeWire, encodeWire } from '../../shared/wire'
import { encodePngRgb } from '../png/encode'
import { sourceWorkerFactory } from '../worker/spawn'
import { MemoryResultSink } from './result-sink'
import { GenerationService, type FinishedJobInfo } from './service'

const FIXTURES = resolve(__dirname, '../../../tools/fixtures/models')
const SIDE = 64
let dir: string
let service: GenerationService
let sink: MemoryResultSink

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigma-img2img-'))
  symlinkSync(join(FIXTURES, 'sd1-tiny'), join(dir, 'sd1-tiny'))
  sink = new MemoryResultSink()
  service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: dir, defaultModel: 'sd1-tiny', sink })
})
afterAll(async () => {
  await service?.close()
  rmSync(dir, { recursive: true, force: true })
})

function png(pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const rgb = new Uint8Array(SIDE * SIDE * 3)
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) rgb.set(pixel(x, y), (y * SIDE + x) * 3)
  return encodePngRgb(rgb, SIDE, SIDE)
}
const red = png(() => [230, 20, 20])
const checker = png((x, y) => (((x >> 3) + (y >> 3)) % 2 ? [250, 250, 250] : [10, 10, 60]))

/** A raw (untrusted) payload, as the renderer would send it. */
function payload(initImage: Uint8Array | undefined, img2img: unknown = { image: '/nonexistent/secret.png', strength: 0.5 }): Record<string, unknown> {
  return { params: { prompt: 'a blue square', width: SIDE, height: SIDE, steps: 6, cfg: 5, seed: '7', img2img }, preview: { mode: 'off' }, grid: null, initImage }
}

async function run(raw: Record<string, unknown>): Promise<{ info: FinishedJobInfo; results: ResultEvent[]; progress: ProgressEvent[]; errors: ErrorEvent[] }> {
  const results: ResultEvent[] = []
  const progress: ProgressEvent[] = []
  const errors: ErrorEvent[] = []
  const offs = [service.on('studio:result', (r) => results.push(r)), service.on('studio:progress', (p) => progress.push(p)), service.on('studio:error', (e) => errors.push(e))]
  const { jobId } = service.generate(VALIDATORS['studio:generate'](raw))
  const info = await new Promise<FinishedJobInfo>((ok) => {
    const off = service.onJobFinished((i) => i.jobId === jobId && (off(), ok(i)))
  })
  offs.forEach((off) => off())
  return { info, results, progress, errors }
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

describe('img2img through the service (real worker, sd1-tiny)', () => {
  it('validates the init image at the boundary, naming the field', () => {
    expect(fieldOf(() => VALIDATORS['studio:generate'](payload(undefined)))).toBe('initImage')
    expect(fieldOf(() => VALIDATORS['studio:generate'](payload(red, null)))).toBe('params.img2img')
    expect(fieldOf(() => VALIDATORS['studio:generate'](payload(new TextEncoder().encode('/etc/passwd'))))).toBe('initImage')
    expect(fieldOf(() => VALIDATORS['studio:generate'](payload('/etc/passwd' as unknown as Uint8Array)))).toBe('initImage')
    expect(fieldOf(() => VALIDATORS['studio:generate'](payload(red)))).toBeUndefined()
  })

  it('carries the init image over the web host wire as bytes', () => {
    const wire = decodeWire(encodeWire({ id: 1, call: 'studio:generate', payload: payload(checker) })) as { payload: unknown }
    const req = VALIDATORS['studio:generate'](wire.payload)
    expect(req.initImage).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(req.initImage!).equals(Buffer.from(checker))).toBe(true)
  })

  it('starts from the init image bytes: runs the tail of the schedule, and the image steers the result', async () => {
    const txt2img = await run(payload(undefined, null))
    const a = await run(payload(red))
    const again = await run(payload(red))
    const b = await run(payload(checker))
    for (const r of [txt2img, a, again, b]) {
      expect(r.errors).toEqual([])
      expect(r.info.state).toBe('completed')
      expect(r.results).toHaveLength(1)
    }
    // Strength 0.5 runs only part of the schedule.
    expect(a.progress.at(-1)!.steps).toBeLessThan(txt2img.progress.at(-1)!.steps)
    const bytes = async (r: { results: ResultEvent[] }): Promise<string> => Buffer.from((await sink.read(r.results[0].resultId))!).toString('hex')
    // Deterministic for the same image and seed; a different init image gives a different result.
    expect(await bytes(again)).toBe(await bytes(a))
    expect(await bytes(b)).not.toBe(await bytes(a))
    expect(await bytes(a)).not.toBe(await bytes(txt2img))
    // The stored params name the image by content, not by the path the request carried.
    expect(a.results[0].params.img2img).toEqual({ image: expect.stringMatching(/^sha256:[0-9a-f]{32}$/), strength: 0.5, inpaint: null })
    expect(b.results[0].params.img2img!.image).not.toBe(a.results[0].params.img2img!.image)
  })

  it('reports an undecodable image as an invalid request naming initImage', async () => {
    // PNG signature, then garbage: passes the boundary's format sniffing, fails decoding in the worker.
    const broken = new Uint8Array([...red.subarray(0, 8), 1, 2, 3, 4, 5, 6, 7, 8])
    const r = await run(payload(broken))
    expect(r.info.state).toBe('failed')
    expect(r.errors).toEqual([expect.objectContaining({ code: 'invalid-request', field: 'initImage', message: expect.stringMatching(/initImage/) })])
  })
})
