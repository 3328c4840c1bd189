/**
 * A headless render node (`studio node`): takes cells from the farm's queues and runs them in the
 * desktop app's own generation worker (worker-slot.ts), one BullMQ queue per model hash it holds, so it
 * never receives a cell for a model it lacks. Progress and previews (throttled) go out as BullMQ progress
 * events; the PNG goes under its own key and the job's return value carries only metadata.
 *
 * At-least-once made safe: if this process dies mid-cell, its lock expires and BullMQ's stalled-job check
 * (run by every node's worker) hands the cell to another node; cells are deterministic and results are
 * keyed by cell id, so a retry lands the same pixels once. Cancel: a grid's cancel key is checked before
 * a cell starts, and the cancel channel (with a slow poll as a fallback across Redis restarts) stops the
 * running cell within one model call.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { FakeRunnerOptions, FromWorker, RunnerKind } from '../worker/protocol'
import { RequestError } from '../../shared/validate'
import { modelShortHash } from '../library/model-hash'
import { listModelFolders } from '../service/models-dir'
import { sourceWorkerFactory, type WorkerFactory } from '../worker/spawn'
import { connectFarm, FARM_PREFIX, keys, queueName, redactUrl } from './connection'
import { validateCellPayload, type CellFailure, type CellOutcome } from './payload'
import { announce, HEARTBEAT_MS, NODE_TTL_MS, withdraw, type NodeInfo, type NodeModel } from './registry'
import { WorkerSlot } from './worker-slot'

export interface RenderNodeOptions {
  url: string
  modelsDir: string
  device?: string
  concurrency?: number
  /** Shown in the studio's node list (default: the host name). */
  name?: string
  runner?: RunnerKind
  fake?: FakeRunnerOptions
  workerFactory?: WorkerFactory
  /** BullMQ lock duration and stalled-check interval (ms): how soon a dead node's cell is retried. */
  lockMs?: number
  stalledMs?: number
  /** Least time between two progress events of a cell: steps, and preview frames. */
  stepEveryMs?: number
  previewEveryMs?: number
  /** Models to offer (folder name → hash), instead of hashing every folder under modelsDir (tests). */
  models?: NodeModel[]
  log?: (line: string) => void
}

/** How long a landed-but-never-collected PNG may stay in Redis (a studio that vanished). */
const PNG_TTL_S = 7 * 24 * 3600
const CANCEL_POLL_MS = 500

/** A counting semaphore over the worker slots (a node takes at most --concurrency cells at once). */
class Slots {
  private readonly waiters: Array<(s: WorkerSlot) => void> = []
  constructor(private readonly free: WorkerSlot[]) {}
  take(): Promise<WorkerSlot> {
    const s = this.free.pop()
    return s ? Promise.resolve(s) : new Promise((ok) => this.waiters.push(ok))
  }
  give(s: WorkerSlot): void {
    const w = this.waiters.shift()
    if (w) w(s)
    else this.free.push(s)
  }
}

export async function scanModels(modelsDir: string): Promise<NodeModel[]> {
  const out: NodeModel[] = []
  for (const m of listModelFolders(modelsDir)) {
    try {
      out.push({ name: m.name, hash: await modelShortHash(m.path) })
    } catch {
      // A folder without a UNet to hash is not a model a cell can name.
    }
  }
  return out
}

export class RenderNode {
  readonly id: string
  readonly tempDir: string
  private readonly slots: WorkerSlot[]
  private readonly pool: Slots
  private readonly workers: Worker[] = []
  private readonly active = new Map<string, { gridJobId: string; slot: WorkerSlot | null; cancelled: boolean }>()
  private heartbeat: NodeJS.Timeout | null = null
  private closed = false
  readonly info: NodeInfo

  private constructor(
    private readonly opts: RenderNodeOptions,
    private readonly redis: Redis,
    private readonly sub: Redis,
    models: NodeModel[],
    private readonly folders: Map<string, string>
  ) {
    const name = opts.name ?? hostname()
    this.id = `${name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`
    // The node's only folder: nothing it runs writes anywhere else (the CLI also makes it the cwd).
    this.tempDir = mkdtempSync(join(tmpdir(), 'sigma-node-'))
    const concurrency = Math.max(1, opts.concurrency ?? 1)
    const init = { runner: opts.runner ?? 'onnx', modelsDir: this.tempDir, fake: opts.fake, device: opts.device }
    this.slots = Array.from({ length: concurrency }, () => new WorkerSlot(opts.workerFactory ?? sourceWorkerFactory, init))
    this.pool = new Slots([...this.slots])
    this.info = { id: this.id, name, device: opts.device ?? 'auto', models, slots: concurrency, running: [], startedAt: Date.now(), lastHeartbeat: 0 }
  }

