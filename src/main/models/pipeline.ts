/**
 * txt2img and img2img for SD1.x, SD2.x, SDXL and their few-step variants, with any engine sampler,
 * schedule and guidance modifier:
 *
 *   prompt ──text.ts──▶ cond / uncond ──onnx/denoiser.ts──▶ ConditionalDenoiser
 *          ──composeGuidance (CFG, rescale, interval, thresholds, injection)──▶ Denoiser
 *   seeds ──TorchGenerator per image──▶ start latent ──runSampler(sampler, sigmas from computeSigmas)──▶ x0
 *          ──vae.ts──▶ RGB images
 *
 * Each image has its own seed (seed, seed+1, …) and its own PyTorch-compatible generator, for its starting
 * noise and for every noise array a sampler draws, so an image depends only on its seed and not on its
 * place in the batch (A1111 does the same). At CFG 1 the unconditional pass is skipped entirely.
 */
import { join } from 'node:path'
import { SAMPLER_BY_ID, SCHEDULE_BY_ID, resolveSamplerName, resolveScheduleName } from '../../shared/catalogue'
import { timeIdsFor } from '../../shared/model-family'
import { hiresScheduleSteps, type HiresSettings } from '../../shared/hires'
import type { InpaintSettings } from '../../shared/inpaint'
import { batchSeeds, DEFAULT_PARAMS, LIMITS, ParamsError, parseSeed, resolveGenerationDefaults, type GenerationParams, type GuidanceSettings as SharedGuidance, type NoiseModifiers } from '../../shared/params'
import type { OptionValue } from '../../shared/option-spec'
import { composeGuidance, temperatureNoise, temperedStart, UncondCapture, type GuidanceSettings } from '../engine/guidance'
import { percentToSigma } from '../engine/model-sigmas'
import { TorchGenerator } from '../engine/rng'
import { SAMPLERS } from '../engine/samplers/index'
import { runSampler } from '../engine/samplers/run'
import { SCHEDULE_NAMES, computeSigmas } from '../engine/schedules/index'
import type { ScheduleContext } from '../engine/schedules/types'
import type { Denoiser, NoiseSource, SamplerOptions, StepInfo, Tensor } from '../engine/types'
import { GenerationInputError, ModelFolderError, ModelRunError } from './errors'
import { checkMaxSide, checkSize } from './preflight'
import type { LoadedModel } from './model'
import { firstNonFinite, unetConditionalDenoiser } from './onnx/denoiser'
import { promptConditioning } from './text'
import { inpaintDenoiser, inpaintFinish } from '../engine/guidance/inpaint'
import { binarizeMask } from './inpaint/mask'
import { finishInpaint, maskedLatent, type InpaintPlan } from './inpaint/plan'
import { decodeLatents, encodeImage, type RgbImage } from './vae'

export interface Img2ImgInput {
  /** The init image, already at the output width and height (for inpainting: the plan's `work`). */
  image?: RgbImage
  /**
   * Instead of `image`: the init latent itself (UNet space, one row or one per batch image), e.g. the
   * hires fix's upscaled first pass (models/hires.ts).
   */
  latent?: Tensor
  /** 0..1: how much of the schedule is run (A1111 "denoising strength"). */
  strength: number
  /**
   * Run exactly `steps` steps, the tail of a floor(steps / strength)-step schedule (A1111's img2img
   * with its steps given, as the hires pass calls it), instead of floor(steps × strength) + 1.
   */
  fixSteps?: boolean
  /** Inpainting: the plan made by inpaint/plan.ts; only the masked region is sampled. */
  inpaint?: InpaintPlan
}

/**
 * What to generate: the shared GenerationParams (src/shared/params.ts) without the model (the caller
 * loaded it) and with the init image's pixels instead of its name. Omitted fields take the model's
 * defaults (few-step models differ), then DEFAULT_PARAMS (resolveGenerationDefaults).
 */
export type PipelineRequest = Partial<Omit<GenerationParams, 'model' | 'img2img' | 'prompt' | 'seed' | 'guidance' | 'noise'>> & {
  prompt: string
  /** Decimal string or number; images use seed, seed+1, … */
  seed?: string | number | bigint
  guidance?: Partial<SharedGuidance>
  noise?: Partial<NoiseModifiers>
  init?: Img2ImgInput
}

/** The request with every default filled in and every name resolved to its id. */
export type ResolvedRequest = Omit<GenerationParams, 'model' | 'img2img' | 'hires'> & {
  /** The hires fix (run by models/hires.ts around two calls of generate; generate itself ignores it). */
  hires: HiresSettings | null
  /** img2img: how much of the schedule is run. */
  strength?: number
}

