/**
 * The JobRunner over the models layer's ONNX pipeline (src/main/models/pipeline.ts). A thin adapter:
 *
 * - each cell calls the pipeline's `generate` on a shallow copy of the loaded model whose sessions are
 *   wrapped, so that every UNet run goes through the worker's `modelCall` hook (cancel check before the
 *   run, timing around it) and every other run (text encoders, VAE) through `auxCall`;
 * - grid cells run side by side on one shared *coalescing UNet session*: UNet runs that the cells ask
 *   for in the same turn of the event loop are concatenated along the batch axis into one ORT run and
 *   the outputs split back. Every feed is already per row (sample, context, and — where the model takes
 *   one timestep per row — the timestep), so rows at different sigmas share a call with no change to
 *   the denoiser adapter. Models with a fixed batch or a single shared timestep run cells one by one.
 * - the model folder's own latent→RGB factors (latent_rgb_factors.json) and tiny decoder feed previews.
 * - img2img decodes the job's init image bytes (never a path; see src/shared/init-image.ts); score_optimal
 *   cells get the service's calibrated profile; with GridSpec.reference each cell is measured against a
 *   reference solve (models/quality.ts) shared through the job's ReferenceCache; calibration jobs run the
 *   score-optimal estimator on the hooked model.
 */
import { parseLoraTags } from '../../shared/lora-tags'
import { resolveLoras } from '../models/lora/resolve'
import { loadEmbeddingFile } from '../models/embeddings/embedding-file'
import { namesUsed } from '../models/embeddings/embedding-tokenizer'
import { listEmbeddings } from '../models/embeddings/folder'
import { embeddingsDirFor, lorasDirFor } from '../models/network-folders'
import { GRID_BATCH_ROWS } from '../models/preflight'
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import type { GenerationParams } from '../../shared/params'
import { GenerationInputError, ModelFolderError } from '../models/errors'
import { folderStamp } from '../models/folder-stamp'
import { defaultSessionCache, loadModel, type LoadedModel as OnnxModel, type ModelSessions } from '../models/model'
import type { HostTensor, RunnableSession } from '../models/onnx/runtime'
import { ModelSession, parseDevice } from '../models/onnx/runtime'
import { generate, type Img2ImgInput, type PipelineRequest } from '../models/pipeline'
import { generateHires } from '../models/hires'
import { readImageRgb } from '../models/png'
import { prepareInpaint } from '../models/inpaint/prepare'
import { PreviewCompositor } from '../models/inpaint/preview-composite'
import { calibrateScoreOptimal, solveReference } from '../models/quality'
import type { RgbImage } from '../models/vae'
import type { Tensor } from '../engine/types'
import { createCoalescer } from './coalesce'
import { measureCell } from './reference-metrics'
import type {
  CalibrationOutput,
  CalibrationRun,
  CellImage,
  CellRequest,
  JobRunner,
  LatentLayout,
  PreviewRgb,
  LatentRgbFactors,
  LoadedModel,
  ModelCallHooks,
  ModelInfo,
  TinyDecoder
} from './runner'
import { ModelNotFoundError } from './runner'
import { TINY_DECODER_PATHS } from './tiny-decoder-paths'

type RunResult = Awaited<ReturnType<RunnableSession['run']>>

/** At most this many rows go into one batched UNet run of a grid (models/preflight.ts says why). */
export { GRID_BATCH_ROWS }

/** A session whose runs go through a hook (cancel + timing). */
function hookedSession(s: RunnableSession, hook: <T>(rows: number, run: () => Promise<T>) => Promise<T>): RunnableSession {
  return {
    component: s.component,
    inputs: s.inputs,
    outputs: s.outputs,
    run: (feeds, names) => hook(feeds[s.inputs[0]?.name]?.dims[0] ?? 1, () => s.run(feeds, names))
  }
}

