/**
 * Live previews: each step's x0-estimate turned into a small PNG.
 *
 * - latent2rgb: a linear map of the latent channels to RGB at latent resolution (1/8 of the image
 *   side), with the published factor tables (ComfyUI's latent_formats.py, as quoted in DESIGN.md) or the
 *   model's own fitted table. Costs a few microseconds per pixel.
 * - taesd: a tiny autoencoder decoder from the model folder, full resolution, a real model call.
 */
import type { PreviewSettings } from '../../shared/api'
import { FAMILIES } from '../../shared/model-family'
import type { Tensor } from '../engine/types'
import { encodePngRgb } from '../png/encode'
import type { LatentLayout, LatentRgbFactors, ModelInfo, PreviewRgb, TinyDecoder } from './runner'

/** A preview's pixels as they are shown: through the job's composite when it has one (inpainting). */
type Composite = ((preview: PreviewRgb) => PreviewRgb) | undefined

/** SD1.x/2.x latents (rows = channels 0–3, columns = R, G, B); the fake runner previews with it. */
export const SD1_LATENT_RGB: LatentRgbFactors = FAMILIES.sd1.previewFactors

/** The table a model's previews use: its own if it ships one, else its family's published one (model-family.ts). */
export function factorsFor(info: Pick<ModelInfo, 'family' | 'previewFactors' | 'latentChannels'>): LatentRgbFactors | null {
  if (info.previewFactors) return info.previewFactors
  const fam = info.family ? FAMILIES[info.family] : null
  if (!fam || info.latentChannels !== fam.latentChannels) return null
  return fam.previewFactors
}

/** RGB bytes (h x w x 3) of the first image of `latent` under a linear factor table. */
export function latentToRgb(latent: Tensor, layout: LatentLayout, table: LatentRgbFactors): Uint8Array {
  const { channels, height, width } = layout
  const hw = height * width
  if (table.factors.length !== channels) {
    throw new RangeError(`preview: the factor table has ${table.factors.length} rows but the latent has ${channels} channels`)
  }
  const out = new Uint8Array(hw * 3)
  const b = table.bias ?? [0, 0, 0]
  for (let p = 0; p < hw; p++) {
    let r = b[0]
    let g = b[1]
    let bl = b[2]
    for (let c = 0; c < channels; c++) {
      const v = latent[c * hw + p]
      const f = table.factors[c]
      r += v * f[0]
      g += v * f[1]
      bl += v * f[2]
    }
    // [-1, 1] -> [0, 255], clamped.
    out[p * 3] = clampByte((r + 1) * 127.5)
    out[p * 3 + 1] = clampByte((g + 1) * 127.5)
    out[p * 3 + 2] = clampByte((bl + 1) * 127.5)
  }
  return out
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)
}

export interface PreviewFrame {
  source: 'latent2rgb' | 'taesd'
  png: Uint8Array
  width: number
  height: number
}

/** Makes the frames of one job, honouring its preview settings. */
export class Previewer {
  private readonly table: LatentRgbFactors | null
  private readonly tiny: TinyDecoder | null
  readonly enabled: boolean
  /** Frames come from an async decoder (chain them); the linear map is synchronous. */
  readonly async: boolean

  constructor(
    info: ModelInfo,
    private readonly settings: PreviewSettings
  ) {
    this.table = factorsFor(info)
    this.tiny = settings.mode === 'taesd' || settings.mode === 'auto' ? info.tinyDecoder : null
    this.enabled = settings.mode !== 'off' && (this.tiny !== null || this.table !== null)
    this.async = this.tiny !== null
  }

  /** Whether step i (0-based) of `steps` gets a frame: every N-th step and always the last. */
  due(i: number, steps: number): boolean {
    if (!this.enabled) return false
    return (i + 1) % this.settings.every === 0 || i === steps - 1
  }

  /** A frame from the tiny decoder (async: it is a model call). Only when `async` is true. */
  async frameAsync(denoised: Tensor, layout: LatentLayout, composite?: Composite): Promise<PreviewFrame | null> {
    if (!this.tiny) return this.frameSync(denoised, layout, composite)
    const one = denoised.subarray(0, layout.channels * layout.height * layout.width)
    const img = await this.tiny.decode(one, layout)
    return frame('taesd', { width: img.width, height: img.height, data: img.rgb }, composite)
  }

  /** A frame from the linear latent→RGB map, made right away. */
  frameSync(denoised: Tensor, layout: LatentLayout, composite?: Composite): PreviewFrame | null {
    if (!this.table) return null
    return frame('latent2rgb', { width: layout.width, height: layout.height, data: latentToRgb(denoised, layout, this.table) }, composite)
  }
}

function frame(source: PreviewFrame['source'], rgb: PreviewRgb, composite: Composite): PreviewFrame {
  const shown = composite ? composite(rgb) : rgb
  return { source, png: encodePngRgb(shown.data, shown.width, shown.height, 1), width: shown.width, height: shown.height }
}
