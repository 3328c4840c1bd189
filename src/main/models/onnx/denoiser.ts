/**
 * The denoiser adapter (STYLE habit 6): every model quirk between the engine and an ONNX UNet lives here.
 *
 * - prediction type (epsilon / v_prediction / sample) and the input scaling c_in = 1/sqrt(sigma² + 1):
 *   the engine's `modelInput` and `denoisedFromOutput` (prediction.ts) do the arithmetic; this module
 *   decides what to call them with;
 * - sigma -> timestep through the model's own sigma table (interpolated for float timesteps, nearest table
 *   entry for integer ones), fed as a scalar, one value, or one per batch row, in the dtype the session
 *   declares (int64, float32, float16 — the session wrapper converts);
 * - conditional + unconditional rows stacked on the batch axis into one UNet call where the batch axis is
 *   dynamic (or large enough), split into as many calls as the fixed batch size needs otherwise;
 * - SDXL's added conditioning (text_embeds, time_ids) and LCM's guidance embedding (timestep_cond);
 * - the VAE latent scaling factor (`toVaeLatent` / `fromVaeLatent`);
 * - a NaN or Inf in the UNet's output stops the job with an error naming the stage and step.
 *
 * Samplers see only the resulting ConditionalDenoiser / Denoiser: x and sigma in, x0-estimate out.
 */
import type { ConditionalDenoiser } from '../../engine/guidance'
import { denoisedFromOutput, modelInput } from '../../engine/prediction'
import type { Tensor } from '../../engine/types'
import { ModelRunError } from '../errors'
import type { LoadedModel } from '../model'
import type { HostTensor } from './runtime'

/** A sigma (engine noise level) and a model timestep are different numbers; the brands keep them apart. */
export type Sigma = number & { readonly __brand: 'sigma' }
export type Timestep = number & { readonly __brand: 'timestep' }

/** The text conditioning of one prompt: per-token states [tokens, width] and (SDXL) the pooled embedding. */
export interface TextConditioning {
  context: Float32Array
  tokens: number
  pooled?: Float32Array
}

export interface UnetDenoiserOptions {
  /** Latent height and width (cells). */
  latentHeight: number
  latentWidth: number
  cond: TextConditioning
  /** Needed for `both` (CFG); omit when guidance is off. */
  uncond?: TextConditioning
  /** SDXL: original size, crop top-left, target size (6 values). */
  timeIds?: readonly number[]
  /** LCM with embedded guidance: the scale w fed through timestep_cond. */
  guidanceEmbedScale?: number
  /** The sampling step in progress (0-based), for error messages. */
  currentStep?: () => number | undefined
  /** Called once per UNet session call with the number of batch rows in it. */
  onUnetCall?: (rows: number) => void
  /**
   * Inpainting UNets: the extra input channels after the latent (mask, then the masked image's latent;
   * inpaintChannels × h × w values), the same for every row.
   */
  concat?: Float32Array
}

/** The model timestep for a sigma: fractional for float inputs, the nearest table entry for integer ones. */
export function sigmaToTimestep(model: LoadedModel, sigma: Sigma): Timestep {
  return model.sigmas.sigmaToT(sigma, model.unet.timestepIsInteger) as Timestep
}

/** The UNet-space latent (engine x) -> the VAE's latent: divide by the scaling factor. */
export function toVaeLatent(model: LoadedModel, x: ArrayLike<number>): Float32Array {
  const k = 1 / model.folder.scalingFactor
  const out = new Float32Array(x.length)
  for (let i = 0; i < x.length; i++) out[i] = x[i] * k
  return out
}

/** The VAE encoder's latent -> UNet space: multiply by the scaling factor. */
export function fromVaeLatent(model: LoadedModel, z: ArrayLike<number>): Float64Array {
  const k = model.folder.scalingFactor
  const out = new Float64Array(z.length)
  for (let i = 0; i < z.length; i++) out[i] = z[i] * k
  return out
}

