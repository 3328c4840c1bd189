/**
 * The hires fix (A1111's "Hires. fix"): a text-to-image picture made at the base size, upscaled, then
 * refined by a second pass as img2img at the hires denoising strength with fresh noise. Names and
 * semantics are A1111's (processing.py, StableDiffusionProcessingTxt2Img):
 *
 * - size: `scale` ("Upscale by", hr_scale) or `resizeWidth`/`resizeHeight` ("Resize width/height to",
 *   hr_resize_x/y; 0 = from the other side by the aspect ratio; both set = scaled to cover, then the
 *   latent is cropped to fit). Here sides must also be multiples of the model's size step: a target from
 *   a factor is rounded down to it (A1111 rounds down to 8 px the same way), a target typed in must be one.
 * - `steps` ("Hires steps"), 0 = as many as the first pass. The second pass runs exactly that many steps
 *   of a schedule of floor(steps / denoise) (A1111 passes its steps to img2img, which then works as with
 *   "img2img_fix_steps").
 * - `sampler`, `schedule`, `cfg`: null = the first pass's. `prompt`, `negativePrompt`: '' = the first
 *   pass's (A1111 treats an empty hires prompt so).
 * - `upscaler`: the latent modes as A1111 names them (torch interpolate on the latent), "Lanczos" and
 *   "Nearest" (image resizes), or an upscaler model's name.
 *
 * Pure: the form, the service, the CLI and the worker all compute the final size with the same code.
 */

export interface HiresSettings {
  /** "Upscale by" (used when both resize sides are 0). */
  scale: number
  /** "Resize width to" in px; 0 = not set. */
  resizeWidth: number
  /** "Resize height to" in px; 0 = not set. */
  resizeHeight: number
  /** Second-pass steps; 0 = the first pass's. */
  steps: number
  /** Hires denoising strength, (0, 1]. */
  denoise: number
  /** A1111 upscaler name: a latent mode, "Lanczos", "Nearest", or an upscaler model. */
  upscaler: string
  /** Second-pass sampler id; null = the first pass's. */
  sampler: string | null
  /** Second-pass schedule id; null = the first pass's. */
  schedule: string | null
  /** Second-pass CFG; null = the first pass's. */
  cfg: number | null
  /** Second-pass prompt; '' = the first pass's. */
  prompt: string
  negativePrompt: string
}

/** What a Hires section starts with (A1111's defaults: ×2, 0 steps, denoise 0.7, "Latent"). */
export const DEFAULT_HIRES: Readonly<HiresSettings> = Object.freeze({
  scale: 2,
  resizeWidth: 0,
  resizeHeight: 0,
  steps: 0,
  denoise: 0.7,
  upscaler: 'Latent',
  sampler: null,
  schedule: null,
  cfg: null,
  prompt: '',
  negativePrompt: ''
})

/** A latent upscaler: torch.nn.functional.interpolate's mode and antialias (A1111's latent_upscale_modes). */
export interface LatentUpscaleMode {
  mode: 'bilinear' | 'bicubic' | 'nearest' | 'nearest-exact'
  antialias: boolean
}

/** A1111's latent upscalers by name, in its order. */
export const LATENT_UPSCALERS: Readonly<Record<string, LatentUpscaleMode>> = Object.freeze({
  Latent: { mode: 'bilinear', antialias: false },
  'Latent (antialiased)': { mode: 'bilinear', antialias: true },
  'Latent (bicubic)': { mode: 'bicubic', antialias: false },
  'Latent (bicubic antialiased)': { mode: 'bicubic', antialias: true },
  'Latent (nearest)': { mode: 'nearest', antialias: false },
  'Latent (nearest-exact)': { mode: 'nearest-exact', antialias: false }
})

/** Image resizes (sharp), A1111's "Lanczos" and "Nearest". */
export const IMAGE_RESIZE_UPSCALERS = Object.freeze(['Lanczos', 'Nearest'] as const)

/** Every upscaler that needs no model file, in the order a picker lists them. */
export const BUILTIN_UPSCALERS: readonly string[] = Object.freeze([...Object.keys(LATENT_UPSCALERS), ...IMAGE_RESIZE_UPSCALERS])

export type UpscalerKind = 'latent' | 'resize' | 'model'

/** Which kind of upscaler a name is (names match case-insensitively, as A1111's lookup does). */
export function upscalerKind(name: string): UpscalerKind {
  if (latentUpscaleMode(name)) return 'latent'
  if (IMAGE_RESIZE_UPSCALERS.some((n) => n.toLowerCase() === name.trim().toLowerCase())) return 'resize'
  return 'model'
}