function withHooks(model: OnnxModel, hooks: ModelCallHooks, unet?: RunnableSession): OnnxModel {
  const aux = <T>(_rows: number, run: () => Promise<T>): Promise<T> => hooks.auxCall(run)
  const sessions: ModelSessions = {
    text_encoder: hookedSession(model.sessions.text_encoder, aux),
    unet: unet ?? hookedSession(model.sessions.unet, (rows, run) => hooks.modelCall(rows, run)),
    vae_decoder: hookedSession(model.sessions.vae_decoder, aux)
  }
  if (model.sessions.text_encoder_2) sessions.text_encoder_2 = hookedSession(model.sessions.text_encoder_2, aux)
  if (model.sessions.vae_encoder) sessions.vae_encoder = hookedSession(model.sessions.vae_encoder, aux)
  return { ...model, sessions }
}

interface UnetRun {
  /** Who asked: a cell's sampler or a reference solve; the run's calls and time are charged to it. */
  hooks: ModelCallHooks
  feeds: Record<string, HostTensor>
  names?: readonly string[]
}

/** The shape of every feed except the batch axis: runs with equal keys can be concatenated. */
function shapeKey(feeds: Record<string, HostTensor>): string {
  return Object.keys(feeds)
    .sort()
    .map((k) => `${k}:${feeds[k].dims.slice(1).join('x')}`)
    .join('|')
}

/**
 * One UNet session shared by several cells: concurrent runs are stacked on the batch axis (at most
 * `maxBatch` rows per ORT run) and their outputs split back. Each requester gets its own view of the
 * session (`forRequester`), so every stacked run is charged to the requesters whose rows are in it.
 */
function coalescingUnet(unet: RunnableSession, maxBatch: number): { forRequester(hooks: ModelCallHooks): RunnableSession } {
  const runGroup = async (group: UnetRun[]): Promise<RunResult[]> => {
    if (group.length === 1) return [await group[0].hooks.modelCall(rowsOf(group[0].feeds), () => unet.run(group[0].feeds, group[0].names))]
    const feeds: Record<string, HostTensor> = {}
    for (const name of Object.keys(group[0].feeds)) {
      const parts = group.map((g) => g.feeds[name])
      const total = parts.reduce((n, p) => n + p.data.length, 0)
      const data = new Float64Array(total)
      let o = 0
      for (const p of parts) {
        data.set(p.data as ArrayLike<number>, o)
        o += p.data.length
      }
      feeds[name] = { data, dims: [parts.reduce((n, p) => n + p.dims[0], 0), ...parts[0].dims.slice(1)] }
    }
    const rows = group.map((g) => rowsOf(g.feeds))
    const out = await group[0].hooks.batchCall(
      group.map((g, i) => ({ hooks: g.hooks, rows: rows[i] })),
      () => unet.run(feeds, group[0].names)
    )
    const total = rows.reduce((a, b) => a + b, 0)
    let start = 0
    return rows.map((n) => {
      const piece: RunResult = {}
      for (const [k, v] of Object.entries(out)) {
        const per = v.data.length / total
        piece[k] = { data: v.data.slice(start * per, (start + n) * per), dims: [n, ...v.dims.slice(1)] }
      }
      start += n
      return piece
    })
  }
  const co = createCoalescer<UnetRun, RunResult>(async (reqs) => {
    // Group compatible runs (same non-batch shapes), keep each group within maxBatch rows.
    const results = new Array<RunResult>(reqs.length)
    const groups = new Map<string, number[]>()
    reqs.forEach((r, i) => {
      const k = shapeKey(r.feeds)
      groups.set(k, [...(groups.get(k) ?? []), i])
    })
    for (const idx of groups.values()) {
      let batch: number[] = []
      let rows = 0
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return
        const res = await runGroup(batch.map((i) => reqs[i]))
        batch.forEach((i, j) => (results[i] = res[j]))
        batch = []
        rows = 0
      }
      for (const i of idx) {
        const n = rowsOf(reqs[i].feeds)
        if (rows + n > maxBatch) await flush()
        batch.push(i)
        rows += n
      }
      await flush()
    }
    return results
  })
  return {
    forRequester: (hooks) => ({ component: unet.component, inputs: unet.inputs, outputs: unet.outputs, run: (feeds, names) => co.call({ hooks, feeds, names }) })
  }

  function rowsOf(feeds: Record<string, HostTensor>): number {
    return feeds.sample?.dims[0] ?? 1
  }
}

