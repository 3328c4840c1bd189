/**
 * The render farm end to end on a real redis-server (started per file on a free port in a temp folder,
 * append-only persistence on) and the real generation worker on the sd1-tiny fixture model: the studio's
 * service dispatches through FarmDispatcher, nodes are RenderNodes in this process (own worker threads)
 * or, to be killed, in child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ErrorEvent, GridSpec, ResultEvent } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import { LibrarySink } from '../library/keep'
import { Library } from '../library/library'
import { LibraryResultSink } from '../service/library-result-sink'
import { MemoryResultSink, type ResultSink } from '../service/result-sink'
import { GenerationService, type FinishedJobInfo } from '../service/service'
import { sourceWorkerFactory } from '../worker/spawn'
import { connectFarm, keys } from './connection'
import { FarmDispatcher } from './dispatcher'
import { RenderNode, type RenderNodeOptions } from './node'
import { listNodes } from './registry'
import { redisAvailable, startRedis, type TestRedis } from './test-support/redis-server'

const FIXTURES = resolve(__dirname, '../../../tools/fixtures/models')
const FAST = { lockMs: 1500, stalledMs: 700 }

let redis: TestRedis
let models: string
let other: string
const cleanups: Array<() => Promise<void> | void> = []

beforeAll(async () => {
  redis = await startRedis()
  models = mkdtempSync(join(tmpdir(), 'sigma-farm-models-'))
  symlinkSync(join(FIXTURES, 'sd1-tiny'), join(models, 'sd1-tiny'))
  // A node folder without sd1-tiny (it holds another model).
  other = mkdtempSync(join(tmpdir(), 'sigma-farm-other-'))
  symlinkSync(join(FIXTURES, 'sd2-v-tiny'), join(other, 'sd2-v-tiny'))
})
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
  await redis?.stop()
  rmSync(models, { recursive: true, force: true })
  rmSync(other, { recursive: true, force: true })
})

async function node(opts: Partial<RenderNodeOptions> = {}): Promise<RenderNode> {
  const n = await RenderNode.start({ url: redis.url, modelsDir: models, ...FAST, ...opts })
  cleanups.push(() => n.close(true))
  return n
}

function service(opts: { farm?: FarmDispatcher; sink?: ResultSink } = {}): GenerationService {
  const s = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: models, defaultModel: 'sd1-tiny', sink: opts.sink, dispatcher: opts.farm })
  cleanups.push(() => s.close())
  return s
}

function farm(): FarmDispatcher {
  return new FarmDispatcher({ url: redis.url, modelsDir: models, pollMs: 300, cancelWaitMs: 5000 })
}

const GRID_12: GridSpec = { axes: [{ param: 'seed', values: ['1', '2', '3', '4'] }, { param: 'cfg', values: [1, 4, 7] }] }

interface Run {
  info: FinishedJobInfo
  results: ResultEvent[]
  errors: ErrorEvent[]
}

function submit(s: GenerationService, params: Record<string, unknown>, grid: GridSpec | null, onStart?: (jobId: string) => void): Promise<Run> {
  const results: ResultEvent[] = []
  const errors: ErrorEvent[] = []
  const offs = [s.on('studio:result', (r) => results.push(r)), s.on('studio:error', (e) => errors.push(e))]
  const req = VALIDATORS['studio:generate']({ params: { prompt: 'a blue square', width: 64, height: 64, steps: 4, ...params }, preview: { mode: 'off' }, grid })
  const { jobId } = s.generate(req)
  onStart?.(jobId)
  return new Promise<Run>((ok) => {
    const off = s.onJobFinished((info) => {
      if (info.jobId !== jobId) return
      off()
      offs.forEach((o) => o())
      ok({ info, results: results.filter((r) => r.jobId === jobId).sort((a, b) => a.cell - b.cell), errors })
    })
  })
}

async function pixels(sink: ResultSink, resultId: string): Promise<Buffer> {
  const png = await sink.read(resultId)
  return sharp(png!).raw().toBuffer()
}

async function redisKeys(pattern: string): Promise<string[]> {
  const r = connectFarm(redis.url)
  try {
    return await r.keys(pattern)
  } finally {
    r.disconnect()
  }
}

describe.skipIf(!redisAvailable())('render farm on BullMQ', () => {
  it('a 12-cell sweep over 2 nodes lands 12 library entries whose pixels equal a local run, and leaves no PNG in Redis', async () => {
    const local = service()
    const localRun = await submit(local, {}, GRID_12)
    expect(localRun.info.state).toBe('completed')
    expect(localRun.results).toHaveLength(12)

    const [a, b] = [await node({ name: 'node-a' }), await node({ name: 'node-b' })]
    const listed = await listNodes(a['redis'])
    expect(listed.map((n) => n.name)).toEqual(['node-a', 'node-b'])
    expect(listed[0].models).toEqual([{ name: 'sd1-tiny', hash: expect.stringMatching(/^[0-9a-f]{10}$/) }])

    const libDir = mkdtempSync(join(tmpdir(), 'sigma-farm-lib-'))
    const library = Library.open(libDir)
    cleanups.push(() => (library.close(), rmSync(libDir, { recursive: true, force: true })))
    const sink = new LibraryResultSink(new LibrarySink(library), libDir)
    const remote = service({ farm: farm(), sink })
    const farmRun = await submit(remote, {}, GRID_12)
    expect(farmRun.errors).toEqual([])
    expect(farmRun.info.state).toBe('completed')
    expect(farmRun.results.map((r) => r.cell)).toEqual([...Array(12).keys()])
    expect(library.count()).toBe(12)
    expect(library.listGroups()).toHaveLength(1)
    for (const [i, r] of farmRun.results.entries()) {
      expect(r.params).toEqual(localRun.results[i].params)
      expect((await pixels(sink, r.resultId)).equals(await pixels(local.sink, localRun.results[i].resultId)), `cell ${i}`).toBe(true)
    }
    expect(await redisKeys(keys.png('*'))).toEqual([])
    await Promise.all([a.close(), b.close()])
  })
})
