/**
 * A JobRunner without ONNX, for service tests: the "model" is the exact denoiser of a small Gaussian
 * mixture over latents (engine/gmm.ts) whose component means are smooth colour patterns picked by the
 * prompt's hash; the unconditional branch is a broad mixture, so CFG visibly sharpens. Each model call can
 * be made to take `callMs` of busy CPU (as ONNX would), to fail, or to kill the worker, on a chosen call.
 */
import { hiresSize, hiresSteps, latentUpscaleMode } from '../../shared/hires'
import { LoraTagError } from '../../shared/lora-tags'
import type { GenerationParams } from '../../shared/params'
import { cropPlanes, interpolatePlanes } from '../engine/interpolate'
import type { ScheduleContext } from '../engine/schedules/types'
import type { FakeRunnerOptions } from './protocol'
import { gmmDenoise, type GaussianMixture } from '../engine/gmm'
import { modelSigmas, SD_MODEL_CONFIG } from '../engine/model-sigmas'
import type { Tensor } from '../engine/types'
import { createCoalescer } from './coalesce'
import { latentToRgb, SD1_LATENT_RGB } from './preview'
import { measureCell } from './reference-metrics'
import type { CellImage, CellRequest, JobRunner, LatentLayout, LoadedModel, ModelCallHooks, ModelInfo } from './runner'
import { ModelNotFoundError } from './runner'
import { cellConditional, cellSigmas, referenceForCell, sampleCell, type RowModel } from './sample-cell'

const SIGMAS = modelSigmas(SD_MODEL_CONFIG)

function hash(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

function busyWait(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    /* stands in for a synchronous ONNX run */
  }
}

function promptMixture(prompt: string, layout: LatentLayout): GaussianMixture {
  const { channels, height, width } = layout
  const dim = channels * height * width
  const means: number[] = []
  const K = 2
  for (let k = 0; k < K; k++) {
    const h = hash(`${prompt}#${k}`)
    const fx = 1 + (h % 3)
    const fy = 1 + ((h >>> 3) % 3)
    for (let c = 0; c < channels; c++) {
      const phase = ((h >>> (c * 4)) & 15) / 2.5
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) means.push(0.8 * Math.sin((fx * x) / width * Math.PI + phase) * Math.cos((fy * y) / height * Math.PI - phase))
    }
  }
  return { dim, weights: [0.6, 0.4], means, variances: [0.02, 0.02] }
}

function uncondMixture(layout: LatentLayout): GaussianMixture {
  const dim = layout.channels * layout.height * layout.width
  return { dim, weights: [1], means: new Array<number>(dim).fill(0), variances: [0.5] }
}

interface Row {
  /** Who asked for the row: the cell's sampler or a reference solve (see call-ledger.ts). */
  hooks: ModelCallHooks
  x: Tensor
  sigmas: readonly number[]
  mixture: GaussianMixture
}

class FakeModel implements LoadedModel {
  readonly info: ModelInfo

  constructor(
    name: string,
    private readonly opts: FakeRunnerOptions,
    /** Model calls made by this worker so far (shared by every load, so a failure happens once). */
    private readonly counter: { calls: number }
  ) {
    this.info = { name, family: 'sd1', latentChannels: 4, previewFactors: null, tinyDecoder: null, batchable: true }
  }

  private layout(req: CellRequest): LatentLayout {
    return { channels: 4, height: req.params.height / 8, width: req.params.width / 8 }
  }

  /** One "model call" over stacked requests, each row with its own sigma, charged to each requester. */
  private async evaluate(rows: Row[]): Promise<Tensor[]> {
    return rows[0].hooks.batchCall(rows.map((r) => ({ hooks: r.hooks, rows: r.sigmas.length })), async () => {
      this.counter.calls++
      const { failOnCall, crashOnCall } = this.opts
      if (crashOnCall && crashOnCall.model === this.info.name && crashOnCall.call === this.counter.calls) {
        if (crashOnCall.how === 'exit') process.exit(7)
        // Thrown outside the job's promise chain: an uncaught exception that ends the worker.
        setImmediate(() => {
          throw new Error('fake runner: simulated crash')
        })
        await new Promise(() => {})
      }
      if (failOnCall && failOnCall.model === this.info.name && failOnCall.call === this.counter.calls) {
        throw new Error(`fake runner: simulated model failure on call ${this.counter.calls}`)
      }
      busyWait(this.opts.callMs ?? 0)
      return rows.map((r) => {
        const out = new Float64Array(r.x.length)
        const len = r.x.length / r.sigmas.length
        r.sigmas.forEach((s, i) => out.set(gmmDenoise(r.mixture, r.x.subarray(i * len, (i + 1) * len), s), i * len))
        return out
      })
    })
  }

  private async runCell(req: CellRequest, call: (row: Row) => Promise<Tensor>): Promise<CellImage> {
    const layout = this.layout(req)
    const cond = promptMixture(req.params.prompt, layout)
    const uncond = req.params.negativePrompt ? promptMixture(req.params.negativePrompt, layout) : uncondMixture(layout)
    const rowModel =
      (hooks: ModelCallHooks): RowModel =>
      (x, sigmas, branch) =>
        call({ hooks, x, sigmas, mixture: branch === 'cond' ? cond : uncond })
    const model = rowModel(req.hooks)
    const p = req.params
    const scoreOptimal = p.schedule === 'score_optimal'
    const ctx = scoreOptimal && req.scoreOptimal ? { profile: req.scoreOptimal.profile } : undefined
    if (p.hires) return this.runHires(req, call, ctx)
    const latent = await sampleCell(p, layout, SIGMAS, cellConditional(model, p.batchSize), req.onStep, ctx)
    const img = await req.hooks.auxCall(async () => decodeFake(latent, layout))
    if (scoreOptimal) img.scoreOptimal = req.scoreOptimal?.use ?? { profile: 'fallback' }
    if (req.reference) {
      const rowLength = layout.channels * layout.height * layout.width
      img.metrics = await measureCell(p, { latent: latent.subarray(0, rowLength), rgb: img.rgb, sigma0: cellSigmas(p, SIGMAS, ctx)[0] }, req.reference, async () => {
        const ref = await referenceForCell(p, layout, SIGMAS, cellConditional(rowModel(req.referenceHooks ?? req.hooks), 1), req.signal, req.onReferenceProgress)
        return { latent: ref.x, rgb: decodeFake(ref.x, layout).rgb, sigma0: ref.sigmas[0] }
      })
    }
    return img
  }

