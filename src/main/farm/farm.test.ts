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
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
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
import { listNodes, NODE_TTL_MS } from './registry'
import { main } from '../cli/studio'
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

/** Nodes started by the running test; closed after it, so each test sees only its own. */
const testNodes: RenderNode[] = []
afterEach(async () => {
  await Promise.all(testNodes.splice(0).map((n) => n.close(true)))
})

async function node(opts: Partial<RenderNodeOptions> = {}): Promise<RenderNode> {
  const n = await RenderNode.start({ url: redis.url, modelsDir: models, ...FAST, ...opts })
  testNodes.push(n)
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


const REPO = resolve(__dirname, '../../..')

/** `studio node` in a child process (so it can be SIGKILLed); resolves once it says it is ready. */
async function childNode(name: string, dir = models): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['--import', 'tsx', 'src/main/cli/studio.ts', 'node', '--redis', redis.url, '--models', dir, '--name', name, '--lock-ms', String(FAST.lockMs)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const kill = async (): Promise<void> => {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL')
      await new Promise((ok) => p.once('exit', ok))
    }
  }
  cleanups.push(kill)
  let out = ''
  await new Promise<void>((ok, fail) => {
    p.stdout!.on('data', (d: Buffer) => ((out += d.toString()), out.includes('ready:') && ok()))
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    p.on('exit', (code) => fail(new Error(`studio node exited with ${code}: ${out}`)))
  })
  return p
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function nodesNow(): Promise<Awaited<ReturnType<typeof listNodes>>> {
  const r = connectFarm(redis.url)
  try {
    return await listNodes(r)
  } finally {
    r.disconnect()
  }
}

function memoryLibrary(): { sink: ResultSink; count: () => number } {
  const libDir = mkdtempSync(join(tmpdir(), 'sigma-farm-lib-'))
  const library = Library.open(libDir)
  cleanups.push(() => (library.close(), rmSync(libDir, { recursive: true, force: true })))
  return { sink: new LibraryResultSink(new LibrarySink(library), libDir), count: () => library.count() }
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
  })
  it('SIGKILL of a node mid-cell: another node takes its cell and every cell lands exactly once', async () => {
    const doomed = await childNode('doomed')
    const { sink, count } = memoryLibrary()
    const s = service({ farm: farm(), sink })
    const run = submit(s, { steps: 120 }, { seeds: ['1', '2', '3', '4'] })
    // The doomed node is the only one: wait until it is inside a cell, then start a survivor and kill it.
    await waitFor('the doomed node to start a cell', async () => (await nodesNow()).find((n) => n.name === 'doomed' && n.running.length > 0))
    await node({ name: 'survivor' })
    doomed.kill('SIGKILL')
    const { info, results, errors } = await run
    expect(errors).toEqual([])
    expect(info.state).toBe('completed')
    expect(results.map((r) => r.cell)).toEqual([0, 1, 2, 3])
    expect(count()).toBe(4)
    expect(await redisKeys(keys.png('*'))).toEqual([])
  })

  it('cancel stops the remaining cells: no more land, none stay queued, the nodes go idle', async () => {
    await node({ name: 'canceller' })
    const s = service({ farm: farm() })
    let jobId = ''
    const landed: number[] = []
    s.on('studio:result', (r) => {
      landed.push(r.cell)
      if (landed.length === 1) s.cancel(jobId)
    })
    const { info, results } = await submit(s, { steps: 40 }, GRID_12, (id) => (jobId = id))
    expect(info.state).toBe('cancelled')
    expect(results.length).toBeLessThan(12)
    const after = landed.length
    await new Promise((r) => setTimeout(r, 1500))
    expect(landed.length).toBe(after)
    // Nodes report busy/idle with their heartbeat (every 2 s), so idleness is awaited, not sampled once.
    await expect.poll(async () => (await nodesNow()).every((n) => n.running.length === 0), { timeout: 15_000 }).toBe(true)
    const r = connectFarm(redis.url)
    try {
      // Nothing of this job is waiting or running in any cell queue.
      const left = (await r.keys('sigma:cells-*:wait')).length + (await r.keys('sigma:cells-*:active')).length
      const waiting = left === 0 ? 0 : (await Promise.all((await r.keys('sigma:cells-*:wait')).map((k) => r.llen(k)))).reduce((a, b) => a + b, 0)
      expect(waiting).toBe(0)
    } finally {
      r.disconnect()
    }
  })

  it('a cell no node can run is reported at once; a node without the model leaves the cells to one that has it', async () => {
    const stray = await node({ name: 'stray', modelsDir: other })
    expect(stray.info.models.map((m) => m.name)).toEqual(['sd2-v-tiny'])
    // A node SIGKILLed by an earlier test stays announced until its TTL runs out; while it does, the
    // farm rightly queues sd1-tiny cells for it. This case is about a farm where no node holds the model.
    await expect.poll(async () => (await nodesNow()).map((n) => n.name), { timeout: 3 * NODE_TTL_MS }).toEqual(['stray'])
    const s = service({ farm: farm() })
    const alone = await submit(s, {}, { seeds: ['1', '2'] })
    expect(alone.info.state).toBe('failed')
    expect(alone.errors.map((e) => [e.cell, e.code])).toEqual([
      [0, 'model-not-found'],
      [1, 'model-not-found']
    ])
    expect(alone.errors[0].message).toMatch(/no farm node holds model "sd1-tiny" \(hash [0-9a-f]{10}\); live nodes: stray \(sd2-v-tiny [0-9a-f]{10}\)/)

    await node({ name: 'holder' })
    const served = await submit(s, {}, { seeds: ['1', '2', '3'] })
    expect(served.errors).toEqual([])
    expect(served.results.map((r) => r.cell)).toEqual([0, 1, 2])
  })

  it('a Redis restart mid-sweep loses nothing: every cell lands once', async () => {
    await node({ name: 'steady-a' })
    await node({ name: 'steady-b' })
    const { sink, count } = memoryLibrary()
    const s = service({ farm: farm(), sink })
    let restarted: Promise<void> | null = null
    s.on('studio:result', () => {
      restarted ??= redis.restart()
    })
    const { info, results } = await submit(s, { steps: 30 }, GRID_12)
    await restarted
    expect(restarted).not.toBeNull()
    expect(info.state).toBe('completed')
    expect(results.map((r) => r.cell)).toEqual([...Array(12).keys()])
    expect(count()).toBe(12)
  })
  it('studio sweep --farm on a password-protected Redis: the CLI drives the farm, exports the grid, and never prints the password', async () => {
    const secured = await startRedis({ password: 's3cret-Pw' })
    cleanups.push(() => secured.stop())
    expect(secured.url).toContain(':s3cret-Pw@')
    const n = await RenderNode.start({ url: secured.url, modelsDir: models, ...FAST, name: 'secured' })
    testNodes.push(n)
    const out: string[] = []
    const exportPath = join(models, 'grid.png')
    const code = await main(
      ['sweep', '--x', 'cfg=1,4', '--y', 'seed=1-2', '--prompt', 'a blue square', '--model', join(models, 'sd1-tiny'), '--steps', '4', '--width', '64', '--height', '64', '--farm', secured.url, '--no-library', '--export', exportPath],
      { out: (l) => out.push(l), err: (l) => out.push(l) }
    )
    expect(out.join('\n')).not.toContain('s3cret')
    expect(code, out.join('\n')).toBe(0)
    expect(out.at(-1)).toMatch(/^completed: 4\/4 cells in .* on redis:\/\/:\*\*\*@127\.0\.0\.1:/)
    const meta = await sharp(exportPath).metadata()
    expect(meta.width).toBeGreaterThan(128)
    // Without the password the farm is refused, not silently empty.
    const anon = connectFarm(secured.url.replace(':s3cret-Pw@', ''))
    await expect(anon.get('x')).rejects.toThrow(/NOAUTH/)
    anon.disconnect()
  })
})
