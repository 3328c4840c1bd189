/**
 * The studio's side of the farm: a CellDispatcher (src/main/service/cell-dispatcher.ts) that turns a
 * job's cells into BullMQ jobs (one per cell, full GenerationParams and the model's hash, on the queue
 * of that hash) and turns what the nodes report back into the worker's own messages, so results land in
 * the library through the same service code as local ones.
 *
 * Landing is idempotent: a cell is landed at most once per studio job (cell ids are "<jobId>-<cell>",
 * BullMQ job ids, so a re-add is a no-op), and its PNG and job record are deleted from Redis after the
 * library has it. Events are fast but not relied on: a poll re-reads every pending cell's state, so
 * completions during a Redis restart, or a cell lost with it, are found (a lost cell is queued again).
 */
import { Queue, QueueEvents, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { FromWorker, JobTimings, WorkerJob } from '../worker/protocol'
import { modelShortHash } from '../library/model-hash'
import type { CellDispatcher, DispatchReport } from '../service/cell-dispatcher'
import { modelDir } from '../service/score-optimal-jobs'
import { connectFarm, FARM_PREFIX, keys, queueName, redactUrl } from './connection'
import type { FarmProgress } from './node'
import { cellId, parseFailure, pngSize, PAYLOAD_VERSION, validateOutcome, type CellPayload } from './payload'
import { listNodes, nodesWith, type NodeInfo } from './registry'

/**
 * Sums over landed cells of where their time went, in ms: `queuedMs` from queueing to a node taking the
 * cell (waiting behind other cells included), `computeMs` the worker's own run, `nodeExtraMs` the rest of
 * the node's time on it (payload checks, worker hand-off, PNG into Redis, BullMQ's completion), `noticeMs`
 * from completion until the studio looked (QueueEvents, else the poll), `landMs` reading the PNG and
 * landing it. Stamps of different machines mix clocks; on one machine they are exact.
 */
export interface CellPhases {
  cells: number
  queuedMs: number
  computeMs: number
  nodeExtraMs: number
  noticeMs: number
  landMs: number
}

export interface FarmDispatcherOptions {
  url: string
  /** The studio's model folder: a cell's model hash is computed from it (nodes must hold the same files). */
  modelsDir: string
  /** Tries per cell for failures a retry can fix (a worker crash); a dead node's cell is retried by BullMQ's stalled check. */
  attempts?: number
  /** How often pending cells are re-read from Redis (events are the fast path). */
  pollMs?: number
  /** How long a cancelled job waits for running cells to report they stopped. */
  cancelWaitMs?: number
  log?: (line: string) => void
}

type Outcome = 'landed' | 'failed' | 'cancelled'

interface FarmJob {
  job: WorkerJob
  report: DispatchReport
  hashes: string[]
  pending: Set<number>
  landing: Set<number>
  outcomes: Outcome[]
  timings: JobTimings
  startedAt: number
  cancelRequested: boolean
  warned: Set<string>
  poll: NodeJS.Timeout | null
}

interface QueuePair {
  queue: Queue
  events: QueueEvents
  ready: Promise<unknown>
}

function emptyTimings(): JobTimings {
  return { wallMs: 0, modelMs: 0, modelCalls: 0, modelRows: 0, previewMs: 0, previewFrames: 0, samplerMs: 0, auxMs: 0, loadMs: 0, encodeMs: 0, modelCallMs: [] }
}

export class FarmDispatcher implements CellDispatcher {
  readonly label: string
  readonly redis: Redis
  private readonly queues = new Map<string, QueuePair>()
  private readonly jobs = new Map<string, FarmJob>()
  private readonly byCell = new Map<string, { fj: FarmJob; cell: number }>()
  private closed = false
  /** Where landed cells' time went (see CellPhases); for the benchmark and diagnostics. */
  readonly phases: CellPhases = { cells: 0, queuedMs: 0, computeMs: 0, nodeExtraMs: 0, noticeMs: 0, landMs: 0 }

  constructor(private readonly opts: FarmDispatcherOptions) {
    this.label = `farm ${redactUrl(opts.url)}`
    this.redis = connectFarm(opts.url, { name: 'sigma-studio' })
  }

  /** The live nodes (for the settings view). */
  nodes(): Promise<NodeInfo[]> {
    return listNodes(this.redis)
  }

  run(job: WorkerJob, report: DispatchReport): void {
    const fj: FarmJob = {
      job,
      report,
      hashes: [],
      pending: new Set(job.cells.map((_, i) => i)),
      landing: new Set(),
      outcomes: [],
      timings: emptyTimings(),
      startedAt: performance.now(),
      cancelRequested: false,
      warned: new Set(),
      poll: null
    }
    this.jobs.set(job.jobId, fj)
    job.cells.forEach((_, i) => this.byCell.set(cellId(job.jobId, i), { fj, cell: i }))
    this.start(fj).catch((e: unknown) => {
      void fj.report({ type: 'error', jobId: job.jobId, cell: null, code: 'internal', message: `${this.label}: ${(e as Error).message ?? String(e)}` })
      for (const i of [...fj.pending]) this.resolve(fj, i, 'failed')
    })
  }

  private async start(fj: FarmJob): Promise<void> {
    const { job } = fj
    fj.hashes = await Promise.all(
      job.cells.map(async (c) => {
        try {
          return await modelShortHash(modelDir(this.opts.modelsDir, c.model))
        } catch (e) {
          throw new Error(`cannot send model "${c.model}" to the farm: ${(e as Error).message}. The studio must hold the model too, so the farm can match it by hash.`)
        }
      })
    )
    const nodes = await listNodes(this.redis)
    const runnable: number[] = []
    for (const i of job.cells.keys()) {
      if (nodesWith(nodes, fj.hashes[i]).length > 0) runnable.push(i)
      else {
        await fj.report({ type: 'error', jobId: job.jobId, cell: i, code: 'model-not-found', message: this.noNodeMessage(job.cells[i].model, fj.hashes[i], nodes) })
        this.resolve(fj, i, 'failed')
      }
    }
    if (runnable.length === 0) return
    await fj.report({ type: 'started', jobId: job.jobId, model: job.cells[0].model })
    for (const i of runnable) await this.add(fj, i)
    fj.poll = setInterval(() => void this.pollJob(fj).catch((e: unknown) => this.opts.log?.(`${this.label}: poll failed: ${(e as Error).message}`)), this.opts.pollMs ?? 1000)
  }

  private noNodeMessage(model: string, hash: string, nodes: NodeInfo[]): string {
    const seen = nodes.length ? `live nodes: ${nodes.map((n) => `${n.name} (${n.models.map((m) => `${m.name} ${m.hash}`).join(', ') || 'no models'})`).join('; ')}` : 'no node is running'
    return `no farm node holds model "${model}" (hash ${hash}); ${seen}. Copy the model folder to a node's --models folder and restart it, or clear the farm URL to run locally.`
  }

  private payload(fj: FarmJob, cell: number): CellPayload {
    const { job } = fj
    return {
      v: PAYLOAD_VERSION,
      gridJobId: job.jobId,
      cell,
      cells: job.cells.length,
      modelHash: fj.hashes[cell],
      request: {
        params: job.cells[cell],
        preview: job.preview,
        grid: null,
        ...(job.initImage ? { initImage: Buffer.from(job.initImage).toString('base64') } : {}),
        ...(job.maskImage ? { maskImage: Buffer.from(job.maskImage).toString('base64') } : {})
      },
      ...(job.reference ? { reference: true } : {}),
      ...(job.scoreOptimal ? { scoreOptimal: job.scoreOptimal } : {})
    }
  }

  private async add(fj: FarmJob, cell: number): Promise<void> {
    const { queue, ready } = this.queueFor(fj.hashes[cell])
    await ready
    await queue.add('cell', this.payload(fj, cell), {
      jobId: cellId(fj.job.jobId, cell),
      attempts: this.opts.attempts ?? 3,
      backoff: { type: 'fixed', delay: 500 },
      // Completed cells are removed by the studio once landed; failed ones are kept a day for inspection.
      removeOnComplete: false,
      removeOnFail: { age: 24 * 3600 }
    })
  }

  private queueFor(hash: string): QueuePair {
    let q = this.queues.get(hash)
    if (q) return q
    const name = queueName(hash)
    // Previews travel as progress events: a short events stream keeps Redis from holding many frames.
    const queue = new Queue(name, { connection: this.redis, prefix: FARM_PREFIX, streams: { events: { maxLen: 1000 } } })
    const events = new QueueEvents(name, { connection: connectFarm(this.opts.url, { name: 'sigma-studio-events' }), prefix: FARM_PREFIX })
    events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data as FarmProgress))
    events.on('completed', ({ jobId }) => void this.check(jobId))
    events.on('failed', ({ jobId }) => void this.check(jobId))
    // Connection errors during a Redis restart are expected: the clients reconnect, and the poll catches up.
    events.on('error', () => {})
    queue.on('error', () => {})
    q = { queue, events, ready: Promise.all([queue.waitUntilReady(), events.waitUntilReady()]) }
    this.queues.set(hash, q)
    return q
  }

  private onProgress(id: string, p: FarmProgress): void {
    const e = this.byCell.get(id)
    if (!e || !e.fj.pending.has(e.cell) || typeof p !== 'object' || p === null) return
    const jobId = e.fj.job.jobId
    const report = e.fj.report
    if (p.kind === 'step') void report({ type: 'step', jobId, cell: e.cell, step: p.step, steps: p.steps, sigma: p.sigma })
    else if (p.kind === 'reference') void report({ type: 'reference-progress', jobId, cell: e.cell, calls: p.calls, totalCalls: p.totalCalls })
    else if (p.kind === 'preview' && typeof p.png === 'string') {
      void report({ type: 'preview', jobId, cell: e.cell, step: p.step, source: p.source, width: p.width, height: p.height, costMs: p.costMs, png: new Uint8Array(Buffer.from(p.png, 'base64')) })
    }
  }

  /** Reads a cell's job and acts on its state (landing, failure); safe to call any number of times. */
  private async check(id: string): Promise<void> {
    const e = this.byCell.get(id)
    if (!e) return
    const { fj, cell } = e
    if (!fj.pending.has(cell) || fj.landing.has(cell)) return
    const { queue } = this.queueFor(fj.hashes[cell])
    // State first, then the record: a finished job no longer changes (a record read first could
    // still be the running job's, without its return value).
    const state = await queue.getJobState(id)
    if (!fj.pending.has(cell) || fj.landing.has(cell)) return
    if (state === 'unknown') {
      if (fj.cancelRequested) return this.resolve(fj, cell, 'cancelled')
      // Lost (a Redis without persistence restarted): queue it again; the cell is deterministic.
      this.opts.log?.(`${this.label}: cell ${id} is no longer in Redis; queueing it again`)
      return this.add(fj, cell)
    }
    if (state !== 'completed' && state !== 'failed') return
    const noticedAt = Date.now()
    fj.landing.add(cell)
    try {
      const job = (await queue.getJob(id)) as Job | undefined
      if (!job) return
      if (state === 'failed') {
        const f = parseFailure(job.failedReason)
        await fj.report({ type: 'error', jobId: fj.job.jobId, cell, code: f.code, message: f.message, ...(f.field ? { field: f.field } : {}) })
        return this.resolve(fj, cell, 'failed')
      }
      await this.land(fj, cell, id, job, noticedAt)
    } finally {
      fj.landing.delete(cell)
    }
  }

  private async land(fj: FarmJob, cell: number, id: string, job: Job, noticedAt: number): Promise<void> {
    const jobId = fj.job.jobId
    let outcome
    try {
      outcome = validateOutcome(job.returnvalue)
    } catch (e) {
      await fj.report({ type: 'error', jobId, cell, code: 'internal', message: (e as Error).message })
      return this.resolve(fj, cell, 'failed')
    }
    if (outcome.status === 'cancelled') {
      await job.remove().catch(() => {})
      return this.resolve(fj, cell, 'cancelled')
    }
    const png = await this.redis.getBuffer(keys.png(id))
    const size = png ? pngSize(png) : null
    if (!png || !size || size.width !== outcome.width || size.height !== outcome.height) {
      await fj.report({ type: 'error', jobId, cell, code: 'internal', message: `node ${outcome.node} reported cell ${cell} done but its image is ${png ? 'not a PNG of the reported size' : 'missing from Redis'}` })
      return this.resolve(fj, cell, 'failed')
    }
    // The studio's own cell params (not the node's folder path) go into the library.
    await fj.report({
      type: 'result',
      jobId,
      cell,
      png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength),
      width: outcome.width,
      height: outcome.height,
      params: fj.job.cells[cell],
      timings: outcome.timings,
      ...(outcome.metrics ? { metrics: outcome.metrics } : {}),
      ...(outcome.scoreOptimal ? { scoreOptimal: outcome.scoreOptimal } : {})
    })
    this.addPhases(job, outcome.timings.wallMs, noticedAt)
    const t = outcome.jobTimings
    for (const k of ['modelMs', 'modelCalls', 'modelRows', 'previewMs', 'previewFrames', 'samplerMs', 'auxMs', 'loadMs', 'encodeMs'] as const) fj.timings[k] += t[k] ?? 0
    if (fj.timings.modelCallMs.length < 100_000) fj.timings.modelCallMs.push(...(t.modelCallMs ?? []))
    this.resolve(fj, cell, 'landed')
    // Landed: the bytes and the job record leave Redis.
    await this.redis.del(keys.png(id)).catch(() => {})
    await job.remove().catch(() => {})
  }

  /** BullMQ's own timestamps (added, taken, finished; each machine's clock) around the node's run. */
  private addPhases(job: Job, computeMs: number, noticedAt: number): void {
    const p = this.phases
    const { timestamp, processedOn, finishedOn } = job
    if (!processedOn || !finishedOn) return
    p.cells++
    p.queuedMs += processedOn - timestamp
    p.computeMs += computeMs
    p.nodeExtraMs += Math.max(0, finishedOn - processedOn - computeMs)
    p.noticeMs += Math.max(0, noticedAt - finishedOn)
    p.landMs += Date.now() - noticedAt
  }

  private resolve(fj: FarmJob, cell: number, o: Outcome): void {
    if (!fj.pending.delete(cell)) return
    fj.outcomes.push(o)
    if (fj.pending.size > 0) return
    if (fj.poll) clearInterval(fj.poll)
    this.jobs.delete(fj.job.jobId)
    fj.job.cells.forEach((_, i) => this.byCell.delete(cellId(fj.job.jobId, i)))
    const status = fj.cancelRequested ? 'cancelled' : fj.outcomes.includes('failed') ? 'failed' : 'completed'
    fj.timings.wallMs = performance.now() - fj.startedAt
    void fj.report({ type: 'done', jobId: fj.job.jobId, status, timings: fj.timings })
  }

  private async pollJob(fj: FarmJob): Promise<void> {
    for (const cell of [...fj.pending]) await this.check(cellId(fj.job.jobId, cell))
    if (fj.pending.size === 0 || fj.cancelRequested) return
    // A cell no live node can run is reported (once per model), not left waiting silently.
    const nodes = await listNodes(this.redis)
    for (const cell of fj.pending) {
      const hash = fj.hashes[cell]
      if (nodesWith(nodes, hash).length > 0 || fj.warned.has(hash)) continue
      fj.warned.add(hash)
      await fj.report({ type: 'error', jobId: fj.job.jobId, cell: null, code: 'model-not-found', message: `${this.noNodeMessage(fj.job.cells[cell].model, hash, nodes)} The job's cells wait in the queue until such a node starts; cancel the job to drop them.` })
    }
  }

  cancel(jobId: string): void {
    const fj = this.jobs.get(jobId)
    if (!fj || fj.cancelRequested) return
    fj.cancelRequested = true
    void (async () => {
      // The key first (nodes check it before starting a cell), then the channel for running ones.
      await this.redis.set(keys.cancelled(jobId), '1', 'EX', 24 * 3600)
      await this.redis.publish(keys.cancelChannel, jobId)
      for (const cell of [...fj.pending]) {
        if (fj.landing.has(cell)) continue
        const id = cellId(jobId, cell)
        const { queue } = this.queueFor(fj.hashes[cell])
        // Removing fails for a cell a node holds (locked): that one reports 'cancelled' itself.
        const removed = await queue.remove(id).catch(() => 0)
        if (removed === 1) this.resolve(fj, cell, 'cancelled')
      }
      setTimeout(() => {
        // A node that died while stopping: its cell would be retried, see the key and cancel; do not wait for it.
        for (const cell of [...fj.pending]) if (!fj.landing.has(cell)) this.resolve(fj, cell, 'cancelled')
      }, this.opts.cancelWaitMs ?? 15_000).unref()
    })().catch((e: unknown) => this.opts.log?.(`${this.label}: cancel failed: ${(e as Error).message}`))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const fj of this.jobs.values()) if (fj.poll) clearInterval(fj.poll)
    await Promise.all([...this.queues.values()].map(async (q) => Promise.all([q.events.close(), q.queue.close()])))
    this.redis.disconnect()
  }
}

/** Type guard for tests: the worker message a dispatcher report carries. */
export type ReportedMessage = Parameters<DispatchReport>[0] & FromWorker