  /**
   * The hires fix on the stand-in model: the first pass as a plain cell, the latent upscaled, the second
   * pass as img2img from it, steps numbered through both. It has no VAE encoder, so every upscaler works
   * in latent space here (image upscalers as bilinear); the ONNX runner runs them as they are.
   */
  private async runHires(req: CellRequest, call: (row: Row) => Promise<Tensor>, ctx: ScheduleContext | undefined): Promise<CellImage> {
    const p = req.params
    const h = p.hires!
    const size = hiresSize(p.width, p.height, h, 8, 8)
    if (!size.ok) throw Object.assign(new Error(`${size.field}: ${size.problem}`), { name: 'GenerationInputError', field: size.field })
    const s = size.size
    const second: GenerationParams = {
      ...p,
      prompt: h.prompt || p.prompt,
      negativePrompt: h.negativePrompt || p.negativePrompt,
      sampler: h.sampler ?? p.sampler,
      samplerOptions: (h.sampler ?? p.sampler) === p.sampler ? p.samplerOptions : {},
      schedule: h.schedule ?? p.schedule,
      scheduleParams: (h.schedule ?? p.schedule) === p.schedule ? p.scheduleParams : {},
      steps: hiresSteps(p.steps, h),
      cfg: h.cfg ?? p.cfg,
      width: s.width,
      height: s.height,
      hires: null
    }
    const rowModel = (params: GenerationParams, layout: LatentLayout): RowModel => {
      const cond = promptMixture(params.prompt, layout)
      const uncond = params.negativePrompt ? promptMixture(params.negativePrompt, layout) : uncondMixture(layout)
      return (x, sigmas, branch) => call({ hooks: req.hooks, x, sigmas, mixture: branch === 'cond' ? cond : uncond })
    }
    const first = { ...p, hires: null }
    const l1 = this.layout(req)
    const l2: LatentLayout = { channels: 4, height: s.height / 8, width: s.width / 8 }
    let steps1 = 0
    const latent1 = await sampleCell(first, l1, SIGMAS, cellConditional(rowModel(first, l1), p.batchSize), (r) => {
      steps1 = r.steps
      req.onStep({ ...r, steps: r.steps + second.steps })
    }, ctx)
    const mode = latentUpscaleMode(h.upscaler) ?? { mode: 'bilinear' as const, antialias: false }
    const up = interpolatePlanes(latent1, 4 * p.batchSize, l1.height, l1.width, s.upscaleHeight / 8, s.upscaleWidth / 8, mode)
    const init = cropPlanes(up, 4 * p.batchSize, s.upscaleHeight / 8, s.upscaleWidth / 8, s.cropTop / 8, s.cropLeft / 8, l2.height, l2.width)
    const latent2 = await sampleCell(second, l2, SIGMAS, cellConditional(rowModel(second, l2), p.batchSize), (r) => req.onStep({ ...r, i: steps1 + r.i, steps: steps1 + r.steps }), ctx, { latent: init, strength: h.denoise })
    return req.hooks.auxCall(async () => decodeFake(latent2, l2))
  }

  /**
   * The cond and uncond rows of a step are asked for together, and like a dynamic-batch ONNX UNet the
   * fake evaluates them in one call, so a cell alone reports the calls it would report batched.
   */
  generate(req: CellRequest): Promise<CellImage> {
    const co = createCoalescer<Row, Tensor>((rows) => this.evaluate(rows))
    return this.runCell(req, (row) => co.call(row))
  }

  generateMany(reqs: CellRequest[]): Promise<CellImage>[] {
    const co = createCoalescer<Row, Tensor>((rows) => this.evaluate(rows))
    return reqs.map((r) => this.runCell(r, (row) => co.call(row)))
  }

  async dispose(): Promise<void> {}
}

/** The final "image": the latent through the SD1 preview factors, 8x nearest-neighbour upscaled. */
function decodeFake(latent: Tensor, layout: LatentLayout): CellImage {
  const small = latentToRgb(latent, layout, SD1_LATENT_RGB)
  const width = layout.width * 8
  const height = layout.height * 8
  const rgb = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const s = ((y >> 3) * layout.width + (x >> 3)) * 3
      rgb.set(small.subarray(s, s + 3), (y * width + x) * 3)
    }
  return { rgb, width, height }
}

export function createFakeRunner(opts: FakeRunnerOptions = {}): JobRunner {
  const counter = { calls: 0 }
  return {
    async load(name, loraTags) {
      if (loraTags?.length) throw new LoraTagError(loraTags[0], 'the built-in stand-in model cannot apply LoRA files; choose an ONNX model')
      if (opts.missingModels?.includes(name)) {
        throw new ModelNotFoundError(`model "${name}" was not found; put its folder in the models directory or pick another model`)
      }
      return new FakeModel(name, opts, counter)
    }
  }
}
