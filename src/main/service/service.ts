/**
 * The generation service: the one API that Electron IPC, the web host and scripts all call. It keeps
 * the job queue on the main thread and hands one job at a time to the generation worker, turning the
 * worker's messages into the contract's events. It never runs inference itself, so the main thread
 * stays responsive; when the worker dies, the running job is reported failed and a fresh worker takes
 * the next job.
 */
import { createHash, randomBytes } from 'node:crypto'
import { SAMPLER_BY_ID } from '../../shared/catalogue'
import type { Worker } from 'node:worker_threads'
import { EVENT_NAMES, RequestError, type ErrorEvent, type EventName, type Events, type GenerateRequest, type InvokeHandlers, type JobState, type ModelEntry, type QueueDelta, type QueueEntry, type QueueJobDetails, type QueueState } from '../../shared/api'
import { expandGrid } from '../../shared/sweep-grid'
import { promptPreview, QUEUE_PROMPT_CHARS } from '../../shared/queue'
import { hiresSteps } from '../../shared/hires'
import type { CalibrateRequest, ProfileInfo } from '../../shared/calibration'
import { DEFAULT_PARAMS, type GenerationParams } from '../../shared/params'
import {
  CANCEL_SLOT,
  CONTROL_BYTES,
  type FakeRunnerOptions,
  type FromWorker,
  type JobTimings,
  type RunnerKind,
  type ToWorker
} from '../worker/protocol'
import type { WorkerFactory } from '../worker/spawn'
import { isDiskFull } from '../library/errors'
import { formatBytes } from '../util/folders'
import { checkModelName } from './model-names'
import type { CellDispatcher } from './cell-dispatcher'
import { availableMemory } from '../util/memory'
import { preflightJob } from './preflight'
import { listModelFolders } from './models-dir'
import { MemoryResultSink, type ResultSink } from './result-sink'
import { cachedProfiles, calibrationModelHash, scoreOptimalForJob, storeCalibration } from './score-optimal-jobs'

export interface ServiceOptions {
  workerFactory: WorkerFactory
  runner: RunnerKind
  modelsDir: string
  /** Used when a request leaves `params.model` empty. */
  defaultModel?: string
  /** Model folders the model manager never renames or removes (the embedded model), marked in the list. */
  protectedModels?: readonly string[]
  sink?: ResultSink
  fake?: FakeRunnerOptions
  /**
   * Where calibrated score-optimal profiles are cached (the composition root passes
   * `<libraryDir>/score-optimal`, which `studio evaluate schedules` uses too). Without it, calibrations
   * still run but are not kept, and `score_optimal` always uses its built-in fallback. A function is
   * asked each time, so the cache follows a library that is switched while the app runs.
   */
  cacheDir?: string | (() => string | undefined)
  /** Runs generation jobs elsewhere (the render farm) instead of in the local worker; see setDispatcher. */
  dispatcher?: CellDispatcher | null
  /** How long to wait before saving again when the library's disk is full (ms; default 5 s). */
  saveRetryMs?: number
}

/** Room kept free beyond a job's images: the index, its journal and the thumbnails grow too. */
const SAVE_MARGIN_BYTES = 1 << 20

class DiskFullError extends Error {}

/** Most jobs that may wait at once. */
export const MAX_WAITING_JOBS = 200
/** Most init-image bytes waiting jobs may hold together (eight of the largest accepted images). */
export const MAX_QUEUED_INIT_BYTES = 256 * 2 ** 20
// How much of a prompt a queue list gets (re-exported for the tests and the CLI).
export { promptPreview, QUEUE_PROMPT_CHARS }

interface Job {
  summary: QueueEntry
  /** The base params' whole prompt (queue events carry none; 'studio:queue:details' gives its start). */
  prompt: string
  serial: number
  cells: GenerationParams[]
  request: GenerateRequest
  startedAt: number
  /** Steps reported per cell (a schedule may make more or fewer than params.steps). */
  cellSteps: number[]
  cellDone: number[]
  cancelRequestedAt: number | null
  /** Result saves still in flight; the job ends after them. */
  saves: Promise<void>[]
  /** A calibration job's request and how far it got (absent for generation jobs). */
  calibration?: { request: CalibrateRequest; calls: number; totalCalls: number; trajectory: number; trajectories: number; profile?: ProfileInfo }
  /** Set when the job runs through a dispatcher (the farm) rather than the local worker. */
  remote?: CellDispatcher
}