export function latentUpscaleMode(name: string): LatentUpscaleMode | null {
  const key = Object.keys(LATENT_UPSCALERS).find((k) => k.toLowerCase() === name.trim().toLowerCase())
  return key ? LATENT_UPSCALERS[key] : null
}

/** The canonical spelling of a built-in upscaler name ("latent" → "Latent"); other names unchanged. */
export function canonicalUpscaler(name: string): string {
  const t = name.trim()
  return BUILTIN_UPSCALERS.find((k) => k.toLowerCase() === t.toLowerCase()) ?? t
}

export interface HiresSize {
  /** The final picture (sides multiples of the step). */
  width: number
  height: number
  /** What the first-pass picture is scaled to before the crop (A1111's hr_upscale_to_x/y, rounded to the step when no crop). */
  upscaleWidth: number
  upscaleHeight: number
  /** The crop's top-left corner in the scaled picture, px (multiples of the VAE factor). */
  cropLeft: number
  cropTop: number
}

/** A problem with the hires size, naming the field; null when it is fine. */
export type HiresSizeResult = { ok: true; size: HiresSize } | { ok: false; field: string; problem: string }

/**
 * The second pass's size for a first pass of `width`×`height` on a model whose sides step by `step`
 * px and whose latent cells are `vaeFactor` px (A1111's calculate_target_resolution, then the step).
 */
export function hiresSize(width: number, height: number, h: Pick<HiresSettings, 'scale' | 'resizeWidth' | 'resizeHeight'>, step: number, vaeFactor = 8): HiresSizeResult {
  const rw = h.resizeWidth
  const rh = h.resizeHeight
  if (rw === 0 && rh === 0) {
    // int(width * hr_scale), then down to the step.
    const w = Math.floor(Math.floor(width * h.scale) / step) * step
    const hh = Math.floor(Math.floor(height * h.scale) / step) * step
    if (w < step || hh < step) return { ok: false, field: 'hires.scale', problem: `×${h.scale} makes ${width}×${height} smaller than one ${step} px step` }
    return { ok: true, size: { width: w, height: hh, upscaleWidth: w, upscaleHeight: hh, cropLeft: 0, cropTop: 0 } }
  }
  for (const [field, v] of [['hires.resizeWidth', rw], ['hires.resizeHeight', rh]] as const) {
    if (v !== 0 && v % step !== 0) {
      const lo = Math.max(step, Math.floor(v / step) * step)
      return { ok: false, field, problem: `${v} is not a multiple of this model's ${step} px step; use ${lo} or ${lo + step}` }
    }
  }
  let upW: number
  let upH: number
  if (rh === 0) {
    upW = rw
    upH = Math.floor((rw * height) / width)
  } else if (rw === 0) {
    upW = Math.floor((rh * width) / height)
    upH = rh
  } else if (width / height < rw / rh) {
    upW = rw
    upH = Math.floor((rw * height) / width)
  } else {
    upW = Math.floor((rh * width) / height)
    upH = rh
  }
  if (rw === 0 || rh === 0) {
    // One side given: the other follows the aspect ratio, rounded down to the step (no crop).
    const w = Math.floor(upW / step) * step
    const hh = Math.floor(upH / step) * step
    if (w < step || hh < step) return { ok: false, field: rw === 0 ? 'hires.resizeHeight' : 'hires.resizeWidth', problem: `${rw}x${rh} leaves the other side under one ${step} px step` }
    return { ok: true, size: { width: w, height: hh, upscaleWidth: w, upscaleHeight: hh, cropLeft: 0, cropTop: 0 } }
  }
  // Both sides: cover, then crop the middle (A1111's truncate_x/y, in latent cells).
  const tx = Math.floor((upW - rw) / vaeFactor)
  const ty = Math.floor((upH - rh) / vaeFactor)
  return { ok: true, size: { width: rw, height: rh, upscaleWidth: upW, upscaleHeight: upH, cropLeft: Math.floor(tx / 2) * vaeFactor, cropTop: Math.floor(ty / 2) * vaeFactor } }
}

/** The second pass's step count (0 = the first pass's). */
export function hiresSteps(firstPassSteps: number, h: Pick<HiresSettings, 'steps'>): number {
  return h.steps > 0 ? h.steps : firstPassSteps
}

/**
 * A1111's fixed-steps img2img: a schedule of floor(steps / min(denoise, 0.999)) steps of which the last
 * `steps` run. Returns the schedule's length; the run takes its last `steps` intervals.
 */