/**
 * The exact parameters of one generated image, in the shared contract's shape (what the library stores
 * and presets carry): the resolved request with that image's own seed and a batch of one, so the image
 * can be reproduced alone.
 */
export function generationParamsFor(r: ResolvedRequest, seed: string, model: string, initImage?: string, inpaint: InpaintSettings | null = null): GenerationParams {
  return {
    model,
    prompt: r.prompt,
    negativePrompt: r.negativePrompt,
    sampler: r.sampler,
    samplerOptions: { ...r.samplerOptions },
    schedule: r.schedule,
    scheduleParams: { ...r.scheduleParams },
    steps: r.steps,
    cfg: r.cfg,
    seed,
    width: r.width,
    height: r.height,
    batchSize: 1,
    guidance: { ...r.guidance },
    noise: { ...r.noise },
    img2img: initImage !== undefined && r.strength !== undefined ? { image: initImage, strength: r.strength, inpaint } : null,
    hires: r.hires ? { ...r.hires } : null
  }
}

export interface GenerateOptions {
  /** Progress after every sampling step; `denoised` is the current x0-estimate for previews. */
  onStep?: (info: StepInfo) => void
  log?: (line: string) => void
  signal?: AbortSignal
  /** What a schedule needs beyond the model: `score_optimal` takes the model's calibrated profile. */
  scheduleContext?: ScheduleContext
  /** false: stop at the final latent (`images` is empty), e.g. before a latent upscale. Default true. */
  decode?: boolean
}

export interface GeneratedImage extends RgbImage {
  seed: string
}

export interface GenerateResult {
  request: ResolvedRequest
  images: GeneratedImage[]
  /** UNet session calls and the batch rows they carried. */
  unetCalls: number
  unetRows: number
  /** Sampling steps actually run (fewer than `steps` for img2img). */
  stepsRun: number
  /** The sigmas the sampler ran (for img2img, the tail of the schedule). */
  sigmas: Float64Array
  /** The final latents (UNet space), batch rows one after another: what the VAE decoded. */
  latents: Tensor
  milliseconds: number
}

const bad = (field: string, problem: string, hint: string): GenerationInputError => new GenerationInputError('bad-parameter', field, problem, hint)

function intIn(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw bad(field, `must be a whole number from ${lo} to ${hi}, got ${String(v)}`, `use a whole number from ${lo} to ${hi}`)
  return v
}

export { maxSide } from './preflight'