function readFactors(dir: string): LatentRgbFactors | null {
  const path = join(dir, 'latent_rgb_factors.json')
  if (!existsSync(path)) return null
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as { factors?: unknown; bias?: unknown }
    const rows = j.factors
    if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.length === 3 && r.every((v) => typeof v === 'number'))) return null
    const bias = Array.isArray(j.bias) && j.bias.length === 3 ? (j.bias as [number, number, number]) : undefined
    return { factors: rows as [number, number, number][], bias }
  } catch {
    return null
  }
}

/** A TAESD-style decoder session: UNet-space latent in, RGB in [-1, 1] out (diffusers' AutoencoderTiny export). */
async function openTinyDecoder(dir: string): Promise<TinyDecoder | null> {
  const rel = TINY_DECODER_PATHS.find((p) => existsSync(join(dir, p)))
  if (!rel) return null
  const session = await ModelSession.open('taesd_decoder', join(dir, rel))
  const input = session.inputs[0].name
  const output = session.outputs[0].name
  return {
    async decode(latent, layout) {
      const r = await session.run({ [input]: { data: latent, dims: [1, layout.channels, layout.height, layout.width] } }, [output])
      const { data, dims } = r[output]
      const [, , H, W] = dims
      const plane = H * W
      const rgb = new Uint8Array(plane * 3)
      for (let p = 0; p < plane; p++)
        for (let c = 0; c < 3; c++) {
          const v = (data[c * plane + p] + 1) * 127.5
          rgb[p * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)
        }
      return { rgb, width: W, height: H }
    }
  }
}

/**
 * Decoded init images, per job's bytes and output size: every cell of an img2img grid starts from the
 * same image, so it is decoded once (the WeakMap lets a finished job's bytes go).
 */
const decodedInits = new WeakMap<Uint8Array, Map<string, Promise<RgbImage>>>()

function decodeInit(bytes: Uint8Array, width: number, height: number): Promise<RgbImage> {
  let bySize = decodedInits.get(bytes)
  if (!bySize) decodedInits.set(bytes, (bySize = new Map()))
  const key = `${width}x${height}`
  let p = bySize.get(key)
  if (!p) {
    p = readImageRgb(bytes, width, height).catch((e: unknown) => {
      // The models layer words it for the CLI (--init); here the request's field is initImage.
      if (e instanceof GenerationInputError) throw new GenerationInputError(e.code, 'initImage', e.problem, 'send a PNG, JPEG or WebP image')
      throw e
    })
    bySize.set(key, p)
  }
  return p
}

/** The cell's init image input; `latentFactor` is the model's pixels per latent cell (for inpainting). */
async function initFor(req: CellRequest, latentFactor: number): Promise<Img2ImgInput | undefined> {
  const i2i = req.params.img2img
  if (!i2i) return undefined
  if (!req.initImage) {
    throw new GenerationInputError('bad-init-image', 'initImage', 'params.img2img is set but the job carries no init image bytes', 'send the image itself in the request (initImage)')
  }
  if (i2i.inpaint) {
    const s = i2i.inpaint
    if (s.mask !== '' && !req.maskImage) {
      throw new GenerationInputError('bad-init-image', 'maskImage', 'params.img2img.inpaint names a mask but the job carries no mask image bytes', 'send the mask itself in the request (maskImage)')
    }
    const plan = await prepareInpaint({
      init: req.initImage,
      mask: s.mask !== '' ? req.maskImage : undefined,
      settings: s,
      width: req.params.width,
      height: req.params.height,
      latentFactor,
      seed: Number(BigInt(req.params.seed) & 0xffffffffn)
    })
    return { image: plan.work, strength: i2i.strength, inpaint: plan }
  }
  return { image: await decodeInit(req.initImage, req.params.width, req.params.height), strength: i2i.strength }
}