  static async start(opts: RenderNodeOptions): Promise<RenderNode> {
    const models = opts.models ?? (await scanModels(opts.modelsDir))
    const folders = new Map<string, string>()
    for (const m of models) if (!folders.has(m.hash)) folders.set(m.hash, join(opts.modelsDir, m.name))
    const redis = connectFarm(opts.url, { name: 'sigma-node' })
    const sub = connectFarm(opts.url, { name: 'sigma-node-cancel' })
    const node = new RenderNode(opts, redis, sub, models, folders)
    await node.begin()
    return node
  }

  private log(line: string): void {
    this.opts.log?.(line)
  }

  private async begin(): Promise<void> {
    await this.sub.subscribe(keys.cancelChannel)
    this.sub.on('message', (_channel: string, gridJobId: string) => this.cancelGrid(gridJobId))
    await this.beat()
    this.heartbeat = setInterval(() => void this.beat().catch(() => {}), HEARTBEAT_MS)
    for (const hash of this.folders.keys()) {
      const w = new Worker(queueName(hash), (job, token) => this.process(job, hash), {
        connection: connectFarm(this.opts.url, { name: 'sigma-node-queue' }),
        prefix: FARM_PREFIX,
        concurrency: this.slots.length,
        lockDuration: this.opts.lockMs ?? 30_000,
        stalledInterval: this.opts.stalledMs ?? 30_000,
        // A cell whose node died is handed on this many times before it is reported failed.
        maxStalledCount: 3,
        name: this.id
      })
      w.on('error', (e) => this.log(`queue ${queueName(hash)}: ${e.message}`))
      this.workers.push(w)
    }
    this.log(`node ${this.info.name} (${this.id}) on ${redactUrl(this.opts.url)}: ${this.info.models.map((m) => `${m.name} ${m.hash}`).join(', ') || 'no models'}; ${this.slots.length} slot(s), device ${this.info.device}`)
  }

  private async beat(): Promise<void> {
    if (this.closed) return
    this.info.lastHeartbeat = Date.now()
    this.info.running = [...this.active.keys()]
    await announce(this.redis, this.info, NODE_TTL_MS)
  }

  private cancelGrid(gridJobId: string): void {
    for (const a of this.active.values()) {
      if (a.gridJobId !== gridJobId || a.cancelled) continue
      a.cancelled = true
      a.slot?.cancel()
    }
  }

