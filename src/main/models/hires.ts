/**
 * The hires fix as one job (A1111's txt2img with "Hires. fix"; src/shared/hires.ts has the parameters):
 *
 *   first pass: generate() at the base size, exactly as a plain generation (bit for bit)
 *   upscale:    Latent …  → the final latent resized as torch interpolate does (engine/interpolate.ts)
 *               Lanczos / Nearest → decoded, resized by sharp, encoded again
 *               a model  → decoded, through the caller's image upscaler, resized, encoded again
 *   crop:       when both resize sides are given (A1111's truncate_x/y)
 *   second pass: generate() as img2img from that latent at the hires denoising strength, running
 *               exactly the hires steps (A1111's fixed-steps img2img), with fresh noise: a new generator
 *               per image seeded with the image's own seed, drawn at the new size — what A1111's
 *               ImageRNG does, so the same seed gives A1111's noise.
 *
 * Step reports run through both passes: step i of n where n is both passes' steps.
 */
import sharp from 'sharp'
import { hiresSize, hiresSteps, latentUpscaleMode, upscalerKind, type HiresSettings, type HiresSize } from '../../shared/hires'
import { cropPlanes, interpolatePlanes } from '../engine/interpolate'
import type { StepInfo, Tensor } from '../engine/types'
import { GenerationInputError } from './errors'
import type { LoadedModel } from './model'
import { generate, resolveRequest, type GenerateOptions, type GenerateResult, type PipelineRequest, type ResolvedRequest } from './pipeline'
import { encodeImage, type RgbImage } from './vae'

/** An upscaler model as the caller provides it (the worker wires the upscaler models' module in). */
export type ImageUpscale = (name: string, image: RgbImage, opts: { signal?: AbortSignal }) => Promise<RgbImage>

export interface HiresOptions extends Omit<GenerateOptions, 'onStep' | 'decode'> {
  /** Every step of both passes, numbered through: `steps` counts both passes. */
  onStep?: (info: StepInfo & { pass: 1 | 2; latentHeight: number; latentWidth: number }) => void
  /** Upscaler models by name; without it only the latent and resize upscalers work. */
  upscaleImage?: ImageUpscale
}

export interface HiresResult extends GenerateResult {
  /** The first pass as generate() returned it (no images when the upscaler is a latent one). */
  firstPass: GenerateResult
  hiresSize: HiresSize
}

/** The hires size for a resolved first pass on this model, or a GenerationInputError naming the field. */
export function hiresSizeFor(model: LoadedModel, r: Pick<ResolvedRequest, 'width' | 'height'>, h: HiresSettings): HiresSize {
  const res = hiresSize(r.width, r.height, h, model.folder.sizeStep, model.folder.vaeScale)
  if (!res.ok) throw new GenerationInputError('bad-size', res.field, res.problem, `this model needs sides in steps of ${model.folder.sizeStep} px`)
  return res.size
}

/** The second pass's request: the hires overrides over the first pass's settings. */
export function secondPassRequest(first: ResolvedRequest, h: HiresSettings, size: HiresSize): PipelineRequest {
  const sampler = h.sampler ?? first.sampler
  const schedule = h.schedule ?? first.schedule
  return {
    prompt: h.prompt !== '' ? h.prompt : first.prompt,
    negativePrompt: h.negativePrompt !== '' ? h.negativePrompt : first.negativePrompt,
    sampler,
    // Options and parameters belong to the first pass's sampler and schedule; another one takes its defaults.
    samplerOptions: sampler === first.sampler ? first.samplerOptions : {},
    schedule,
    scheduleParams: schedule === first.schedule ? first.scheduleParams : {},
    steps: hiresSteps(first.steps, h),
    cfg: h.cfg ?? first.cfg,
    seed: first.seed,
    width: size.width,
    height: size.height,
    batchSize: first.batchSize,
    guidance: first.guidance,
    noise: first.noise,
    hires: null
  }
}

const sharpKernel = (name: string): 'lanczos3' | 'nearest' => (name.trim().toLowerCase() === 'nearest' ? 'nearest' : 'lanczos3')

/** Resizes an RGB picture to exactly w×h with sharp (A1111's "just resize"). */
export async function resizeRgb(img: RgbImage, w: number, h: number, kernel: 'lanczos3' | 'nearest'): Promise<RgbImage> {
  if (img.width === w && img.height === h) return img
  const { data } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(w, h, { fit: 'fill', kernel })
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { width: w, height: h, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
}

function cropRgb(img: RgbImage, left: number, top: number, w: number, h: number): RgbImage {
  if (left === 0 && top === 0 && img.width === w && img.height === h) return img
  const data = new Uint8Array(w * h * 3)
  for (let y = 0; y < h; y++) data.set(img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + w) * 3), y * w * 3)
  return { width: w, height: h, data }
}

