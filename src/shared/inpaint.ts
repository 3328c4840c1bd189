/**
 * Inpainting and outpainting settings, with A1111's names and semantics (the studio's infotext writes and
 * reads them as A1111 does: "Mask blur", "Inpaint area", "Masked area padding", "Masked content",
 * "Mask mode"). They ride on an img2img job: the init image is the picture, the mask says what to repaint.
 * This is the one definition: the models layer, the CLI, presets, infotext and the UI read it.
 */

export const MASKED_CONTENT = ['fill', 'original', 'latent-noise', 'latent-nothing'] as const
export type MaskedContent = (typeof MASKED_CONTENT)[number]
export const INPAINT_AREAS = ['whole', 'masked'] as const
export type InpaintArea = (typeof INPAINT_AREAS)[number]
export const OUTPAINT_FILLS = ['edge', 'noise'] as const
export type OutpaintFill = (typeof OUTPAINT_FILLS)[number]

export interface OutpaintSettings {
  /** Pixels added on each side of the init image. */
  left: number
  right: number
  top: number
  bottom: number
  /** How the new area starts: stretched from the nearest edge, or noise. */
  fill: OutpaintFill
}

export interface InpaintSettings {
  /**
   * Names the mask image, never opened from here: `sha256:<hex>` of the mask bytes the request carried
   * (the service), or the CLI's file path; '' when there is no mask image (mask from the init image's
   * alpha channel, or an outpaint that masks only the new area).
   */
  mask: string
  /** The mask is the init image's alpha channel: transparent pixels are repainted. */
  maskFromAlpha: boolean
  /** Gaussian blur of the mask, in pixels (A1111 "Mask blur", default 4). */
  maskBlur: number
  /** What the masked area starts from (A1111 "Masked content", default original). */
  maskedContent: MaskedContent
  /** Work on the whole picture, or only on the masked area's box plus padding at the job's size. */
  area: InpaintArea
  /** Only masked: pixels added around the mask's box (A1111 "Masked area padding", default 32). */
  padding: number
  /** Repaint what is not masked instead (A1111 "Mask mode: Inpaint not masked"). */
  invert: boolean
  /** Outpainting: extend the canvas first and mask the new area; null for none. */
  outpaint: OutpaintSettings | null
}

export const DEFAULT_INPAINT: Readonly<InpaintSettings> = Object.freeze({
  mask: '',
  maskFromAlpha: false,
  maskBlur: 4,
  maskedContent: 'original',
  area: 'whole',
  padding: 32,
  invert: false,
  outpaint: null
})

export const INPAINT_LIMITS = Object.freeze({ maxBlur: 64, maxPadding: 512, maxOutpaint: 2048 })

/** A1111's labels for the options, as its infotext writes them. */
export const MASKED_CONTENT_LABEL: Readonly<Record<MaskedContent, string>> = { fill: 'fill', original: 'original', 'latent-noise': 'latent noise', 'latent-nothing': 'latent nothing' }
export const INPAINT_AREA_LABEL: Readonly<Record<InpaintArea, string>> = { whole: 'Whole picture', masked: 'Only masked' }

/** A settings field that is wrong, named by its dotted path under `inpaint`. */
export class InpaintSettingsError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(`${field}: ${message}`)
    this.name = 'InpaintSettingsError'
  }
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function whole(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new InpaintSettingsError(field, `must be a whole number from ${lo} to ${hi}, got ${JSON.stringify(v)}`)
  return v
}

function oneOf<T extends string>(v: unknown, field: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) throw new InpaintSettingsError(field, `must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`)
  return v as T
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new InpaintSettingsError(field, `must be true or false, got ${JSON.stringify(v)}`)
  return v
}

/** The img2img settings a preset keeps: the strength and inpainting, never the images themselves. */
export interface Img2ImgPresetSettings {
  strength: number
  inpaint: Omit<InpaintSettings, 'mask'> | null
}