/** Fills defaults, resolves names, and checks the request against the model. Throws GenerationInputError. */
export function resolveRequest(model: LoadedModel, req: PipelineRequest): ResolvedRequest {
  const d = model.folder.defaults
  if (typeof req.prompt !== 'string') throw bad('prompt', 'is missing', 'give the prompt text')
  if (req.prompt.length > LIMITS.maxPromptChars) throw bad('prompt', `is ${req.prompt.length} characters long`, `keep it under ${LIMITS.maxPromptChars}`)

  // Defaults are filled in one place (shared/params.ts); the checks below are the model's.
  const { init: _init, seed: _seed, ...given } = req
  const base = resolveGenerationDefaults(given, d)
  const samplerName = base.sampler
  const resolved = resolveSamplerName(samplerName)
  if (!resolved || !Object.prototype.hasOwnProperty.call(SAMPLERS, resolved.sampler)) {
    throw new GenerationInputError('unknown-sampler', 'sampler', `unknown sampler "${samplerName}"`, `use one of ${Object.keys(SAMPLERS).join(', ')}`)
  }
  const scheduleName = req.schedule ?? resolved.schedule ?? d.schedule
  const schedule = resolveScheduleName(scheduleName, model.folder.family)
  if (!schedule || !(SCHEDULE_NAMES as readonly string[]).includes(schedule)) {
    throw new GenerationInputError('unknown-schedule', 'schedule', `unknown schedule "${scheduleName}"`, `use one of ${SCHEDULE_NAMES.join(', ')}`)
  }
  const samplerOptions = { ...(resolved.options ?? {}), ...(req.samplerOptions ?? {}) }
  const allowed = SAMPLER_BY_ID.get(resolved.sampler)?.options ?? []
  for (const k of Object.keys(samplerOptions)) {
    if (!allowed.includes(k)) throw bad(`samplerOptions.${k}`, `is not an option of ${resolved.sampler}`, `it takes ${allowed.join(', ') || 'no options'}`)
  }
  if (!SCHEDULE_BY_ID.has(schedule)) throw new GenerationInputError('unknown-schedule', 'schedule', `unknown schedule "${scheduleName}"`, `use one of ${SCHEDULE_NAMES.join(', ')}`)

  const steps = intIn(base.steps, 'steps', 1, LIMITS.maxSteps)
  const cfg = base.cfg
  if (typeof cfg !== 'number' || !Number.isFinite(cfg) || cfg < 0 || cfg > LIMITS.maxCfg) throw bad('cfg', `must be a number from 0 to ${LIMITS.maxCfg}, got ${String(cfg)}`, 'use a CFG scale from 0 up (1 = no guidance, 4-9 is typical)')
  const batchSize = intIn(base.batchSize, 'batch', 1, LIMITS.maxBatch)
  let seed: string
  try {
    seed = parseSeed(typeof req.seed === 'bigint' ? req.seed.toString() : (req.seed ?? DEFAULT_PARAMS.seed))
  } catch (e) {
    throw bad('seed', e instanceof ParamsError ? e.message.replace(/^seed: /, '') : String(e), 'use a seed from 0 to 2^64 - 1')
  }

  const { width, height } = base
  checkSize(model.folder, width, height)
  const f = model.folder.vaeScale
  const fixed = model.unet.fixedLatent ?? model.vaeDecoder.fixedLatent
  if (fixed) {
    const fw = fixed.width * f
    const fh = fixed.height * f
    if (width !== fw || height !== fh) {
      const code = width > fw || height > fh ? 'size-too-large' : 'bad-size'
      throw new GenerationInputError(code, 'size', `${width}x${height} does not fit this model: its export fixes the image size at ${fw}x${fh}`, `use width ${fw} and height ${fh}, or re-export the model with dynamic axes`)
    }
  } else {
    checkMaxSide(model.folder, width, height)
  }

  let strength: number | undefined
  if (req.init) {
    strength = req.init.strength
    if (typeof strength !== 'number' || !(strength >= 0 && strength <= 1)) throw bad('strength', `must be from 0 to 1, got ${String(strength)}`, 'use a strength from 0 to 1 (0.5-0.75 is typical)')
    if (!model.vaeEncoder) {
      throw new ModelFolderError('missing-component', join(model.folder.dir, 'vae_encoder', 'model.onnx'), 'img2img needs the VAE encoder, which this folder lacks', 'copy vae_encoder/ from the original model export, or generate without an init image')
    }
    const img = req.init.image
    const lat = req.init.latent
    if ((img === undefined) === (lat === undefined)) throw new Error('pipeline: an img2img input carries either an image or a latent')
    if (img && (img.width !== width || img.height !== height || img.data.length !== width * height * 3)) {
      throw new GenerationInputError('bad-init-image', 'init', `the init image is ${img.width}x${img.height}, the output ${width}x${height}`, 'resize the init image to the output size first')
    }
    const row = model.unet.latentChannels * (height / model.folder.vaeScale) * (width / model.folder.vaeScale)
    if (lat && lat.length !== row && lat.length !== row * batchSize) throw new Error(`pipeline: the init latent holds ${lat.length} values, not ${row} per image for ${width}x${height}`)
  }
  return {
    prompt: req.prompt,
    negativePrompt: base.negativePrompt,
    sampler: resolved.sampler,
    samplerOptions,
    schedule,
    scheduleParams: base.scheduleParams,
    steps,
    cfg,
    seed,
    width,
    height,
    batchSize,
    guidance: base.guidance,
    noise: base.noise,
    hires: base.hires ?? null,
    strength
  }
}


/** Per-image generators behind one noise source: each draw is every image's next randn, in image order. */
class BatchNoise implements NoiseSource {
  constructor(private readonly gens: TorchGenerator[], private readonly rowLength: number) {}
  draw(): Tensor {
    const out = new Float64Array(this.gens.length * this.rowLength)
    this.gens.forEach((g, i) => out.set(g.randn(this.rowLength), i * this.rowLength))
    return out
  }
  next(): Tensor {
    return this.draw()
  }
}

/** The latent layout of a resolved request on a model. */
export function latentLayout(model: LoadedModel, r: ResolvedRequest): { h: number; w: number; rowLength: number } {
  const f = model.folder.vaeScale
  const h = r.height / f
  const w = r.width / f
  return { h, w, rowLength: model.unet.latentChannels * h * w }
}

export interface GuidedDenoiserOptions {
  /** The sampler's noise source (noise injection draws from it too). */
  noise?: NoiseSource
  /** The sampling step in progress, for error messages. */
  currentStep?: () => number
  /** Called before every UNet run with the rows it carries; may throw to cancel. */
  onUnetCall?: (rows: number) => void
  log?: (line: string) => void
  /** Inpainting UNets: mask and masked-image latent channels (see unetConditionalDenoiser). */
  concat?: Float32Array
  /** A CFG++ sampler's capture of each evaluation's unconditional prediction (keeps the uncond pass at CFG 1). */
  uncond?: UncondCapture
}

