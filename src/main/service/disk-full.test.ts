/**
 * A full disk under the library: a job is refused before it starts when its images cannot fit, and
 * images finished while the disk fills up are kept in memory, reported plainly ("disk full"), and saved
 * when space returns — never a job that "completes" with its images silently lost. On a real tmpfs of
 * a few MB where the machine allows mounting (root on Linux); the same path with a simulated full disk
 * everywhere.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ErrorEvent, Events, GenerateRequest, JobState } from '../../shared/api'
import { validateGenerationParams } from '../../shared/params'
import { LibraryError } from '../library/errors'
import { mountSmallDisk, type SmallDisk } from '../util/test-support/small-disk'
import { sourceWorkerFactory } from '../worker/spawn'
import { MemoryResultSink } from './result-sink'
import { GenerationService } from './service'
import { Studio } from './studio'

const request = (cells = 1): GenerateRequest => ({
  params: validateGenerationParams({ model: 'fake', prompt: 'a red fox', width: 64, height: 64, steps: 12, batchSize: cells }),
  preview: { mode: 'off', every: 1 },
  grid: null
})

interface Watch {
  errors: ErrorEvent[]
  results: Array<Events['studio:result']>
  ended: Promise<JobState>
}

function watch(on: GenerationService['on'], jobId: () => string): Watch {
  const w: Watch = { errors: [], results: [], ended: Promise.resolve('waiting') }
  on('studio:error', (e) => w.errors.push(e))
  on('studio:result', (r) => w.results.push(r))
  w.ended = new Promise((ok) => on('studio:job', (j) => j.jobId === jobId() && ['completed', 'failed', 'cancelled'].includes(j.state) && ok(j.state)))
  return w
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Fills the disk: writes until it refuses (the file keeps what fitted). */
function fill(file: string): void {
  try {
    writeFileSync(file, Buffer.alloc(64 << 20, 1))
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e
  }
}

let disk: SmallDisk | null = null
let studio: Studio | null = null
afterEach(async () => {
  await studio?.close()
  studio = null
  disk?.unmount()
  disk = null
})

describe('disk full (real tmpfs)', () => {
  it('refuses a job that cannot fit, and keeps images made while the disk fills until there is room', async (ctx) => {
    disk = mountSmallDisk({ sizeKB: 4096 })
    if (!disk) ctx.skip('mounting a tmpfs needs root on Linux; the simulated test below covers the same path')
    studio = await Studio.start({ libraryDir: join(disk!.dir, 'lib'), workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: '/nonexistent', defaultModel: 'fake', fake: { callMs: 40 }, saveRetryMs: 50 })
    const service = studio.service
    const filler = join(disk!.dir, 'filler')

    // 1. A full disk before the job: refused at once, plainly.
    fill(filler)
    let id = ''
    let w = watch(service.on.bind(service), () => id)
    id = service.generate(request(4)).jobId
    expect(await w.ended).toBe('failed')
    expect(w.errors).toEqual([expect.objectContaining({ jobId: id, code: 'disk-full', message: expect.stringMatching(/^disk full: the library's disk has \d+ KB free and this job needs about 1 MB; free some space/) })])
    rmSync(filler)

    // 2. The disk fills while the job runs: the image waits in memory, then lands when space returns.
    w = watch(service.on.bind(service), () => id)
    id = service.generate(request(1)).jobId
    await until(() => service.queue().running?.jobId === id, 'the job to start')
    fill(filler)
    await until(() => w.errors.length > 0, 'the disk-full report')
    expect(w.errors[0]).toMatchObject({ jobId: id, code: 'disk-full', message: expect.stringMatching(/^disk full: the image could not be saved\. It is kept in memory and saved as soon as there is room/) })
    expect(service.queue().running?.jobId).toBe(id) // not "completed" with nothing stored
    expect(w.results).toEqual([])
    rmSync(filler)
    expect(await w.ended).toBe('completed')
    expect(w.results).toHaveLength(1)
    expect(studio.library!.get(w.results[0].resultId)).toBeDefined()
    expect(studio.library!.verify().ok).toBe(true)
  })
})

describe('disk full (simulated at the write layer)', () => {
  it('retries saving until the sink has room, reporting each image once', async () => {
    const mem = new MemoryResultSink()
    let refusals = 3
    let free = 0
    const sink = {
      save: async (img: Parameters<MemoryResultSink['save']>[0]) => {
        if (refusals-- > 0) throw new LibraryError('disk-full', 'disk full: simulated')
        return mem.save(img)
      },
      read: (id: string) => mem.read(id),
      freeBytes: async () => free
    }
    const service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: '/nonexistent', defaultModel: 'fake', fake: { callMs: 1 }, sink, saveRetryMs: 20 })
    try {
      let id = ''
      let w = watch(service.on.bind(service), () => id)
      id = service.generate(request(2)).jobId
      expect(await w.ended).toBe('failed')
      expect(w.errors[0]).toMatchObject({ code: 'disk-full', message: expect.stringMatching(/has 0 KB free and this job needs about/) })

      free = 1 << 30
      w = watch(service.on.bind(service), () => id)
      id = service.generate(request(2)).jobId
      expect(await w.ended).toBe('completed')
      expect(w.results.map((r) => r.cell).sort()).toEqual([0, 1])
      // Each image that hit the full disk was reported once, however many retries it took.
      const reports = w.errors.filter((e) => e.code === 'disk-full')
      expect(reports.length).toBeGreaterThanOrEqual(1)
      expect(reports.length).toBeLessThanOrEqual(2)
      expect(new Set(reports.map((e) => e.cell)).size).toBe(reports.length)
    } finally {
      await service.close()
    }
  })
})