export function hiresScheduleSteps(steps: number, denoise: number): number {
  return Math.max(steps, Math.floor(steps / Math.min(denoise, 0.999)))
}

/** "Resize: from 512×512 to 1024×1024" for forms; null when no hires. */
export function describeHiresSize(width: number, height: number, s: HiresSize): string {
  const crop = s.upscaleWidth !== s.width || s.upscaleHeight !== s.height ? ` (scaled to ${s.upscaleWidth}×${s.upscaleHeight}, cropped)` : ''
  return `from ${width}×${height} to ${s.width}×${s.height}${crop}`
}

export class HiresSettingsError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(`${field}: ${message}`)
    this.name = 'HiresSettingsError'
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Most a hires factor may be (A1111's slider goes to 4; sizes are bounded by LIMITS.maxSide anyway). */
export const MAX_HIRES_SCALE = 8

/**
 * Checks untrusted hires settings and fills defaults; `isSampler`/`isSchedule` say which ids exist (the
 * catalogue, passed in so this module stays free of it). Throws HiresSettingsError naming the field.
 */
export function validateHiresSettings(raw: unknown, known: { isSampler(id: string): boolean; isSchedule(id: string): boolean; samplers: string; schedules: string }, field = 'hires'): HiresSettings {
  if (!isObj(raw)) throw new HiresSettingsError(field, 'must be an object of hires settings, or null')
  const keys = Object.keys(DEFAULT_HIRES)
  for (const k of Object.keys(raw)) if (!keys.includes(k)) throw new HiresSettingsError(`${field}.${k}`, `is not a hires setting; known: ${keys.join(', ')}`)
  const d = DEFAULT_HIRES
  const num = (k: keyof HiresSettings, lo: number, hi: number, integer = false): number => {
    const v = raw[k] === undefined ? d[k] : raw[k]
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new HiresSettingsError(`${field}.${k}`, `must be a finite number, got ${JSON.stringify(v)}`)
    if (integer && !Number.isInteger(v)) throw new HiresSettingsError(`${field}.${k}`, `must be a whole number, got ${v}`)
    if (v < lo || v > hi) throw new HiresSettingsError(`${field}.${k}`, `must be between ${lo} and ${hi}, got ${v}`)
    return v
  }
  const text = (k: 'prompt' | 'negativePrompt' | 'upscaler', max: number): string => {
    const v = raw[k] === undefined ? d[k] : raw[k]
    if (typeof v !== 'string') throw new HiresSettingsError(`${field}.${k}`, `must be text, got ${JSON.stringify(v)}`)
    if (v.length > max) throw new HiresSettingsError(`${field}.${k}`, `is ${v.length} characters long; the limit is ${max}`)
    return v
  }
  const scale = num('scale', 1, MAX_HIRES_SCALE)
  const resizeWidth = num('resizeWidth', 0, 4096, true)
  const resizeHeight = num('resizeHeight', 0, 4096, true)
  const denoise = num('denoise', 0, 1)
  if (!(denoise > 0)) throw new HiresSettingsError(`${field}.denoise`, 'must be above 0: a second pass at strength 0 changes nothing (use Upscale for a plain resize)')
  const upscaler = canonicalUpscaler(text('upscaler', 200))
  if (upscaler === '') throw new HiresSettingsError(`${field}.upscaler`, `must name an upscaler: ${BUILTIN_UPSCALERS.join(', ')} or an upscaler model`)
  const sampler = raw.sampler === undefined || raw.sampler === null ? null : raw.sampler
  if (sampler !== null && (typeof sampler !== 'string' || !known.isSampler(sampler))) throw new HiresSettingsError(`${field}.sampler`, `unknown sampler ${JSON.stringify(sampler)}; use null for the first pass's, or one of ${known.samplers}`)
  const schedule = raw.schedule === undefined || raw.schedule === null ? null : raw.schedule
  if (schedule !== null && (typeof schedule !== 'string' || !known.isSchedule(schedule))) throw new HiresSettingsError(`${field}.schedule`, `unknown schedule ${JSON.stringify(schedule)}; use null for the first pass's, or one of ${known.schedules}`)
  const cfg = raw.cfg === undefined || raw.cfg === null ? null : num('cfg', 0, 100)
  return {
    scale,
    resizeWidth,
    resizeHeight,
    steps: num('steps', 0, 1000, true),
    denoise,
    upscaler,
    sampler: sampler as string | null,
    schedule: schedule as string | null,
    cfg,
    prompt: text('prompt', 20_000),
    negativePrompt: text('negativePrompt', 20_000)
  }
}