/**
 * The model as the engine sees it for one resolved request: prompt conditioning, the UNet denoiser
 * adapter and the guidance chain (CFG, rescale, interval, thresholds, noise injection) composed into one
 * engine Denoiser over `batch` rows. generate() samples with it; evaluation and schedule calibration
 * call it directly.
 */
export async function guidedDenoiser(model: LoadedModel, r: ResolvedRequest, opts: GuidedDenoiserOptions = {}): Promise<Denoiser> {
  const { h, w, rowLength } = latentLayout(model, r)
  const embedsGuidance = model.unet.timestepCond !== undefined
  const scale = embedsGuidance ? 1 : r.cfg
  const { cond, uncond } = await promptConditioning(model, r.prompt, r.negativePrompt, scale !== 1 || opts.uncond !== undefined, opts.log)
  const conditional = unetConditionalDenoiser(model, {
    latentHeight: h,
    latentWidth: w,
    cond,
    uncond,
    timeIds: model.unet.timeIds ? timeIdsFor(model.folder.family, r.width, r.height) : undefined,
    guidanceEmbedScale: embedsGuidance ? r.cfg : undefined,
    currentStep: opts.currentStep ?? (() => 0),
    onUnetCall: opts.onUnetCall ?? (() => {}),
    concat: opts.concat
  })
  const g = r.guidance
  if (r.noise.noiseInjection > 0 && !opts.noise) throw new Error('guidedDenoiser: noise injection needs the sampler\'s noise source')
  const settings: GuidanceSettings = {
    scale,
    uncond: opts.uncond,
    rowLength,
    interval: g.interval ? { sigmaLo: g.interval[0], sigmaHi: g.interval[1] } : undefined,
    rescalePhi: g.rescale,
    dynamicThresholding: g.thresholdPercentile !== null ? { percentile: g.thresholdPercentile } : undefined,
    clipSample: g.clipSample !== null ? { range: g.clipSample } : undefined,
    noiseInjection: r.noise.noiseInjection > 0 ? { gamma: r.noise.noiseInjection, noise: opts.noise! } : undefined
  }
  return composeGuidance(conditional, settings)
}

/** A per-latent-pixel mask repeated over the channels of every image: one value per state element. */
function elementMask(latentMask: Float64Array, channels: number, images: number): Float64Array {
  const plane = latentMask.length
  const out = new Float64Array(plane * channels * images)
  for (let k = 0; k < channels * images; k++) out.set(latentMask, k * plane)
  return out
}

/**
 * The extra channels an inpainting UNet takes (diffusers' order): the latent mask, then the latent of the
 * image with the masked pixels set to 0 (mid-grey). Without a mask (text-to-image on an inpainting model)
 * everything is masked and the image is all grey, as A1111 conditions such models.
 */
async function inpaintConcat(model: LoadedModel, h: number, w: number, image: RgbImage | undefined, plan: InpaintPlan | undefined): Promise<Float32Array> {
  if (!model.vaeEncoder) {
    throw new ModelFolderError('missing-component', join(model.folder.dir, 'vae_encoder', 'model.onnx'), 'an inpainting model needs the VAE encoder for its masked-image input, which this folder lacks', 'copy vae_encoder/ from the original model export')
  }
  const f = model.folder.vaeScale
  const plane = h * w
  const grey: RgbImage = { width: w * f, height: h * f, data: new Uint8Array(w * f * h * f * 3) }
  const source = plan ? plan.work : (image ?? grey)
  const zero = plan ? binarizeMask(plan.workMask).data : new Uint8Array(w * f * h * f).fill(255)
  const maskedLatentImage = await encodeImage(model, source, zero)
  const out = new Float32Array(model.unet.inpaintChannels * plane)
  if (plan) out.set(plan.latentMask, 0)
  else out.fill(1, 0, plane)
  out.set(maskedLatentImage, plane)
  return out
}

