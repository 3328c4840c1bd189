/**
 * The generation-parameter contract: what one image (or one grid cell) is made from. The CLI, the
 * service, the library's PNG metadata and presets all carry exactly this shape, so a result can always
 * be reproduced from what was stored with it.
 *
 * `validateGenerationParams` turns untrusted input (IPC payloads, JSON files, pasted presets) into a
 * complete, typed value, filling defaults, and throws a {@link ParamsError} naming the bad field.
 */
import { HiresSettingsError, validateHiresSettings, type HiresSettings } from './hires'
import { InpaintSettingsError, validateInpaintSettings, type InpaintSettings } from './inpaint'
import { SAMPLER_BY_ID, SCHEDULE_BY_ID, SAMPLER_IDS, SCHEDULE_IDS } from './catalogue'
import { MIN_SIZE_STEP, sideProblem } from './model-family'
import { optionProblem, type OptionValue } from './option-spec'

export interface GuidanceSettings {
  /** Guidance rescale phi (Lin et al. 2023), 0 = off. */
  rescale: number
  /** Apply CFG only while sigma is within [lo, hi]; null = always. */
  interval: [number, number] | null
  /** Dynamic thresholding percentile in (0, 1]; null = off. */
  thresholdPercentile: number | null
  /** clip_sample range for the x0-estimate; null = off. */
  clipSample: number | null
}

export interface NoiseModifiers {
  /** Scale of the starting and injected noise (1 = standard). */
  temperature: number
  /** Extra noise added before each model call, as a fraction of sigma (0 = off). */
  noiseInjection: number
}

export interface Img2ImgSettings {
  /**
   * Names the init image; never opened by the service. The CLI and the service both record
   * `sha256:<hex>` of the image's bytes (never a path: it would reveal the user's folders when images
   * are shared; src/shared/init-image.ts).
   */
  image: string
  /** 0..1: how much of the schedule is run (1 = ignore the image's content). */
  strength: number
  /** Inpainting / outpainting: only the masked area is repainted (src/shared/inpaint.ts); null for plain img2img. */
  inpaint: InpaintSettings | null
}

export interface GenerationParams {
  /** Model folder name (under the models directory) or absolute path. */
  model: string
  prompt: string
  negativePrompt: string
  sampler: string
  samplerOptions: Record<string, OptionValue>
  schedule: string
  scheduleParams: Record<string, number>
  steps: number
  cfg: number
  /** Seed as a decimal string: PyTorch seeds are 64-bit, beyond JavaScript's safe integers. */
  seed: string
  width: number
  height: number
  batchSize: number
  guidance: GuidanceSettings
  noise: NoiseModifiers
  img2img: Img2ImgSettings | null
  /** Hires fix: a second, larger pass after text-to-image (src/shared/hires.ts); null = off. */
  hires: HiresSettings | null
}

export const DEFAULT_PARAMS: Readonly<GenerationParams> = Object.freeze({
  model: '',
  prompt: '',
  negativePrompt: '',
  sampler: 'euler',
  samplerOptions: {},
  schedule: 'karras',
  scheduleParams: {},
  steps: 20,
  cfg: 7,
  seed: '0',
  width: 512,
  height: 512,
  batchSize: 1,
  guidance: { rescale: 0, interval: null, thresholdPercentile: null, clipSample: null },
  noise: { temperature: 1, noiseInjection: 0 },
  img2img: null,
  hires: null
})

/** What a model sets as its own defaults (few-step models differ; src/shared/model-family.ts). */
export type ModelDefaults = Pick<GenerationParams, 'steps' | 'cfg' | 'sampler' | 'schedule' | 'width' | 'height'>

/** Parameters as given by a caller: any field may be missing, guidance and noise field by field. */
export type GivenParams = Partial<Omit<GenerationParams, 'guidance' | 'noise'>> & { guidance?: Partial<GuidanceSettings>; noise?: Partial<NoiseModifiers> }

/**
 * The one place defaults are filled: the given fields over the model's own defaults over
 * DEFAULT_PARAMS, guidance and noise field by field. Pure and unchecked: validateGenerationParams (for
 * untrusted input) or the pipeline's model checks judge the result. Undefined fields count as missing.
 */
