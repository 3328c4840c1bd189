/**
 * Runs one job inside the worker: loads (or reuses) the model, runs the cells (one after another, or
 * side by side with batched model calls), streams step, preview and result messages, and ends every
 * job with exactly one `done` message. Independent of worker_threads so it can be driven directly too.
 */
import { LoraTagError, parseLoraTags } from '../../shared/lora-tags'
import type { CellTimings, ErrorCode } from '../../shared/api'
import type { ScoreOptimalUse } from '../../shared/calibration'
import { CANCEL_SLOT, type FromWorker, type JobTimings, type WorkerCalibration, type WorkerJob } from './protocol'
import { validateProfile, type ScoreOptimalProfile } from '../engine/score-optimal/profile'
import { encodePngRgb } from '../png/encode'
import { CallLedger } from './call-ledger'
import { Previewer, type PreviewFrame } from './preview'
import { ReferenceCache } from './reference-metrics'
import {
  CancelledError,
  ModelNotFoundError,
  type CellImage,
  type CellRequest,
  type JobRunner,
  type LoadedModel,
  type NetworkDirs,
  type StepReport
} from './runner'

export type Post = (msg: FromWorker, transfer?: ArrayBuffer[]) => void

const now = (): number => performance.now()

function zeroCell(): CellTimings {
  return { wallMs: 0, modelMs: 0, modelCalls: 0, previewMs: 0 }
}

function emptyTimings(): JobTimings {
  return { wallMs: 0, modelMs: 0, modelCalls: 0, modelRows: 0, previewMs: 0, previewFrames: 0, samplerMs: 0, auxMs: 0, loadMs: 0, encodeMs: 0, modelCallMs: [] }
}

/**
 * The job's calibrated score-optimal profile, checked again here (the worker trusts no file contents);
 * a profile that does not validate falls back to the built-in schedule rather than failing the job.
 */
function jobProfile(job: WorkerJob): { profile: ScoreOptimalProfile; use: ScoreOptimalUse } | undefined {
  if (!job.scoreOptimal) return undefined
  try {
    return { profile: validateProfile(job.scoreOptimal.profile), use: job.scoreOptimal.use }
  } catch {
    return undefined
  }
}

/** Keeps one model warm between jobs and runs jobs one at a time. */
export class JobExecutor {
  private model: LoadedModel | null = null
  /** Model name and LoRA tags the warm model was loaded with. */
  private modelKey = ''
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

  /**
   * What every job shares around its body: the running slot (so cancel reaches it), its timings, the
   * cancelled check; a throw ends it 'failed' with an error message unless it was a cancel; then `done`
   * with the timings, samplerMs being the time not spent in model calls, previews, auxiliary work,
   * loading or encoding.
   */
  private async lifecycle(job: WorkerJob | WorkerCalibration, body: (jt: JobTimings, signal: AbortSignal, cancelled: () => boolean) => Promise<void>): Promise<void> {
    const abort = new AbortController()
    this.running = { serial: job.serial, abort }
    const t0 = now()
    const jt = emptyTimings()
    const cancelled = (): boolean => abort.signal.aborted || Atomics.load(this.control, CANCEL_SLOT) === job.serial
    let status: 'completed' | 'cancelled' | 'failed' = 'completed'
    try {
      await body(jt, abort.signal, cancelled)
    } catch (e) {
      if (e instanceof CancelledError || cancelled()) status = 'cancelled'
      else {
        status = 'failed'
        this.postError(job.jobId, e)
      }
    } finally {
      this.running = null
    }
    jt.wallMs = now() - t0
    jt.samplerMs = Math.max(0, jt.wallMs - jt.modelMs - jt.previewMs - jt.auxMs - jt.loadMs - jt.encodeMs)
    this.post({ type: 'done', jobId: job.jobId, status, timings: jt })
  }