/** Validates a preset's img2img settings (schema 2); errors name the field under `base`. */
export function validateImg2ImgPresetSettings(raw: unknown, base = 'img2img'): Img2ImgPresetSettings {
  if (!isObj(raw)) throw new InpaintSettingsError(base, 'must be { strength, inpaint } (the images themselves are never stored)')
  for (const k of Object.keys(raw)) if (k !== 'strength' && k !== 'inpaint') throw new InpaintSettingsError(`${base}.${k}`, 'is not kept in presets; known: strength, inpaint')
  const strength = raw.strength
  if (typeof strength !== 'number' || !(strength >= 0 && strength <= 1)) throw new InpaintSettingsError(`${base}.strength`, `must be a number from 0 to 1, got ${JSON.stringify(strength)}`)
  if (raw.inpaint === null || raw.inpaint === undefined) return { strength, inpaint: null }
  if (isObj(raw.inpaint) && 'mask' in raw.inpaint) throw new InpaintSettingsError(`${base}.inpaint.mask`, 'is not kept in presets (the mask belongs to one image)')
  const needsMask = isObj(raw.inpaint) && raw.inpaint.maskFromAlpha !== true && (raw.inpaint.outpaint === undefined || raw.inpaint.outpaint === null)
  const { mask: _mask, ...inpaint } = validateInpaintSettings({ ...(raw.inpaint as Obj), mask: needsMask ? 'preset' : '' }, `${base}.inpaint`)
  return { strength, inpaint }
}

/**
 * Validates untrusted inpaint settings (IPC payloads, presets, infotext), filling defaults. `base` is the
 * dotted path the errors name (e.g. "img2img.inpaint").
 */
export function validateInpaintSettings(raw: unknown, base = 'inpaint'): InpaintSettings {
  if (!isObj(raw)) throw new InpaintSettingsError(base, 'must be an object of inpaint settings, or null')
  const known = new Set(Object.keys(DEFAULT_INPAINT))
  for (const k of Object.keys(raw)) if (!known.has(k)) throw new InpaintSettingsError(`${base}.${k}`, `is not an inpaint setting; known: ${[...known].join(', ')}`)
  const d = DEFAULT_INPAINT
  const get = (k: keyof InpaintSettings): unknown => (raw[k] === undefined ? d[k] : raw[k])
  const mask = get('mask')
  if (typeof mask !== 'string' || mask.length > 4096) throw new InpaintSettingsError(`${base}.mask`, 'must name the mask image (text of at most 4096 characters)')
  let outpaint: OutpaintSettings | null = null
  const o = get('outpaint')
  if (o !== null) {
    if (!isObj(o)) throw new InpaintSettingsError(`${base}.outpaint`, 'must be { left, right, top, bottom, fill } or null')
    for (const k of Object.keys(o)) if (!['left', 'right', 'top', 'bottom', 'fill'].includes(k)) throw new InpaintSettingsError(`${base}.outpaint.${k}`, 'is not an outpaint setting; known: left, right, top, bottom, fill')
    const side = (k: 'left' | 'right' | 'top' | 'bottom') => whole(o[k] ?? 0, `${base}.outpaint.${k}`, 0, INPAINT_LIMITS.maxOutpaint)
    outpaint = { left: side('left'), right: side('right'), top: side('top'), bottom: side('bottom'), fill: oneOf(o.fill ?? 'edge', `${base}.outpaint.fill`, OUTPAINT_FILLS) }
    if (outpaint.left + outpaint.right + outpaint.top + outpaint.bottom === 0) throw new InpaintSettingsError(`${base}.outpaint`, 'adds no pixels; give at least one side, or null for no outpainting')
  }
  const s: InpaintSettings = {
    mask,
    maskFromAlpha: bool(get('maskFromAlpha'), `${base}.maskFromAlpha`),
    maskBlur: whole(get('maskBlur'), `${base}.maskBlur`, 0, INPAINT_LIMITS.maxBlur),
    maskedContent: oneOf(get('maskedContent'), `${base}.maskedContent`, MASKED_CONTENT),
    area: oneOf(get('area'), `${base}.area`, INPAINT_AREAS),
    padding: whole(get('padding'), `${base}.padding`, 0, INPAINT_LIMITS.maxPadding),
    invert: bool(get('invert'), `${base}.invert`),
    outpaint
  }
  if (s.mask === '' && !s.maskFromAlpha && !s.outpaint) throw new InpaintSettingsError(`${base}.mask`, 'no mask: give a mask image, set maskFromAlpha, or outpaint')
  if (s.mask !== '' && s.maskFromAlpha) throw new InpaintSettingsError(`${base}.maskFromAlpha`, 'the mask comes either from a mask image or from the init image\'s alpha channel, not both')
  return s
}