/** Runs one job: `batchSize` images of the same prompt with consecutive seeds. */
export async function generate(model: LoadedModel, request: PipelineRequest, options: GenerateOptions = {}): Promise<GenerateResult> {
  const started = Date.now()
  const r = resolveRequest(model, request)
  const { h, w, rowLength } = latentLayout(model, r)
  const B = r.batchSize
  if (request.init?.inpaint?.empty) {
    // An empty mask repaints nothing: every image is the init image, and no model runs.
    const canvas = request.init.inpaint.canvas
    const seeds = batchSeeds(r.seed, B)
    return { request: r, images: seeds.map((seed) => ({ ...canvas, seed })), unetCalls: 0, unetRows: 0, stepsRun: 0, sigmas: new Float64Array(0), latents: new Float64Array(0), milliseconds: Date.now() - started }
  }

  let sigmas: Float64Array = computeSigmas(r.schedule, r.steps, model.sigmas, r.scheduleParams, options.scheduleContext)
  let base: Float64Array | undefined
  const plan = request.init?.inpaint
  if (request.init) {
    if (request.init.fixSteps) {
      // A1111 (setup_img2img_steps with steps given): a schedule of floor(steps / strength) steps, of
      // which the last `steps` run.
      sigmas = computeSigmas(r.schedule, hiresScheduleSteps(r.steps, r.strength!), model.sigmas, r.scheduleParams, options.scheduleContext)
      sigmas = sigmas.slice(Math.max(0, sigmas.length - 1 - r.steps))
    } else {
      // A1111: run the last int(strength * steps) + 1 intervals of the full schedule.
      const steps = sigmas.length - 1
      const tEnc = Math.floor(Math.min(r.strength!, 0.999) * steps)
      sigmas = sigmas.slice(steps - tEnc - 1)
    }
    const given = request.init.latent
    if (given && given.length === B * rowLength) base = Float64Array.from(given)
    else {
      const one = given ?? (await encodeImage(model, request.init.image!))
      base = new Float64Array(B * rowLength)
      for (let i = 0; i < B; i++) base.set(one, i * rowLength)
    }
  }

  const seeds = batchSeeds(r.seed, B)
  const gens = seeds.map((s) => new TorchGenerator(BigInt(s)))
  const noise = new BatchNoise(gens, rowLength)
  const unitNoise = noise.draw()
  // Inpainting: the latent mask per element (every channel, every image), masked content applied inside it.
  const mask = plan ? elementMask(plan.latentMask, model.unet.latentChannels, B) : undefined
  const start = mask && base ? maskedLatent(base, mask, unitNoise, plan!.options.maskedContent) : base
  const x0 = temperedStart(unitNoise, sigmas[0], r.noise.temperature, start)
  const samplerNoise = temperatureNoise(noise, r.noise.temperature)

  let step = 0
  let unetCalls = 0
  let unetRows = 0
  const uncondCapture = SAMPLER_BY_ID.get(r.sampler)?.cfgPP ? new UncondCapture() : undefined
  const guided = await guidedDenoiser(model, r, {
    uncond: uncondCapture,
    noise: samplerNoise,
    currentStep: () => step,
    onUnetCall: (rows) => {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted')
      unetCalls++
      unetRows += rows
    },
    log: options.log,
    concat: model.unet.inpaintChannels > 0 ? await inpaintConcat(model, h, w, request.init?.image, plan) : undefined
  })
  const denoise = mask && base ? inpaintDenoiser(guided, { initLatent: base, mask, noise: unitNoise }) : guided
  const sampled = await runSampler(r.sampler, denoise, x0, sigmas, {
    noise: samplerNoise,
    uncond: uncondCapture,
    percentToSigma: (p) => percentToSigma(model.sigmas, p),
    options: r.samplerOptions as SamplerOptions,
    onStep: (info) => {
      step = info.i + 1
      options.onStep?.(info)
    }
  })
  const latent = mask && base ? inpaintFinish(sampled, base, mask) : sampled
  const badAt = firstNonFinite(latent)
  if (badAt >= 0) {
    throw new ModelRunError('non-finite', `sampler ${r.sampler}`, Math.max(0, step - 1), `the final latent holds ${latent[badAt]}`, 'try another sampler or schedule, fewer steps, or a lower CFG scale')
  }
  if (options.decode === false) {
    return { request: r, images: [], unetCalls, unetRows, stepsRun: sigmas.length - 1, sigmas, latents: latent, milliseconds: Date.now() - started }
  }
  let decoded = await decodeLatents(model, latent, B, h, w)
  // Inpainting: back into the canvas (only-masked pastes the crop), original pixels outside the mask.
  if (plan) decoded = await Promise.all(decoded.map((img) => finishInpaint(plan, img)))
  return {
    request: r,
    images: decoded.map((img, i) => ({ ...img, seed: seeds[i] })),
    unetCalls,
    unetRows,
    stepsRun: sigmas.length - 1,
    sigmas,
    latents: latent,
    milliseconds: Date.now() - started
  }
}