/** The first pass's latents (B rows) upscaled and cropped to the second pass's latent. */
export function upscaleLatents(latents: Tensor, images: number, channels: number, h: number, w: number, size: HiresSize, vaeFactor: number, upscaler: string): Float64Array {
  const mode = latentUpscaleMode(upscaler)
  if (!mode) throw new Error(`upscaleLatents: "${upscaler}" is not a latent upscaler`)
  const upH = Math.floor(size.upscaleHeight / vaeFactor)
  const upW = Math.floor(size.upscaleWidth / vaeFactor)
  const up = interpolatePlanes(latents, images * channels, h, w, upH, upW, mode)
  return cropPlanes(up, images * channels, upH, upW, size.cropTop / vaeFactor, size.cropLeft / vaeFactor, size.height / vaeFactor, size.width / vaeFactor)
}

/** Runs a request with `hires` set as one two-pass job. Throws GenerationInputError before any work for a bad size. */
export async function generateHires(model: LoadedModel, request: PipelineRequest, options: HiresOptions = {}): Promise<HiresResult> {
  const started = Date.now()
  const h = request.hires
  if (!h) throw new Error('generateHires: the request has no hires settings')
  if (request.init) throw new GenerationInputError('bad-parameter', 'hires', 'the hires fix follows a text-to-image pass', 'turn hires off for img2img and inpainting, or upscale the result')
  const firstRequest: PipelineRequest = { ...request, hires: null }
  const first = resolveRequest(model, firstRequest)
  const size = hiresSizeFor(model, first, h)
  const second = secondPassRequest(first, h, size)
  // Everything the second pass will be checked against (size step, largest side, sampler, schedule) is
  // checked now, before the first pass runs.
  const secondResolved = resolveRequest(model, second)
  const kind = upscalerKind(h.upscaler)
  if (kind === 'model' && !options.upscaleImage) {
    throw new GenerationInputError('bad-parameter', 'hires.upscaler', `no upscaler model "${h.upscaler}" can be used here`, 'use Latent, Latent (antialiased), Latent (bicubic), Latent (nearest), Latent (nearest-exact), Lanczos or Nearest')
  }
  const f = model.folder.vaeScale
  const C = model.unet.latentChannels
  const B = first.batchSize
  const steps2 = secondResolved.steps
  const h1 = first.height / f
  const w1 = first.width / f

  const firstPass = await generate(model, firstRequest, {
    ...options,
    decode: kind !== 'latent',
    onStep: (s) => options.onStep?.({ ...s, steps: s.steps + steps2, pass: 1, latentHeight: h1, latentWidth: w1 })
  })
  if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted')

  let init: Float64Array
  if (kind === 'latent') {
    init = upscaleLatents(firstPass.latents, B, C, h1, w1, size, f, h.upscaler)
  } else {
    // Image upscalers work on the decoded picture, which is then encoded again (A1111 does the same).
    const rowLength = C * (size.height / f) * (size.width / f)
    init = new Float64Array(B * rowLength)
    for (let i = 0; i < B; i++) {
      let img: RgbImage = firstPass.images[i]
      if (kind === 'model') img = await options.upscaleImage!(h.upscaler, img, { signal: options.signal })
      img = await resizeRgb(img, size.upscaleWidth, size.upscaleHeight, sharpKernel(kind === 'model' ? 'Lanczos' : h.upscaler))
      img = cropRgb(img, size.cropLeft, size.cropTop, size.width, size.height)
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted')
      init.set(await encodeImage(model, img), i * rowLength)
    }
  }

  const steps1 = firstPass.stepsRun
  const h2 = size.height / f
  const w2 = size.width / f
  const result = await generate(model, { ...second, init: { latent: init, strength: h.denoise, fixSteps: true } }, {
    ...options,
    onStep: (s) => options.onStep?.({ ...s, i: steps1 + s.i, steps: steps1 + s.steps, pass: 2, latentHeight: h2, latentWidth: w2 })
  })
  return {
    ...result,
    request: { ...first, hires: h },
    firstPass,
    hiresSize: size,
    unetCalls: firstPass.unetCalls + result.unetCalls,
    unetRows: firstPass.unetRows + result.unetRows,
    stepsRun: steps1 + result.stepsRun,
    milliseconds: Date.now() - started
  }
}