function toPipelineRequest(p: GenerationParams, init?: Img2ImgInput): PipelineRequest {
  return {
    prompt: p.prompt,
    negativePrompt: p.negativePrompt,
    sampler: p.sampler,
    samplerOptions: p.samplerOptions,
    schedule: p.schedule,
    scheduleParams: p.scheduleParams,
    steps: p.steps,
    cfg: p.cfg,
    seed: p.seed,
    width: p.width,
    height: p.height,
    batchSize: p.batchSize,
    guidance: p.guidance,
    noise: p.noise,
    hires: p.hires,
    init
  }
}

class OnnxLoadedModel implements LoadedModel {
  constructor(
    readonly info: ModelInfo,
    private readonly model: OnnxModel
  ) {}

  private layout(p: GenerationParams): LatentLayout {
    const f = this.model.folder.vaeScale
    return { channels: this.model.unet.latentChannels, height: p.height / f, width: p.width / f }
  }

  /** `hooked` gives the model as seen through one requester's hooks (the cell's, or its reference solve's). */
  private async run(req: CellRequest, hooked: (hooks: ModelCallHooks) => OnnxModel): Promise<CellImage> {
    const model = hooked(req.hooks)
    const layout = this.layout(req.params)
    const request = toPipelineRequest(req.params, await initFor(req, this.model.folder.vaeScale))
    const scoreOptimal = req.params.schedule === 'score_optimal'
    // Inpainting previews show what the final image will be: the init image outside the blurred mask.
    const plan = request.init?.inpaint
    const compositor = plan ? new PreviewCompositor(plan) : null
    const composite = compositor ? (rgb: PreviewRgb) => compositor.composite(rgb) : undefined
    const scheduleContext = scoreOptimal && req.scoreOptimal ? { profile: req.scoreOptimal.profile } : undefined
    if (req.params.hires) {
      // Hires fix: two passes, the second at the hires size; steps and previews run through both.
      const result = await generateHires(model, request, {
        signal: req.signal,
        onStep: (s) => req.onStep({ i: s.i, steps: s.steps, sigma: s.sigma, denoised: s.denoised as Tensor, layout: { channels: layout.channels, height: s.latentHeight, width: s.latentWidth } }),
        scheduleContext
      })
      const img = result.images[0]
      const out: CellImage = { rgb: img.data, width: img.width, height: img.height }
      if (scoreOptimal) out.scoreOptimal = req.scoreOptimal?.use ?? { profile: 'fallback' }
      return out
    }
    const result = await generate(model, request, {
      signal: req.signal,
      onStep: (s) => req.onStep({ i: s.i, steps: s.steps, sigma: s.sigma, denoised: s.denoised as Tensor, layout, ...(composite ? { composite } : {}) }),
      scheduleContext: scoreOptimal && req.scoreOptimal ? { profile: req.scoreOptimal.profile } : undefined
    })
    const img = result.images[0]
    const out: CellImage = { rgb: img.data, width: img.width, height: img.height }
    if (scoreOptimal) out.scoreOptimal = req.scoreOptimal?.use ?? { profile: 'fallback' }
    if (req.reference) {
      const rowLength = layout.channels * layout.height * layout.width
      out.metrics = await measureCell(
        req.params,
        { latent: result.latents.subarray(0, rowLength), rgb: img.data, sigma0: result.sigmas[0] },
        req.reference,
        () => solveReference(hooked(req.referenceHooks ?? req.hooks), request, req.signal, req.onReferenceProgress)
      )
    }
    return out
  }

