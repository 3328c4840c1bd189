/**
 * The VAE: latents (UNet space) -> RGB images, and RGB images -> latents for img2img. Latent scaling is the
 * denoiser adapter's (onnx/denoiser.ts); batches are split to the session's fixed batch size where it has one.
 */
import { ModelRunError } from './errors'
import type { LoadedModel } from './model'
import { firstNonFinite, fromVaeLatent, toVaeLatent } from './onnx/denoiser'

/** An 8-bit RGB image, rows top to bottom, 3 bytes per pixel. */
export interface RgbImage {
  width: number
  height: number
  data: Uint8Array
}

/** Decodes `images` latents of [C, h, w] (UNet space, one after another) to RGB images. */
export async function decodeLatents(model: LoadedModel, x: ArrayLike<number>, images: number, h: number, w: number): Promise<RgbImage[]> {
  const io = model.vaeDecoder
  const C = model.unet.latentChannels
  const rowLength = C * h * w
  const z = toVaeLatent(model, x)
  const out: RgbImage[] = []
  const per = Math.min(images, io.maxBatch)
  for (let start = 0; start < images; start += per) {
    const n = Math.min(per, images - start)
    const rows = io.fixedBatch ?? n
    let feed = z.subarray(start * rowLength, (start + n) * rowLength)
    if (rows !== n) {
      // A fixed batch: pad with copies of the last latent, decode, keep the first n images.
      const padded = new Float32Array(rows * rowLength)
      padded.set(feed)
      for (let r = n; r < rows; r++) padded.set(feed.subarray((n - 1) * rowLength), r * rowLength)
      feed = padded
    }
    const result = await model.sessions.vae_decoder.run({ [io.input]: { data: feed, dims: [rows, C, h, w] } }, [io.output])
    const { data, dims } = result[io.output]
    const bad = firstNonFinite(data)
    if (bad >= 0) {
      throw new ModelRunError('non-finite', 'vae_decoder', undefined, `the VAE decoder returned ${data[bad]}`, 'float16 VAEs can overflow: try a float32 VAE export or --device cpu')
    }
    const [, ch, H, W] = dims
    if (ch !== 3) throw new Error(`vae_decoder: expected 3 output channels, got ${ch}`)
    const plane = H * W
    for (let r = 0; r < n; r++) {
      const base = r * 3 * plane
      const rgb = new Uint8Array(plane * 3)
      for (let p = 0; p < plane; p++) {
        for (let c = 0; c < 3; c++) {
          const v = (data[base + c * plane + p] + 1) * 127.5
          rgb[p * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)
        }
      }
      out.push({ width: W, height: H, data: rgb })
    }
  }
  return out
}

/**
 * Encodes one RGB image (already at the target size) to a UNet-space latent [C, h, w]. `zeroWhere` (one
 * byte per pixel, >= 128 = masked) sets those pixels to exactly 0 in [-1, 1], the masked image an
 * inpainting UNet is conditioned on (diffusers: image * (mask < 0.5)).
 */
export async function encodeImage(model: LoadedModel, image: RgbImage, zeroWhere?: Uint8Array): Promise<Float64Array> {
  const io = model.vaeEncoder
  const session = model.sessions.vae_encoder
  if (!io || !session) throw new Error('this model has no vae_encoder')
  const plane = image.width * image.height
  const chw = new Float32Array(3 * plane)
  for (let p = 0; p < plane; p++) {
    const masked = zeroWhere !== undefined && zeroWhere[p] >= 128
    for (let c = 0; c < 3; c++) chw[c * plane + p] = masked ? 0 : image.data[p * 3 + c] / 127.5 - 1
  }
  const rows = io.fixedBatch ?? 1
  let feed = chw
  if (rows > 1) {
    feed = new Float32Array(rows * chw.length)
    for (let r = 0; r < rows; r++) feed.set(chw, r * chw.length)
  }
  const result = await session.run({ [io.input]: { data: feed, dims: [rows, 3, image.height, image.width] } }, [io.output])
  const { data, dims } = result[io.output]
  const bad = firstNonFinite(data)
  if (bad >= 0) throw new ModelRunError('non-finite', 'vae_encoder', undefined, `the VAE encoder returned ${data[bad]}`, 'try --device cpu or a float32 VAE export')
  const C = model.unet.latentChannels
  const [, ch, h, w] = dims
  // Exports either sample the latent distribution (latent_sample, C channels) or return its parameters
  // (latent_parameters: mean then log-variance, 2C channels); we use the mean.
  if (ch !== C && ch !== 2 * C) throw new Error(`vae_encoder: ${ch} output channels, expected ${C} or ${2 * C}`)
  return fromVaeLatent(model, data.subarray(0, C * h * w))
}