  /** One cell: validate, check cancel, run in a worker slot, store the PNG, return the metadata. */
  private async process(job: Job, queueHash: string): Promise<CellOutcome> {
    const node = this.info.name
    let cell
    try {
      cell = validateCellPayload(job.data)
    } catch (e) {
      const f: CellFailure = { code: 'invalid-request', message: `node ${node} refused the cell: ${(e as Error).message}`, ...(e instanceof RequestError ? { field: e.field } : {}) }
      throw new UnrecoverableError(JSON.stringify(f))
    }
    const folder = this.folders.get(cell.modelHash)
    if (cell.modelHash !== queueHash || !folder) {
      throw new UnrecoverableError(JSON.stringify({ code: 'model-not-found', message: `node ${node} does not hold model ${cell.modelHash}` }))
    }
    if (await this.redis.exists(keys.cancelled(cell.gridJobId))) return { status: 'cancelled', node }
    const id = job.id!
    const entry = { gridJobId: cell.gridJobId, slot: null as WorkerSlot | null, cancelled: false }
    this.active.set(id, entry)
    void this.beat().catch(() => {})
    const slot = await this.pool.take()
    entry.slot = slot
    const poll = setInterval(() => {
      void this.redis.exists(keys.cancelled(cell.gridJobId)).then((n) => n && this.cancelGrid(cell.gridJobId), () => {})
    }, CANCEL_POLL_MS)
    try {
      if (await this.redis.exists(keys.cancelled(cell.gridJobId))) return { status: 'cancelled', node }
      const relay = new ProgressRelay(job, this.opts.stepEveryMs ?? 100, this.opts.previewEveryMs ?? 500)
      let result: Extract<FromWorker, { type: 'result' }> | null = null
      let error: CellFailure | null = null
      const { request } = cell
      const end = await slot.run(
        {
          jobId: id,
          // The model by this node's own folder for the hash: never a path from the payload.
          cells: [{ ...request.params, model: folder }],
          preview: request.preview,
          batchCells: false,
          ...(request.initImage ? { initImage: request.initImage } : {}),
          ...(request.maskImage ? { maskImage: request.maskImage } : {}),
          ...(cell.reference ? { reference: true } : {}),
          scoreOptimal: cell.scoreOptimal
        },
        (m) => {
          if (m.type === 'result') result = m
          else if (m.type === 'error') error = { code: m.code, message: m.message, ...(m.field ? { field: m.field } : {}) }
          else relay.onMessage(m)
        }
      )
      await relay.flush()
      if (end.status === 'crashed') throw new Error(`node ${node}: the generation worker stopped (${end.why}); the cell will be retried`)
      if (end.status === 'cancelled' || entry.cancelled) return { status: 'cancelled', node }
      const r = result as Extract<FromWorker, { type: 'result' }> | null
      if (end.status === 'failed' || !r) {
        const f: CellFailure = error ?? { code: 'model-error', message: 'the cell ended without an image' }
        throw new UnrecoverableError(JSON.stringify({ ...f, message: `node ${node}: ${f.message}` }))
      }
      await this.redis.set(keys.png(id), Buffer.from(r.png.buffer, r.png.byteOffset, r.png.byteLength), 'EX', PNG_TTL_S)
      return {
        status: 'done',
        node,
        width: r.width,
        height: r.height,
        timings: r.timings,
        jobTimings: end.timings,
        ...(r.metrics ? { metrics: r.metrics } : {}),
        ...(r.scoreOptimal ? { scoreOptimal: r.scoreOptimal } : {})
      }
    } finally {
      clearInterval(poll)
      this.active.delete(id)
      this.pool.give(slot)
      void this.beat().catch(() => {})
    }
  }

  /** Stops taking cells; `force` abandons running ones (their locks expire and other nodes retry them). */
  async close(force = false): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.heartbeat) clearInterval(this.heartbeat)
    await Promise.all(this.workers.map((w) => w.close(force)))
    await withdraw(this.redis, this.id).catch(() => {})
    await Promise.all(this.slots.map((s) => s.close()))
    this.sub.disconnect()
    this.redis.disconnect()
    rmSync(this.tempDir, { recursive: true, force: true })
  }
}

/** Step, reference and preview messages as BullMQ progress, throttled; kept in order. */
class ProgressRelay {
  private chain: Promise<unknown> = Promise.resolve()
  private lastStep = -Infinity
  private lastPreview = -Infinity

  constructor(
    private readonly job: Job,
    private readonly stepEveryMs: number,
    private readonly previewEveryMs: number
  ) {}

  onMessage(m: FromWorker): void {
    const t = performance.now()
    if (m.type === 'step') {
      if (m.step < m.steps && t - this.lastStep < this.stepEveryMs) return
      this.lastStep = t
      this.send({ kind: 'step', step: m.step, steps: m.steps, sigma: m.sigma })
    } else if (m.type === 'reference-progress') {
      if (m.calls < m.totalCalls && t - this.lastStep < this.stepEveryMs) return
      this.lastStep = t
      this.send({ kind: 'reference', calls: m.calls, totalCalls: m.totalCalls })
    } else if (m.type === 'preview') {
      if (t - this.lastPreview < this.previewEveryMs) return
      this.lastPreview = t
      this.send({ kind: 'preview', step: m.step, source: m.source, width: m.width, height: m.height, costMs: m.costMs, png: Buffer.from(m.png).toString('base64') })
    }
  }

  private send(p: FarmProgress): void {
    // Progress is best effort: a Redis hiccup must not fail the cell.
    this.chain = this.chain.then(() => this.job.updateProgress(p)).catch(() => {})
  }

  flush(): Promise<unknown> {
    return this.chain
  }
}

/** A cell's BullMQ progress payload. */
export type FarmProgress =
  | { kind: 'step'; step: number; steps: number; sigma: number }
  | { kind: 'reference'; calls: number; totalCalls: number }
  | { kind: 'preview'; step: number; source: 'latent2rgb' | 'taesd'; width: number; height: number; costMs: number; png: string }