  /** Calibration calls go through the job's hooks, so they are cancellable and timed like sampling. */
  calibrate(run: CalibrationRun): Promise<CalibrationOutput> {
    return calibrateScoreOptimal(withHooks(this.model, run.hooks), run.request, run.modelHash, { signal: run.signal, onProgress: run.onProgress })
  }

  generate(req: CellRequest): Promise<CellImage> {
    return this.run(req, (hooks) => withHooks(this.model, hooks))
  }

  generateMany(reqs: CellRequest[]): Promise<CellImage>[] {
    const unet = coalescingUnet(this.model.sessions.unet, Math.min(this.model.unet.maxBatch, GRID_BATCH_ROWS))
    return reqs.map((r) => this.run(r, (hooks) => withHooks(this.model, hooks, unet.forRequester(hooks))))
  }

  async dispose(): Promise<void> {
    // Sessions live in the models layer's cache, which releases them when another model is loaded.
  }
}

export function createOnnxRunner(modelsDir: string, device?: string): JobRunner {
  // Checked here too: the device reaches the worker from a command line (studio node --device).
  const dev = device === undefined ? undefined : parseDevice(device)
  return {
    folderStamp: (name) => folderStamp(isAbsolute(name) ? name : join(modelsDir, name)),
    embeddingsUsed(texts, dirs) {
      const dir = dirs?.embeddings ?? embeddingsDirFor(modelsDir)
      return namesUsed(listEmbeddings(dir).map((e) => e.name), texts)
    },
    async load(name, loraTags, embeddingNames, dirs) {
      const dir = isAbsolute(name) ? name : join(modelsDir, name)
      if (!existsSync(join(dir, 'model_index.json')) && !existsSync(join(dir, 'unet'))) {
        throw new ModelNotFoundError(`model "${name}" was not found in ${modelsDir}; put the model folder there (diffusers ONNX layout) or choose another model`)
      }
      let model: OnnxModel
      let networks: ModelInfo['networks']
      try {
        // LoRA tags find their files in $SIGMA_STUDIO_LORAS, else the `loras` folder of the models folder.
        const resolved = loraTags?.length ? resolveLoras(parseLoraTags(loraTags.join(' ')), { dir: dirs?.loras ?? lorasDirFor(modelsDir) }) : undefined
        const loras = resolved?.applications ?? []
        // Embeddings by the names embeddingsUsed found (the folder listing is cached by its mtime).
        const wanted = new Set(embeddingNames ?? [])
        const embeddings = wanted.size ? listEmbeddings(dirs?.embeddings ?? embeddingsDirFor(modelsDir)).filter((e) => wanted.has(e.name)).map((e) => loadEmbeddingFile(e.path)) : []
        model = await loadModel(dir, { cache: defaultSessionCache, loras, embeddings, ...(dev ? { device: dev } : {}) })
        networks = {
          ...(resolved?.used.length ? { loras: resolved.used.map(({ name, hash }) => ({ name, hash })) } : {}),
          ...(embeddings.length ? { embeddings: embeddings.map(({ name, hash }) => ({ name, hash })) } : {})
        }
      } catch (e) {
        if (e instanceof ModelFolderError && e.code === 'missing-folder') throw new ModelNotFoundError(e.message)
        throw e
      }
      const folder = model.folder
      const batchable = model.unet.timestepShape === 'batch' && model.unet.maxBatch > 1
      const info: ModelInfo = {
        name,
        family: folder.family,
        latentChannels: model.unet.latentChannels,
        previewFactors: readFactors(dir),
        tinyDecoder: await openTinyDecoder(dir),
        batchable,
        ...(networks && (networks.loras || networks.embeddings) ? { networks } : {})
      }
      return new OnnxLoadedModel(info, model)
    },
    async shutdown() {
      await defaultSessionCache.releaseAll()
    }
  }
}