/** What the last finished job measured (for the benchmark and diagnostics). */
export interface FinishedJobInfo {
  jobId: string
  state: JobState
  timings: JobTimings | null
  /** ms from cancel() to the worker reporting the job stopped, if it was cancelled while running. */
  cancelLatencyMs: number | null
}

type Listener<E extends EventName> = (payload: Events[E]) => void

export class GenerationService {
  readonly sink: ResultSink
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES))
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>()
  private readonly waiting: Job[] = []
  private running: Job | null = null
  private worker: { w: Worker; ready: Promise<void>; gone: boolean } | null = null
  private serial = 0
  private closed = false
  private closing: Promise<void> | null = null
  private finishedListeners = new Set<(info: FinishedJobInfo) => void>()
  private dispatcher: CellDispatcher | null
  /** The model the worker has loaded (its weights are in memory already), as far as the service knows. */
  private warmModel: string | null = null
  /** The number of the last queue delta sent (snapshots carry it, so clients can tell what they missed). */
  private queueSeq = 0

  constructor(private readonly opts: ServiceOptions) {
    this.sink = opts.sink ?? new MemoryResultSink()
    this.dispatcher = opts.dispatcher ?? null
  }

  /**
   * Where the next generation jobs run: a dispatcher (the render farm) or, with null, the local worker.
   * A job already running keeps its place; calibrations always run locally (they write this machine's
   * profile cache). Returns the previous dispatcher, for the caller to close once its jobs are over.
   */
  setDispatcher(d: CellDispatcher | null): CellDispatcher | null {
    const old = this.dispatcher
    this.dispatcher = d
    return old
  }

  get currentDispatcher(): CellDispatcher | null {
    return this.dispatcher
  }

  /** Where model names are looked up, and what an empty name means (other handler groups resolve models the same way). */
  get models(): { modelsDir: string; defaultModel?: string } {
    return { modelsDir: this.opts.modelsDir, defaultModel: this.opts.defaultModel }
  }

  //#region events

  on<E extends EventName>(name: E, cb: Listener<E>): () => void {
    let set = this.listeners.get(name)
    if (!set) this.listeners.set(name, (set = new Set()))
    set.add(cb as Listener<EventName>)
    return () => set.delete(cb as Listener<EventName>)
  }

  /** Every event, for transports that forward all of them. */
  onAny(cb: <E extends EventName>(name: E, payload: Events[E]) => void): () => void {
    const offs = EVENT_NAMES.map((n) => this.on(n, (p) => cb(n, p)))
    return () => offs.forEach((off) => off())
  }

  /** Called after each job ends, with its measurements. */
  onJobFinished(cb: (info: FinishedJobInfo) => void): () => void {
    this.finishedListeners.add(cb)
    return () => this.finishedListeners.delete(cb)
  }

  private emit<E extends EventName>(name: E, payload: Events[E]): void {
    for (const cb of this.listeners.get(name) ?? []) {
      try {
        ;(cb as Listener<E>)(payload)
      } catch (e) {
        // A broken listener (a closed window, a dropped socket) must not stop the queue.
        console.error(`studio: a ${name} listener failed:`, e)
      }
    }
  }

  //#endregion

  //#region the API

  /** The generation calls of the contract (Studio merges them with the other groups); payloads must already be validated (see VALIDATORS). */
  readonly handlers = {
    'studio:generate': async (p) => this.generate(p),
    'studio:calibrate': async (p) => this.calibrate(p),
    'studio:calibration:list': async (p) => ({ profiles: await cachedProfiles(this.cacheDir(), this.opts.modelsDir, this.modelOrDefault(p.model, 'model')) }),
    'studio:cancel': async (p) => ({ cancelled: this.cancel(p.jobId) }),
    'studio:queue:get': async () => this.queue(),
    'studio:queue:reorder': async (p) => this.reorder(p.jobIds),
    'studio:queue:remove': async (p) => ({ removed: this.remove(p.jobId) }),
    'studio:queue:details': async (p) => ({ jobs: this.details(p.jobIds) }),
    'studio:models:list': async () => ({ models: this.listModels(), modelsDir: this.opts.modelsDir, availableMemory: availableMemory().bytes }),
    'studio:result:image': async (p) => {
      const data = await this.sink.read(p.resultId)
      if (!data) throw new RequestError('resultId', `no result "${p.resultId}"; it may have been dropped from memory, generate it again`)
      // A plain Uint8Array view: a Node Buffer (what a file-backed sink reads) has its own toJSON, which
      // JSON-based transports (the web host's wire format) would apply before seeing the bytes.
      return { mime: 'image/png' as const, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
    }
  } satisfies Partial<InvokeHandlers>

  generate(request: GenerateRequest): { jobId: string } {
    if (this.closed) throw new Error('the generation service has been shut down')
    let params = request.params
    if (params.model === '') params = { ...params, model: this.modelOrDefault('', 'params.model') }
    if (params.img2img && request.initImage) {
      // The stored params name the init image by content, never by a path the renderer chose (see
      // src/shared/init-image.ts): whatever label came in is replaced.
      const digest = createHash('sha256').update(request.initImage).digest('hex').slice(0, 32)
      params = { ...params, img2img: { ...params.img2img, image: `sha256:${digest}` } }
    }
    if (params.img2img?.inpaint && request.maskImage) {
      const digest = createHash('sha256').update(request.maskImage).digest('hex').slice(0, 32)
      params = { ...params, img2img: { ...params.img2img, inpaint: { ...params.img2img.inpaint, mask: `sha256:${digest}` } } }
    }
    const cells = expandGrid(params, request.grid)
    for (const m of new Set(cells.map((c) => c.model))) checkModelName(m, 'params.model', this.opts.modelsDir, this.opts.defaultModel)
    // Size against the model's step and memory against what is free, before the job can crash anything.
    if (this.opts.runner === 'onnx') preflightJob(this.opts.modelsDir, cells, { weightsLoaded: this.warmModel === params.model, memory: this.dispatcher === null })
    const jobId = `j${randomBytes(9).toString('base64url')}`
    const job: Job = {
      summary: { jobId, state: 'waiting', model: params.model, cells: cells.length, queuedAt: Date.now(), settings: settingsLine(params) },
      prompt: params.prompt,
      serial: ++this.serial,
      cells,
      request: { ...request, params },
      startedAt: 0,
      // A hires cell runs both passes' steps (the worker's step reports count them so too).
      cellSteps: cells.map((c) => c.steps + (c.hires ? hiresSteps(c.steps, c.hires) : 0)),
      cellDone: cells.map(() => 0),
      cancelRequestedAt: null,
      saves: []
    }
    return this.enqueue(job)
  }

  /** Queues a score-optimal calibration of a model; it runs in the worker like any job and can be cancelled. */
  calibrate(request: CalibrateRequest): { jobId: string } {
    if (this.closed) throw new Error('the generation service has been shut down')
    checkModelName(request.model, 'model', this.opts.modelsDir, this.opts.defaultModel)
    const req = { ...request, model: this.modelOrDefault(request.model, 'model') }
    const jobId = `j${randomBytes(9).toString('base64url')}`
    // Not an image job: the queue only shows its model and prompt, the worker gets the request itself.
    const params: GenerationParams = { ...DEFAULT_PARAMS, model: req.model, prompt: req.prompt }
    const job: Job = {
      summary: { jobId, state: 'waiting', model: req.model, cells: 1, queuedAt: Date.now(), kind: 'calibrate' },
      prompt: req.prompt,
      serial: ++this.serial,
      cells: [params],
      request: { params, preview: { mode: 'off', every: 1 }, grid: null },
      startedAt: 0,
      cellSteps: [0],
      cellDone: [0],
      cancelRequestedAt: null,
      saves: [],
      calibration: { request: req, calls: 0, totalCalls: 0, trajectory: 0, trajectories: req.trajectories }
    }
    return this.enqueue(job)
  }

  private enqueue(job: Job): { jobId: string } {
    const { jobId } = job.summary
    // Bounds on what waits in memory: a job list a person can still read, and init images (up to 32 MiB
    // each) that cannot add up to gigabytes.
    if (this.waiting.length >= MAX_WAITING_JOBS) {
      throw new RequestError('queue', `${this.waiting.length} jobs are already waiting, the most the queue holds; wait for some to finish or remove some, then queue again`)
    }
    const initBytes = job.request.initImage?.byteLength ?? 0
    if (initBytes > 0) {
      const queued = this.waiting.reduce((sum, j) => sum + (j.request.initImage?.byteLength ?? 0), 0)
      if (queued + initBytes > MAX_QUEUED_INIT_BYTES) {
        throw new RequestError('initImage', `waiting img2img jobs already hold ${Math.round(queued / 2 ** 20)} MiB of init images (the queue keeps at most ${MAX_QUEUED_INIT_BYTES / 2 ** 20} MiB); wait for them to run, or use smaller images`)
      }
    }
    this.waiting.push(job)
    this.emit('studio:job', { jobId, state: 'waiting' })
    this.emitQueue({ added: [{ ...job.summary }] })
    this.pump()
    return { jobId }
  }

  private cacheDir(): string | undefined {
    const d = this.opts.cacheDir
    return typeof d === 'function' ? d() : d
  }

  private modelOrDefault(model: string, field: string): string {
    checkModelName(model, field, this.opts.modelsDir, this.opts.defaultModel)
    if (model !== '') return model
    if (!this.opts.defaultModel) throw new RequestError(field, `no model chosen and no default model; put a model folder in ${this.opts.modelsDir} and choose it`)
    return this.opts.defaultModel
  }

  /** Cancels a waiting job (removes it) or the running one (stops within one model call). */
  cancel(jobId: string): boolean {
    if (this.remove(jobId)) return true
    const job = this.running
    if (!job || job.summary.jobId !== jobId || job.cancelRequestedAt !== null) return false
    job.cancelRequestedAt = performance.now()
    if (job.remote) {
      job.remote.cancel(jobId)
      return true
    }
    // The flag reaches the worker even while it is inside a synchronous ONNX run; the message wakes it
    // if it is between calls.
    Atomics.store(this.control, CANCEL_SLOT, job.serial)
    this.send({ type: 'cancel', serial: job.serial })
    return true
  }

  queue(): QueueState {
    return { seq: this.queueSeq, running: this.running ? { ...this.running.summary } : null, waiting: this.waiting.map((j) => ({ ...j.summary })) }
  }

  /** The start of each listed job's prompt (running or waiting); unknown ids are left out. */
  details(jobIds: string[]): QueueJobDetails[] {
    const jobs = new Map([...(this.running ? [this.running] : []), ...this.waiting].map((j) => [j.summary.jobId, j]))
    return jobIds.flatMap((id) => {
      const j = jobs.get(id)
      return j ? [{ jobId: id, prompt: promptPreview(j.prompt), promptChars: j.prompt.length }] : []
    })
  }

  reorder(jobIds: string[]): QueueState {
    const byId = new Map(this.waiting.map((j) => [j.summary.jobId, j]))
    const first: Job[] = []
    for (const id of jobIds) {
      const j = byId.get(id)
      if (j && !first.includes(j)) first.push(j)
    }
    const rest = this.waiting.filter((j) => !first.includes(j))
    this.waiting.splice(0, this.waiting.length, ...first, ...rest)
    this.emitQueue({ order: this.waiting.map((j) => j.summary.jobId) })
    return this.queue()
  }

  remove(jobId: string): boolean {
    const i = this.waiting.findIndex((j) => j.summary.jobId === jobId)
    if (i < 0) return false
    const [job] = this.waiting.splice(i, 1)
    job.summary.state = 'cancelled'
    this.emit('studio:job', { jobId, state: 'cancelled' })
    this.emitQueue({ removed: [jobId] })
    return true
  }

  listModels(): ModelEntry[] {
    return listModelFolders(this.opts.modelsDir, this.opts.defaultModel, this.opts.protectedModels)
  }

  /**
   * Shuts down in order: waiting jobs are dropped (reported cancelled), the running job is cancelled
   * (it stops within one model call), the worker releases its model and ONNX sessions and ends by
   * itself, and the running job's saves settle. Only a worker that has not ended after `graceMs` is
   * terminated. Terminating a worker inside a native ONNX call aborted the whole process.
   */
  close(graceMs = 15_000): Promise<void> {
    if (!this.closing) this.closing = this.shutDown(graceMs)
    return this.closing
  }

  private async shutDown(graceMs: number): Promise<void> {
    this.closed = true
    const dropped = this.waiting.splice(0)
    for (const job of dropped) {
      job.summary.state = 'cancelled'
      this.emit('studio:job', { jobId: job.summary.jobId, state: 'cancelled' })
    }
    if (dropped.length > 0) this.emitQueue({ removed: dropped.map((j) => j.summary.jobId) })
    const job = this.running
    if (job && job.cancelRequestedAt === null) {
      job.cancelRequestedAt = performance.now()
      Atomics.store(this.control, CANCEL_SLOT, job.serial)
      this.send({ type: 'cancel', serial: job.serial })
    }
    const w = this.worker
    this.worker = null
    if (w && !w.gone) {
      const ended = new Promise<boolean>((ok) => {
        w.w.once('exit', () => ok(true))
        setTimeout(() => ok(false), graceMs).unref?.()
      })
      w.w.postMessage({ type: 'shutdown' } satisfies ToWorker)
      const clean = await ended
      w.gone = true
      if (!clean) await w.w.terminate()
    }
    if (job) await Promise.allSettled(job.saves)
  }

  //#endregion

  //#region worker

  private send(msg: ToWorker): void {
    if (this.worker && !this.worker.gone) this.worker.w.postMessage(msg)
  }

  private ensureWorker(): { w: Worker; ready: Promise<void>; gone: boolean } {
    if (this.worker && !this.worker.gone) return this.worker
    const w = this.opts.workerFactory({ runner: this.opts.runner, modelsDir: this.opts.modelsDir, control: this.control.buffer as SharedArrayBuffer, fake: this.opts.fake })
    let markReady!: () => void
    const slot = { w, ready: new Promise<void>((ok) => (markReady = ok)), gone: false }
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready') markReady()
      else this.onWorkerMessage(m)
    })
    const died = (why: string): void => {
      if (slot.gone) return
      slot.gone = true
      if (this.worker === slot) this.worker = null
      this.warmModel = null
      if (this.closed) return
      this.onWorkerDied(why)
    }
    w.on('error', (e) => died(`it threw an uncaught error: ${e.message}`))
    w.on('exit', (code) => died(`it exited with code ${code}`))
    this.worker = slot
    return slot
  }

  private pump(): void {
    if (this.running || this.closed || this.waiting.length === 0) return
    const job = this.waiting.shift()!
    this.running = job
    job.summary.state = 'running'
    job.startedAt = performance.now()
    this.emit('studio:job', { jobId: job.summary.jobId, state: 'running' })
    this.emitQueue({ updated: [{ ...job.summary }] })
    if (job.request.grid && job.cells.length > 1) this.sink.beginGrid?.(job.summary.jobId, job.request.grid)
    const remote = job.calibration ? null : this.dispatcher
    const slot = remote ? null : this.ensureWorker()
    void Promise.all([slot?.ready, this.workerMessage(job)]).then(
      ([, msg]) => {
        if (this.running !== job) return
        if (remote && msg.type === 'run') {
          job.remote = remote
          remote.run(msg.job, (m) => this.onWorkerMessage(m))
          return
        }
        if (!slot || slot.gone) return
        if (!job.calibration) this.warmModel = job.summary.model
        slot.w.postMessage(msg)
      },
      (e: unknown) => {
        // Preparing failed before the worker saw the job (e.g. a calibration's model cannot be read).
        if (this.running !== job) return
        this.emitError({ jobId: job.summary.jobId, cell: null, code: e instanceof DiskFullError ? 'disk-full' : 'model-not-found', message: (e as Error).message ?? String(e) })
        this.finish(job, 'failed', null)
      }
    )
  }

  /** The worker's message for a job; reads what the job needs from disk first (profiles, model hash). */
  private async workerMessage(job: Job): Promise<ToWorker> {
    const { jobId } = job.summary
    await this.checkRoom(job)
    if (job.calibration) {
      const modelHash = await calibrationModelHash(this.opts.modelsDir, job.calibration.request.model)
      return { type: 'calibrate', job: { jobId, serial: job.serial, request: job.calibration.request, modelHash } }
    }
    const r = job.request
    return {
      type: 'run',
      job: {
        jobId,
        serial: job.serial,
        cells: job.cells,
        preview: r.preview,
        batchCells: job.cells.length > 1,
        ...(r.initImage ? { initImage: r.initImage } : {}),
        ...(r.maskImage ? { maskImage: r.maskImage } : {}),
        ...(r.grid?.reference ? { reference: true } : {}),
        scoreOptimal: await scoreOptimalForJob(this.cacheDir(), this.opts.modelsDir, job.cells)
      }
    }
  }

  /** Returns the save of a 'result' (a dispatcher waits for it before dropping its copy of the image). */
  private onWorkerMessage(m: Exclude<FromWorker, { type: 'ready' }>): Promise<void> | void {
    const job = this.running
    if (!job || job.summary.jobId !== m.jobId) return // a late message of a job already given up on
    const jobId = job.summary.jobId
    switch (m.type) {
      case 'started':
        return
      case 'step': {
        job.cellSteps[m.cell] = m.steps
        job.cellDone[m.cell] = m.step
        const jobStep = job.cellDone.reduce((a, b) => a + b, 0)
        const jobSteps = job.cellSteps.reduce((a, b) => a + b, 0)
        const elapsedMs = performance.now() - job.startedAt
        this.emit('studio:progress', {
          jobId,
          cell: m.cell,
          cells: job.cells.length,
          step: m.step,
          steps: m.steps,
          sigma: m.sigma,
          elapsedMs,
          remainingMs: jobStep > 0 ? (elapsedMs / jobStep) * (jobSteps - jobStep) : null,
          jobStep,
          jobSteps
        })
        return
      }
      case 'reference-progress':
        // The cell's own steps are done; its reference solve is running. The pace of the steps says
        // nothing about how long ~400 reference calls take, so no estimate is given.
        this.emit('studio:progress', {
          jobId,
          cell: m.cell,
          cells: job.cells.length,
          step: job.cellDone[m.cell],
          steps: job.cellSteps[m.cell],
          sigma: 0,
          elapsedMs: performance.now() - job.startedAt,
          remainingMs: null,
          jobStep: job.cellDone.reduce((a, b) => a + b, 0),
          jobSteps: job.cellSteps.reduce((a, b) => a + b, 0),
          reference: { calls: m.calls, totalCalls: m.totalCalls }
        })
        return
      case 'preview':
        this.emit('studio:preview', {
          jobId,
          cell: m.cell,
          step: m.step,
          source: m.source,
          mime: 'image/png',
          width: m.width,
          height: m.height,
          data: m.png,
          costMs: m.costMs
        })
        return
      case 'result': {
        const save = this.saveResult(job, m)
        job.saves.push(save)
        return save
      }
      case 'error':
        this.emitError({ jobId, cell: m.cell, code: m.code, message: m.message, ...(m.field ? { field: m.field } : {}) })
        return
      case 'calibration-progress': {
        const c = job.calibration
        if (!c) return
        Object.assign(c, { calls: m.calls, totalCalls: m.totalCalls, trajectory: m.trajectory, trajectories: m.trajectories })
        this.emitCalibration(job, 'progress')
        return
      }
      case 'calibrated': {
        const c = job.calibration
        if (!c) return
        const dir = this.cacheDir()
        if (!dir) return
        try {
          c.profile = storeCalibration(dir, m.key, m.profile)
        } catch (e) {
          this.emitError({ jobId, cell: null, code: 'internal', message: `the calibrated profile could not be stored in ${dir}: ${(e as Error).message}` })
        }
        return
      }
      case 'done':
        if (job.calibration && m.status === 'completed') this.emitCalibration(job, 'done')
        void Promise.all(job.saves).then(() => this.finish(job, m.status, m.timings))
        return
    }
  }

  /**
   * Stores one finished image and announces it. When the library's disk is full the image is kept in
   * memory and saved again every few seconds until there is room: the job stays running meanwhile (the
   * next job would only fill the same disk), and the user is told plainly, once per image. Cancelling
   * the job, or closing the studio, gives up on images not yet saved, saying so.
   */
  private async saveResult(job: Job, m: Extract<FromWorker, { type: 'result' }>): Promise<void> {
    const { jobId } = job.summary
    const extra = { ...(m.metrics ? { metrics: m.metrics } : {}), ...(m.scoreOptimal ? { scoreOptimal: m.scoreOptimal } : {}) }
    // The init image and mask go with the result (the library keeps them once, by content).
    const { initImage, maskImage } = job.request
    const inputs = initImage ? { inputs: { init: initImage, ...(maskImage ? { mask: maskImage } : {}) } } : {}
    const image = { jobId, cell: m.cell, png: m.png, width: m.width, height: m.height, params: m.params, timings: m.timings, ...extra, ...inputs }
    const which = job.cells.length > 1 ? `image ${m.cell + 1} of ${job.cells.length}` : 'the image'
    let told = false
    for (;;) {
      try {
        const resultId = await this.sink.save(image)
        this.emit('studio:result', { jobId, cell: m.cell, cells: job.cells.length, resultId, width: m.width, height: m.height, params: m.params, timings: m.timings, ...extra })
        return
      } catch (e) {
        if (!isDiskFull(e)) {
          this.emitError({ jobId, cell: m.cell, code: 'internal', message: `${which} could not be stored: ${(e as Error).message}` })
          return
        }
        if (this.closed || job.cancelRequestedAt !== null) {
          this.emitError({ jobId, cell: m.cell, code: 'disk-full', message: `disk full: ${which} was not saved (the job was ${this.closed ? 'stopped with the studio' : 'cancelled'} while the disk was full)` })
          return
        }
        if (!told) {
          told = true
          this.emitError({
            jobId,
            cell: m.cell,
            code: 'disk-full',
            message: `disk full: ${which} could not be saved. It is kept in memory and saved as soon as there is room: free some space on the library's disk (or cancel the job to give it up).`
          })
        }
        await new Promise((ok) => setTimeout(ok, this.opts.saveRetryMs ?? 5000).unref?.())
      }
    }
  }

  /**
   * Refuses to start a job the library's disk has no room for: its images (at most their raw size
   * each, PNG only shrinks them) plus room for the index and thumbnails.
   */
  private async checkRoom(job: Job): Promise<void> {
    const free = await this.sink.freeBytes?.()
    if (free === undefined || free === null || job.calibration) return
    const need = job.cells.reduce((sum, c) => sum + c.width * c.height * 3 + (64 << 10), 0) + SAVE_MARGIN_BYTES
    if (free < need) {
      throw new DiskFullError(`disk full: the library's disk has ${formatBytes(free)} free and this job needs about ${formatBytes(need)}; free some space, then queue it again`)
    }
  }

  private finish(job: Job, state: JobState, timings: JobTimings | null): void {
    if (this.running !== job) return
    this.running = null
    this.sink.endJob?.(job.summary.jobId)
    job.summary.state = state
    const cancelLatencyMs = state === 'cancelled' && job.cancelRequestedAt !== null ? performance.now() - job.cancelRequestedAt : null
    this.emit('studio:job', {
      jobId: job.summary.jobId,
      state,
      ...(timings ? { wallMs: timings.wallMs, modelMs: timings.modelMs, modelCalls: timings.modelCalls } : {})
    })
    for (const cb of this.finishedListeners) cb({ jobId: job.summary.jobId, state, timings, cancelLatencyMs })
    this.emitQueue({ removed: [job.summary.jobId] })
    this.pump()
  }

  private onWorkerDied(why: string): void {
    const job = this.running
    this.emitError({
      jobId: job?.summary.jobId ?? null,
      cell: null,
      code: 'worker-crashed',
      message: `the generation worker stopped unexpectedly (${why}). ${job ? 'This job was lost; ' : ''}the next job starts a fresh worker. If it happens again with the same model, the model files may be damaged.`
    })
    if (job) this.finish(job, 'failed', null)
    else this.pump()
  }

  private emitError(e: ErrorEvent): void {
    this.emit('studio:error', e)
  }

  private emitCalibration(job: Job, phase: 'progress' | 'done'): void {
    const c = job.calibration!
    const elapsedMs = performance.now() - job.startedAt
    const fraction = phase === 'done' ? 1 : c.totalCalls > 0 ? c.calls / c.totalCalls : 0
    this.emit('studio:calibration', {
      jobId: job.summary.jobId,
      model: c.request.model,
      phase,
      calls: phase === 'done' ? c.totalCalls : c.calls,
      totalCalls: c.totalCalls,
      fraction,
      trajectory: c.trajectory,
      trajectories: c.trajectories,
      elapsedMs,
      remainingMs: fraction > 0 ? (elapsedMs / fraction) * (1 - fraction) : null,
      ...(phase === 'done' && c.profile ? { profile: c.profile } : {})
    })
  }

  /** Sends one numbered change of the queue: only the jobs it touched, never prompts (src/shared/queue.ts). */
  private emitQueue(change: Omit<QueueDelta, 'seq'>): void {
    this.emit('studio:queue', { seq: ++this.queueSeq, ...change })
  }

  //#endregion
}

/** The base settings of a job in a few words, for the queue list. */
export function settingsLine(p: GenerationParams): string {
  const sampler = SAMPLER_BY_ID.get(p.sampler)?.displayName ?? p.sampler
  return `${sampler} · ${p.steps} steps · CFG ${p.cfg} · seed ${p.seed}`
}