  run(job: WorkerJob): Promise<void> {
    return this.lifecycle(job, async (jt, signal, cancelled) => {
      const tags = parseLoraTags(job.cells[0].prompt).map((t) => t.text)
      for (const c of job.cells) {
        if (parseLoraTags(c.prompt).map((t) => t.text).join() !== tags.join()) {
          throw new LoraTagError(tags.join(' ') || '(none)', 'the cells of one job must use the same LoRA tags; run each LoRA set as its own job')
        }
      }
      const dirs = job.networkDirs
      const embeddings = this.runner.embeddingsUsed?.(job.cells.flatMap((c) => [c.prompt, c.negativePrompt]), dirs) ?? []
      const model = await this.loadModel(job.cells[0].model, jt, tags, embeddings, dirs)
      this.post({ type: 'started', jobId: job.jobId, model: model.info.name })
      const networks = model.info.networks
      const previewer = new Previewer(model.info, job.preview)
      const cellTimes = job.cells.map(zeroCell)
      // Each cell is charged its own calls and its rows' share of batched runs (see call-ledger.ts);
      // reference solves are shared between cells, so they are charged to the job only.
      const ledger = new CallLedger(jt, cancelled)
      const cellHooks = cellTimes.map((t) => ledger.hooks(t))
      const referenceHooks = ledger.hooks(null)

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
          emit(previewer.frameSync(r.denoised, r.layout, r.composite), now() - t)
          return
        }
        // The tiny decoder is an async model call: its frames are chained in step order, on a copy of
        // the estimate (the sampler goes on while the decoder runs).
        const copy = Float64Array.from(r.denoised)
        previewChain = previewChain.then(async () => {
          const t1 = now()
          emit(await previewer.frameAsync(copy, r.layout, r.composite), now() - t1)
        })
      }

      const finish = (cell: number, img: CellImage, started: number): void => {
        const t = now()
        const png = encodePngRgb(img.rgb, img.width, img.height)
        jt.encodeMs += now() - t
        const timing = { ...cellTimes[cell], wallMs: now() - started }
        this.post(
          {
            type: 'result',
            jobId: job.jobId,
            cell,
            png,
            width: img.width,
            height: img.height,
            params: job.cells[cell],
            timings: timing,
            ...(img.metrics ? { metrics: img.metrics } : {}),
            ...(img.scoreOptimal ? { scoreOptimal: img.scoreOptimal } : {}),
            ...(networks && (networks.loras?.length || networks.embeddings?.length) ? { networks } : {})
          },
          [png.buffer as ArrayBuffer]
        )
      }

      const scoreOptimal = jobProfile(job)
      // One cache per job: cells that share prompt, seed, CFG and size share one reference solve.
      const reference = job.reference ? new ReferenceCache() : undefined
      const onReferenceProgress = (cell: number) => {
        let last = -Infinity
        return (calls: number, totalCalls: number): void => {
          // A few messages a second are enough for a progress line; the last call always reports.
          const t = now()
          if (calls < totalCalls && t - last < 100) return
          last = t
          this.post({ type: 'reference-progress', jobId: job.jobId, cell, calls, totalCalls })
        }
      }
      const request = (cell: number): CellRequest => ({
        params: job.cells[cell],
        signal,
        hooks: cellHooks[cell],
        referenceHooks,
        onStep: onStep(cell),
        initImage: job.initImage,
        maskImage: job.maskImage,
        scoreOptimal,
        reference,
        onReferenceProgress: reference ? onReferenceProgress(cell) : undefined
      })

      if (job.batchCells && job.cells.length > 1 && model.generateMany && model.info.batchable) {
        const started = now()
        // Each cell's result goes out when that cell is done (after the preview frames queued so far,
        // so a cell's last preview never lands after its result); a failed cell fails the job, but
        // the cells already finished keep their results.
        await Promise.all(
          model.generateMany(job.cells.map((_, i) => request(i))).map(async (pending, i) => {
            const img = await pending
            await previewChain
            finish(i, img, started)
          })
        )
      } else {
        for (let i = 0; i < job.cells.length; i++) {
          const started = now()
          const img = await model.generate(request(i))
          await previewChain
          finish(i, img, started)
        }
      }
    })
  }

  /** A score-optimal calibration: progress per model call, the profile as a message, then `done`. */
  calibrate(job: WorkerCalibration): Promise<void> {
    return this.lifecycle(job, async (jt, signal, cancelled) => {
      const model = await this.loadModel(job.request.model, jt)
      this.post({ type: 'started', jobId: job.jobId, model: model.info.name })
      if (!model.calibrate) throw new Error(`this runner cannot calibrate score_optimal; use an ONNX model`)
      let lastPost = -Infinity
      const out = await model.calibrate({
        request: job.request,
        modelHash: job.modelHash,
        signal,
        hooks: new CallLedger(jt, cancelled).hooks(null),
        onProgress: (p) => {
          // Every call would flood the channel on a fast model; a few per second is plenty for a bar.
          const t = now()
          if (p.fraction < 1 && t - lastPost < 100) return
          lastPost = t
          this.post({ type: 'calibration-progress', jobId: job.jobId, calls: p.calls, totalCalls: p.totalCalls, trajectory: p.trajectory, trajectories: p.trajectories })
        }
      })
      this.post({ type: 'calibrated', jobId: job.jobId, key: out.key, profile: out.profile, resolved: out.resolved })
    })
  }

  private postError(jobId: string, e: unknown): void {
    const code: ErrorCode = e instanceof ModelNotFoundError ? 'model-not-found' : isInputError(e) ? 'invalid-request' : 'model-error'
    const field = isInputError(e) && typeof (e as { field?: unknown }).field === 'string' ? (e as { field: string }).field : undefined
    this.post({ type: 'error', jobId, cell: null, code, message: describe(e, code), ...(field ? { field } : {}) })
  }

  private async loadModel(name: string, jt: JobTimings, loraTags: readonly string[] = [], embeddings: readonly string[] = [], dirs: NetworkDirs = {}): Promise<LoadedModel> {
    const key = [name, this.runner.folderStamp?.(name) ?? '', ...loraTags, '\u0001', ...embeddings, '\u0001', dirs.loras ?? '', dirs.embeddings ?? ''].join('\u0000')
    if (this.model && this.modelKey === key) return this.model
    const t = now()
    // One model stays warm; a different one replaces it (sessions are large).
    await this.model?.dispose()
    this.model = null
    this.model = await this.runner.load(name, loraTags.length ? loraTags : undefined, embeddings.length ? embeddings : undefined, dirs)
    this.modelKey = key
    jt.loadMs = now() - t
    return this.model
  }
}

/** The models layer's GenerationInputError: the request does not fit the model (size, sampler, …). */
function isInputError(e: unknown): boolean {
  // A LoRA tag that cannot be read or a LoRA file that cannot be used is the request's fault too.
  return e instanceof Error && (e.name === 'GenerationInputError' || e.name === 'LoraTagError' || e.name === 'LoraError' || e.name === 'EmbeddingError')
}

function describe(e: unknown, code: ErrorCode): string {
  const msg = e instanceof Error ? e.message : String(e)
  // The models layer's own errors already say what happened and what to do (they carry a hint).
  if (code !== 'model-error' || (typeof e === 'object' && e !== null && 'hint' in e)) return msg
  return `the model failed while generating: ${msg}. Check that the model folder is a complete Stable Diffusion ONNX export, or try another model.`
}