export function resolveGenerationDefaults(given: GivenParams, model: Partial<ModelDefaults> = {}): GenerationParams {
  const defined = <T extends object>(o: T | undefined): Partial<T> => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>
  const g = defined(given)
  return {
    ...DEFAULT_PARAMS,
    ...defined(model),
    ...g,
    samplerOptions: { ...(g.samplerOptions ?? {}) },
    scheduleParams: { ...(g.scheduleParams ?? {}) },
    guidance: { ...DEFAULT_PARAMS.guidance, ...defined(given.guidance) },
    noise: { ...DEFAULT_PARAMS.noise, ...defined(given.noise) },
    img2img: g.img2img ?? null,
    hires: g.hires ?? null
  }
}

/** Limits that keep a request sane; the models layer checks model-specific limits on top. */
export const LIMITS = Object.freeze({
  maxSteps: 1000,
  maxCfg: 100,
  maxSide: 4096,
  maxBatch: 64,
  maxPromptChars: 20_000
})

export class ParamsError extends Error {
  constructor(
    /** Dotted path of the bad field, e.g. "guidance.rescale". */
    readonly field: string,
    message: string
  ) {
    super(`${field}: ${message}`)
    this.name = 'ParamsError'
  }
}

/**
 * Where a numeric sampler option or schedule parameter makes sense, by name: outside it the numerics
 * divide by zero or take logs of negatives and fail later as "the model failed". `positive`: above 0.
 * Names not listed keep the generic bound.
 */
const OPTION_RANGES: Readonly<Record<string, { lo: number; hi: number; positive?: boolean; integer?: boolean }>> = {
  rho: { lo: 0, hi: 1000, positive: true },
  sigma_min: { lo: 0, hi: 1e4, positive: true },
  sigma_max: { lo: 0, hi: 1e4, positive: true },
  sigma_data: { lo: 0, hi: 1e3, positive: true },
  alpha: { lo: 0, hi: 1e3, positive: true },
  beta: { lo: 0, hi: 1e3, positive: true },
  threshold_noise: { lo: 0, hi: 1, positive: true },
  steps_offset: { lo: 0, hi: 1000, integer: true },
  eta: { lo: 0, hi: 100 },
  s_noise: { lo: 0, hi: 100 },
  r: { lo: 0, hi: 1, positive: true }
}

function optionNumber(v: unknown, field: string, name: string): number {
  const r = hasOwn(OPTION_RANGES, name) ? OPTION_RANGES[name] : undefined
  if (!r) return num(v, field, -1e6, 1e6)
  const x = num(v, field, r.lo, r.hi, r.integer)
  if (r.positive && !(x > 0)) throw new ParamsError(field, `must be above 0 (at most ${r.hi}), got ${x}`)
  return x
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function num(v: unknown, field: string, lo: number, hi: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ParamsError(field, `must be a finite number, got ${JSON.stringify(v)}`)
  if (integer && !Number.isInteger(v)) throw new ParamsError(field, `must be a whole number, got ${v}`)
  if (v < lo || v > hi) throw new ParamsError(field, `must be between ${lo} and ${hi}, got ${v}`)
  return v
}

function str(v: unknown, field: string, max: number = LIMITS.maxPromptChars): string {
  if (typeof v !== 'string') throw new ParamsError(field, `must be text, got ${JSON.stringify(v)}`)
  if (v.length > max) throw new ParamsError(field, `is ${v.length} characters long; the limit is ${max}`)
  return v
}

/** Parses a seed given as a number or decimal string into a canonical decimal string in [0, 2^64). */
export function parseSeed(v: unknown, field = 'seed'): string {
  let s: string
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new ParamsError(field, `must be a whole number from 0 up, got ${v}`)
    s = String(v)
  } else if (typeof v === 'string' && /^\d{1,20}$/.test(v.trim())) s = v.trim()
  else throw new ParamsError(field, `must be a whole number from 0 to 18446744073709551615, got ${JSON.stringify(v)}`)
  const b = BigInt(s)
  if (b >= 1n << 64n) throw new ParamsError(field, `must be below 2^64 (18446744073709551616), got ${s}`)
  return b.toString()
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

function record<T>(v: unknown, field: string, each: (x: unknown, f: string) => T): Record<string, T> {
  if (v === undefined) return {}
  if (!isObj(v)) throw new ParamsError(field, 'must be an object of named values')
  const out: Record<string, T> = {}
  for (const [k, x] of Object.entries(v)) {
    // "__proto__", "constructor" …: names every object already has would reach its prototype.
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(k) || k in Object.prototype) throw new ParamsError(`${field}.${k}`, 'is not a valid option name')
    out[k] = each(x, `${field}.${k}`)
  }
  return out
}