/**
 * LCM's guidance-scale embedding (diffusers `get_guidance_scale_embedding`, after the VDM timestep
 * embedding): sin and cos of (w - 1) * 1000 at geometric frequencies, `dim` values.
 */
export function guidanceScaleEmbedding(w: number, dim: number): Float32Array {
  const half = Math.floor(dim / 2)
  const out = new Float32Array(dim)
  const step = Math.log(10000) / Math.max(1, half - 1)
  const v = (w - 1) * 1000
  for (let i = 0; i < half; i++) {
    const f = Math.exp(-step * i)
    out[i] = Math.sin(v * f)
    out[half + i] = Math.cos(v * f)
  }
  return out
}

/** The first index of a non-finite value, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i
  return -1
}

/**
 * The UNet as the engine's ConditionalDenoiser. `x` holds B images' latents (rows of C·h·w values);
 * `both` returns cond and uncond x0-estimates for every row from ceil(2B / maxBatch) UNet calls.
 */
export function unetConditionalDenoiser(model: LoadedModel, options: UnetDenoiserOptions): ConditionalDenoiser {
  const io = model.unet
  const session = model.sessions.unet
  const { latentHeight: h, latentWidth: w, cond, uncond } = options
  const rowLength = io.latentChannels * h * w
  const width = io.contextWidth
  const extra = io.inpaintChannels * h * w
  if (extra > 0 && options.concat?.length !== extra) {
    throw new Error(`this inpainting UNet takes ${io.inpaintChannels} extra channels (mask + masked image latent, ${extra} values); give them as concat (an init image and a mask)`)
  }
  if (extra === 0 && options.concat) throw new Error('concat: this UNet takes only the latent; extra channels are for inpainting UNets')
  const sampleRow = rowLength + extra
  for (const c of [cond, uncond]) {
    if (!c) continue
    if (c.context.length !== c.tokens * width) throw new Error(`text conditioning has ${c.context.length} values, not ${c.tokens} x ${width}`)
    if (io.fixedTokens !== undefined && c.tokens !== io.fixedTokens) throw new Error(`the UNet takes exactly ${io.fixedTokens} tokens, got ${c.tokens}`)
  }
  if (uncond && uncond.tokens !== cond.tokens) throw new Error(`cond has ${cond.tokens} tokens but uncond ${uncond.tokens}; pad them to the same length`)
  const pooledWidth = io.textEmbeds ? (cond.pooled?.length ?? 0) : 0
  if (io.textEmbeds && !cond.pooled) throw new Error('SDXL UNet: the conditioning has no pooled text embedding')
  const timeIds = options.timeIds
  if (io.timeIds && (!timeIds || timeIds.length !== 6)) throw new Error('SDXL UNet: give the six time_ids')
  let lcmEmbed: Float32Array | undefined
  if (io.timestepCond) {
    const dim = io.timestepCond.shape[1]
    if (typeof dim !== 'number' || dim < 1) throw new Error(`timestep_cond must have a fixed width, got [${io.timestepCond.shape.join(', ')}]`)
    lcmEmbed = guidanceScaleEmbedding(options.guidanceEmbedScale ?? 8.5, dim)
  }

  /** Runs the UNet over `x` once per conditioning in `conds` (cond rows first); returns raw outputs. */
  async function run(x: Tensor, sigma: Sigma, conds: readonly TextConditioning[]): Promise<Float64Array> {
    const images = x.length / rowLength
    if (!Number.isInteger(images) || images < 1) throw new Error(`latent of ${x.length} values is not a whole number of ${rowLength}-value rows`)
    const xin = modelInput(x, sigma)
    const t = sigmaToTimestep(model, sigma)
    const rows = images * conds.length
    const out = new Float64Array(rows * rowLength)
    const per = Math.min(rows, io.maxBatch)
    for (let start = 0; start < rows; start += per) {
      const real = Math.min(per, rows - start)
      // An export with a fixed batch takes exactly that many rows: pad with copies of the last row.
      const n = io.fixedBatch ?? real
      const sample = new Float32Array(n * sampleRow)
      const context = new Float32Array(n * cond.tokens * width)
      const pooled = io.textEmbeds ? new Float32Array(n * pooledWidth) : undefined
      const ids = io.timeIds ? new Float32Array(n * 6) : undefined
      for (let r = 0; r < n; r++) {
        const row = start + Math.min(r, real - 1)
        const c = conds[Math.floor(row / images)]
        const image = row % images
        sample.set(xin.subarray(image * rowLength, (image + 1) * rowLength), r * sampleRow)
        if (extra > 0) sample.set(options.concat!, r * sampleRow + rowLength)
        context.set(c.context, r * c.context.length)
        if (pooled) pooled.set(c.pooled!, r * pooledWidth)
        if (ids) ids.set(timeIds!, r * 6)
      }
      const feeds: Record<string, HostTensor> = {
        sample: { data: sample, dims: [n, io.latentChannels + io.inpaintChannels, h, w] },
        encoder_hidden_states: { data: context, dims: [n, cond.tokens, width] }
      }
      feeds[io.timestep.name] =
        io.timestepShape === 'scalar'
          ? { data: [t], dims: [] }
          : io.timestepShape === 'one'
            ? { data: [t], dims: [1] }
            : { data: new Array<number>(n).fill(t), dims: [n] }
      if (pooled) feeds.text_embeds = { data: pooled, dims: [n, pooledWidth] }
      if (ids) feeds.time_ids = { data: ids, dims: [n, 6] }
      if (lcmEmbed) {
        const emb = new Float32Array(n * lcmEmbed.length)
        for (let r = 0; r < n; r++) emb.set(lcmEmbed, r * lcmEmbed.length)
        feeds.timestep_cond = { data: emb, dims: [n, lcmEmbed.length] }
      }
      options.onUnetCall?.(real)
      let result
      try {
        result = await session.run(feeds, [io.output])
      } catch (e) {
        if (e instanceof ModelRunError && e.step === undefined) {
          throw new ModelRunError(e.code, e.stage, options.currentStep?.(), e.problem, e.hint)
        }
        throw e
      }
      const all = result[io.output].data
      if (all.length !== n * rowLength) throw new Error(`unet: ${all.length} output values for ${n} rows of ${rowLength}`)
      const raw = n === real ? all : all.subarray(0, real * rowLength)
      const bad = firstNonFinite(raw)
      if (bad >= 0) {
        throw new ModelRunError(
          'non-finite',
          'unet',
          options.currentStep?.(),
          `the UNet returned ${raw[bad]} at sigma ${sigma.toPrecision(4)}`,
          io.sample.type === 'float16'
            ? 'float16 models can overflow: try a float32 export of the model, a lower CFG scale, or --device cpu'
            : 'try a lower CFG scale, another sampler, or --device cpu; if it persists the model file may be damaged'
        )
      }
      out.set(raw, start * rowLength)
    }
    return out
  }

  function stacked(x: Tensor, copies: number): Tensor {
    if (copies === 1) return x
    const all = new Float64Array(x.length * copies)
    for (let k = 0; k < copies; k++) all.set(x, k * x.length)
    return all
  }

  return {
    async cond(x, sigma) {
      const raw = await run(x, sigma as Sigma, [cond])
      return denoisedFromOutput(model.folder.prediction, x, raw, sigma)
    },
    async both(x, sigma) {
      if (!uncond) throw new Error('this denoiser was built without unconditional conditioning (guidance off)')
      const raw = await run(x, sigma as Sigma, [cond, uncond])
      const d = denoisedFromOutput(model.folder.prediction, stacked(x, 2), raw, sigma)
      return { cond: d.slice(0, x.length), uncond: d.slice(x.length) }
    }
  }
}
