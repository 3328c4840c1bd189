/**
 * Runs one job inside the worker: loads (or reuses) the model, runs the cells (one after another, or
 * side by side with batched model calls), streams step, preview and result messages, and ends every
 * job with exactly one `done` message. Independent of worker_threads so it can be driven directly too.
 */
import type { CellTimings, ErrorCode } from '../../shared/api'
import { CANCEL_SLOT, type FromWorker, type JobTimings, type WorkerJob } from '../../shared/worker-protocol'
import { encodePngRgb } from '../png/encode'
import { Previewer, type PreviewFrame } from './preview'
import {
  CancelledError,
  ModelNotFoundError,
  type CellImage,
  type CellRequest,
  type JobRunner,
  type LoadedModel,
  type ModelCallHooks,
  type StepReport
} from './runner'

export type Post = (msg: FromWorker, transfer?: ArrayBuffer[]) => void

const now = (): number => performance.now()

function zeroCell(): CellTimings {
  return { wallMs: 0, modelMs: 0, modelCalls: 0, previewMs: 0 }
}

/** Keeps one model warm between jobs and runs jobs one at a time. */
export class JobExecutor {
  private model: LoadedModel | null = null
  private running: { serial: number; abort: AbortController } | null = null

  constructor(
    private readonly runner: JobRunner,
    private readonly control: Int32Array,
    private readonly post: Post
  ) {}

  /** The cancel message: reaches the job between model calls (the shared flag reaches it always). */
  cancel(serial: number): void {
    if (this.running?.serial === serial) this.running.abort.abort()
  }

  async dispose(): Promise<void> {
    await this.model?.dispose()
    this.model = null
  }

  async run(job: WorkerJob): Promise<void> {
    const abort = new AbortController()
    this.running = { serial: job.serial, abort }
    const t0 = now()
    const jt: JobTimings = { wallMs: 0, modelMs: 0, modelCalls: 0, modelRows: 0, previewMs: 0, previewFrames: 0, samplerMs: 0, auxMs: 0, loadMs: 0, encodeMs: 0, modelCallMs: [] }
    let encodeMs = 0
    const cancelled = (): boolean => abort.signal.aborted || Atomics.load(this.control, CANCEL_SLOT) === job.serial
    let status: 'completed' | 'cancelled' | 'failed' = 'completed'

    try {
      const model = await this.loadModel(job.cells[0].model, jt)
      this.post({ type: 'started', jobId: job.jobId, model: model.info.name })
      const previewer = new Previewer(model.info, job.preview)
      const cellTimes = job.cells.map(zeroCell)

      const hooksFor = (cell: number): ModelCallHooks => ({
        async modelCall(rows, run) {
          if (cancelled()) throw new CancelledError()
          const t = now()
          try {
            return await run()
          } finally {
            const dt = now() - t
            jt.modelMs += dt
            jt.modelCalls++
            jt.modelCallMs.push(dt)
            jt.modelRows += rows
            cellTimes[cell].modelMs += dt
            cellTimes[cell].modelCalls++
          }
        },
        async auxCall(run) {
          if (cancelled()) throw new CancelledError()
          const t = now()
          try {
            return await run()
          } finally {
            jt.auxMs += now() - t
          }
        }
      })

      let previewChain: Promise<void> = Promise.resolve()
      const onStep = (cell: number) => (r: StepReport) => {
        this.post({ type: 'step', jobId: job.jobId, cell, step: r.i + 1, steps: r.steps, sigma: r.sigma })
        if (!previewer.due(r.i, r.steps)) return
        const emit = (f: PreviewFrame | null, costMs: number): void => {
          jt.previewMs += costMs
          cellTimes[cell].previewMs += costMs
          if (!f) return
          jt.previewFrames++
          this.post({ type: 'preview', jobId: job.jobId, cell, step: r.i + 1, source: f.source, width: f.width, height: f.height, png: f.png, costMs }, [
            f.png.buffer as ArrayBuffer
          ])
        }
        const t = now()
        if (!previewer.async) {
          emit(previewer.frameSync(r.denoised, r.layout), now() - t)
          return
        }
        // The tiny decoder is an async model call: its frames are chained in step order, on a copy of
        // the estimate (the sampler goes on while the decoder runs).
        const copy = Float64Array.from(r.denoised)
        previewChain = previewChain.then(async () => {
          const t1 = now()
          emit(await previewer.frameAsync(copy, r.layout), now() - t1)
        })
      }

      const finish = (cell: number, img: CellImage, started: number): void => {
        const t = now()
        const png = encodePngRgb(img.rgb, img.width, img.height)
        encodeMs += now() - t
        const timing = { ...cellTimes[cell], wallMs: now() - started }
        this.post(
          { type: 'result', jobId: job.jobId, cell, png, width: img.width, height: img.height, params: job.cells[cell], timings: timing },
          [png.buffer as ArrayBuffer]
        )
      }

      const request = (cell: number, hooks: ModelCallHooks): CellRequest => ({ params: job.cells[cell], signal: abort.signal, hooks, onStep: onStep(cell) })

      if (job.batchCells && job.cells.length > 1 && model.generateMany && model.info.batchable) {
        const started = now()
        const shared = hooksFor(0)
        const images = await model.generateMany(job.cells.map((_, i) => request(i, shared)))
        await previewChain
        // One batched run: spread the model time evenly over its cells.
        const total = cellTimes[0]
        job.cells.forEach((_, i) => {
          cellTimes[i] = { ...cellTimes[i], modelMs: total.modelMs / job.cells.length, modelCalls: total.modelCalls }
        })
        images.forEach((img, i) => finish(i, img, started))
      } else {
        for (let i = 0; i < job.cells.length; i++) {
          const started = now()
          const img = await model.generate(request(i, hooksFor(i)))
          await previewChain
          finish(i, img, started)
        }
      }
    } catch (e) {
      if (e instanceof CancelledError || cancelled()) status = 'cancelled'
      else {
        status = 'failed'
        const code: ErrorCode = e instanceof ModelNotFoundError ? 'model-not-found' : isInputError(e) ? 'invalid-request' : 'model-error'
        this.post({ type: 'error', jobId: job.jobId, cell: null, code, message: describe(e, code) })
      }
    } finally {
      this.running = null
    }
    jt.wallMs = now() - t0
    jt.encodeMs = encodeMs
    jt.samplerMs = Math.max(0, jt.wallMs - jt.modelMs - jt.previewMs - jt.auxMs - jt.loadMs - encodeMs)
    this.post({ type: 'done', jobId: job.jobId, status, timings: jt })
  }

  private async loadModel(name: string, jt: JobTimings): Promise<LoadedModel> {
    if (this.model && this.model.info.name === name) return this.model
    const t = now()
    // One model stays warm; a different one replaces it (sessions are large).
    await this.model?.dispose()
    this.model = null
    this.model = await this.runner.load(name)
    jt.loadMs = now() - t
    return this.model
  }
}

/** The models layer's GenerationInputError: the request does not fit the model (size, sampler, …). */
function isInputError(e: unknown): boolean {
  return e instanceof Error && e.name === 'GenerationInputError'
}

function describe(e: unknown, code: ErrorCode): string {
  const msg = e instanceof Error ? e.message : String(e)
  // The models layer's own errors already say what happened and what to do (they carry a hint).
  if (code !== 'model-error' || (typeof e === 'object' && e !== null && 'hint' in e)) return msg
  return `the model failed while generating: ${msg}. Check that the model folder is a complete Stable Diffusion ONNX export, or try another model.`
}