/**
 * Validates and completes untrusted parameters. Unknown top-level fields are rejected so that a typo
 * ("cfg_scale") is reported instead of silently ignored.
 */
export function validateGenerationParams(raw: unknown): GenerationParams {
  if (!isObj(raw)) throw new ParamsError('(params)', 'must be an object')
  const known = new Set(Object.keys(DEFAULT_PARAMS))
  for (const k of Object.keys(raw)) if (!known.has(k)) throw new ParamsError(k, `is not a generation parameter; known: ${[...known].join(', ')}`)
  const d = DEFAULT_PARAMS
  const get = <K extends keyof GenerationParams>(k: K): unknown => (raw[k] === undefined ? d[k] : raw[k])

  const sampler = str(get('sampler'), 'sampler', 100)
  if (!SAMPLER_BY_ID.has(sampler)) throw new ParamsError('sampler', `unknown sampler "${sampler}"; choose one of ${SAMPLER_IDS.join(', ')}`)
  const schedule = str(get('schedule'), 'schedule', 100)
  if (!SCHEDULE_BY_ID.has(schedule)) throw new ParamsError('schedule', `unknown schedule "${schedule}"; choose one of ${SCHEDULE_IDS.join(', ')}`)

  // Every option and parameter is checked against the sampler's and schedule's own descriptors, then
  // against the generic sanity bounds above (so an absurd eta cannot reach the numerics).
  const optionSpecs = SAMPLER_BY_ID.get(sampler)!.optionSpecs
  const samplerOptions = record(get('samplerOptions'), 'samplerOptions', (x, f): OptionValue => {
    const name = f.slice('samplerOptions.'.length)
    const spec = optionSpecs.find((o) => o.name === name)
    if (!spec) throw new ParamsError(f, `is not an option of ${sampler}; it takes ${optionSpecs.map((o) => o.name).join(', ') || 'no options'}`)
    // JSON has no Infinity: s_tmax arrives as null.
    const v = x === null && spec.type === 'number' && spec.allowInfinity ? Infinity : x
    const checked = typeof v === 'number' && Number.isFinite(v) ? optionNumber(v, f, name) : v
    const problem = optionProblem(spec, checked)
    if (problem) throw new ParamsError(f, problem)
    return checked as OptionValue
  })
  const paramSpecs = SCHEDULE_BY_ID.get(schedule)!.paramSpecs
  const scheduleParams = record(get('scheduleParams'), 'scheduleParams', (x, f) => {
    const name = f.slice('scheduleParams.'.length)
    const spec = paramSpecs.find((o) => o.name === name)
    if (!spec) throw new ParamsError(f, `is not a parameter of ${schedule}; it takes ${paramSpecs.map((o) => o.name).join(', ') || 'no parameters'}`)
    const v = optionNumber(x, f, name)
    const problem = optionProblem(spec, v)
    if (problem) throw new ParamsError(f, problem)
    return v
  })
  if (scheduleParams.sigma_min !== undefined && scheduleParams.sigma_max !== undefined && scheduleParams.sigma_min >= scheduleParams.sigma_max) {
    throw new ParamsError('scheduleParams.sigma_min', `${scheduleParams.sigma_min} is not below sigma_max ${scheduleParams.sigma_max}; the schedule runs from sigma_max down to sigma_min`)
  }

  const g = get('guidance')
  if (!isObj(g)) throw new ParamsError('guidance', 'must be an object')
  const gd = d.guidance
  const interval = g.interval === undefined ? gd.interval : g.interval
  let iv: [number, number] | null = null
  if (interval !== null) {
    if (!Array.isArray(interval) || interval.length !== 2) throw new ParamsError('guidance.interval', 'must be [low, high] sigmas or null')
    iv = [num(interval[0], 'guidance.interval[0]', 0, 1e6), num(interval[1], 'guidance.interval[1]', 0, 1e6)]
    if (iv[0] > iv[1]) throw new ParamsError('guidance.interval', `low ${iv[0]} is above high ${iv[1]}`)
  }
  const optNum = (v: unknown, f: string, lo: number, hi: number): number | null => (v === null || v === undefined ? null : num(v, f, lo, hi))
  const guidance: GuidanceSettings = {
    rescale: num(g.rescale ?? gd.rescale, 'guidance.rescale', 0, 1),
    interval: iv,
    thresholdPercentile: optNum(g.thresholdPercentile, 'guidance.thresholdPercentile', 1e-6, 1),
    clipSample: optNum(g.clipSample, 'guidance.clipSample', 1e-6, 1e6)
  }

  const n = get('noise')
  if (!isObj(n)) throw new ParamsError('noise', 'must be an object')
  const noise: NoiseModifiers = {
    temperature: num(n.temperature ?? d.noise.temperature, 'noise.temperature', 0, 10),
    noiseInjection: num(n.noiseInjection ?? d.noise.noiseInjection, 'noise.noiseInjection', 0, 10)
  }

  const i2i = get('img2img')
  let img2img: Img2ImgSettings | null = null
  if (i2i !== null) {
    if (!isObj(i2i)) throw new ParamsError('img2img', 'must be an object with image and strength, or null')
    for (const k of Object.keys(i2i)) if (!['image', 'strength', 'inpaint'].includes(k)) throw new ParamsError(`img2img.${k}`, 'is not an img2img setting; known: image, strength, inpaint')
    let inpaint: InpaintSettings | null = null
    if (i2i.inpaint !== undefined && i2i.inpaint !== null) {
      try {
        inpaint = validateInpaintSettings(i2i.inpaint, 'img2img.inpaint')
      } catch (e) {
        if (e instanceof InpaintSettingsError) throw new ParamsError(e.field, e.message.slice(e.field.length + 2))
        throw e
      }
    }
    img2img = { image: str(i2i.image, 'img2img.image', 4096), strength: num(i2i.strength, 'img2img.strength', 0, 1), inpaint }
    if (img2img.image.length === 0) throw new ParamsError('img2img.image', 'must name an image')
  }

  const h = get('hires')
  let hires: HiresSettings | null = null
  if (h !== null) {
    try {
      hires = validateHiresSettings(h, {
        isSampler: (id) => SAMPLER_BY_ID.has(id),
        isSchedule: (id) => SCHEDULE_BY_ID.has(id),
        samplers: SAMPLER_IDS.join(', '),
        schedules: SCHEDULE_IDS.join(', ')
      })
    } catch (e) {
      if (e instanceof HiresSettingsError) throw new ParamsError(e.field, e.message.slice(e.field.length + 2))
      throw e
    }
    if (img2img) throw new ParamsError('hires', 'the hires fix follows a text-to-image pass; turn it off for img2img and inpainting (or upscale the result)')
  }

  const width = num(get('width'), 'width', 8, LIMITS.maxSide, true)
  const height = num(get('height'), 'height', 8, LIMITS.maxSide, true)
  // Every SD VAE needs multiples of 8 px at least; the model's own step (larger: × 2^UNet down-samplings)
  // is checked where the model is known (models/preflight.ts, the service and the forms).
  for (const [field, v] of [['width', width], ['height', height]] as const) {
    const problem = sideProblem(field, v, MIN_SIZE_STEP)
    if (problem) throw new ParamsError(field, problem.slice(field.length + 1))
  }

  return {
    model: str(get('model'), 'model', 4096),
    prompt: str(get('prompt'), 'prompt'),
    negativePrompt: str(get('negativePrompt'), 'negativePrompt'),
    sampler,
    samplerOptions,
    schedule,
    scheduleParams,
    steps: num(get('steps'), 'steps', 1, LIMITS.maxSteps, true),
    cfg: num(get('cfg'), 'cfg', 0, LIMITS.maxCfg),
    seed: parseSeed(get('seed')),
    width,
    height,
    batchSize: num(get('batchSize'), 'batchSize', 1, LIMITS.maxBatch, true),
    guidance,
    noise,
    img2img,
    hires
  }
}

const SEED_SPACE = 1n << 64n

/** `seed + n`, wrapping below 2^64 (seeds are 64-bit, as PyTorch's). `seed` must be valid (see parseSeed). */
export function addToSeed(seed: string, n: number): string {
  return ((BigInt(seed) + BigInt(n)) % SEED_SPACE).toString()
}

/** Seeds of a batch: seed, seed+1, … — how batch images are seeded here, in A1111 and in diffusers-based tools. */
export function batchSeeds(seed: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addToSeed(seed, i))
}
