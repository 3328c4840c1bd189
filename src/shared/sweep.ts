/**
 * Guidance sweeps: the parameters an X/Y grid can vary, and how each value is checked and applied to
 * GenerationParams.
 *
 * A sweep parameter's id is the dotted path of the GenerationParams field it sets ("guidance.rescale",
 * "samplerOptions.eta"): the library stores a group's axes under these names and reads every cell's
 * value back from the cell's own parameters by that path (src/main/library/keep.ts cellValues).
 *
 * Errors are ParamsError with a field, so the API layer reports them like any other bad field.
 *
 * Axis text (what a person types) is read in sweep-text.ts, a grid job's cells are expanded in
 * sweep-grid.ts and the labelled export is requested through sweep-export.ts.
 */
import { resolveSamplerName, resolveScheduleName, SAMPLER_BY_ID, SAMPLERS, SCHEDULE_BY_ID, SCHEDULES } from './catalogue'
import { LIMITS, ParamsError, parseSeed, validateGenerationParams, type GenerationParams } from './params'
import { INPAINT_LIMITS, MASKED_CONTENT, type MaskedContent } from './inpaint'

//#region the sweepable parameters

export const SWEEP_PARAM_IDS = [
  'cfg',
  'steps',
  'sampler',
  'schedule',
  'seed',
  'guidance.rescale',
  'samplerOptions.eta',
  'samplerOptions.s_noise',
  'samplerOptions.order',
  'scheduleParams.rho',
  'noise.temperature',
  'img2img.strength',
  'img2img.inpaint.maskBlur',
  'img2img.inpaint.padding',
  'img2img.inpaint.maskedContent',
  'width',
  'height'
] as const

export type SweepParam = (typeof SWEEP_PARAM_IDS)[number]
export type SweepValue = number | string

/** What a value of the parameter is, which decides how its axis text is read. */
export type SweepKind = 'number' | 'integer' | 'seed' | 'sampler' | 'schedule' | 'choice'

export interface SweepParamInfo {
  id: SweepParam
  /** Short name for pickers and grid labels. */
  label: string
  kind: SweepKind
  /** Inclusive bounds for number and integer kinds. */
  min?: number
  max?: number
  /** Width and height must be multiples of 8 (the latent is 1/8 of the image). */
  multipleOf?: number
  /** The values a 'choice' parameter takes. */
  choices?: readonly string[]
  /** One line for the picker's tooltip. */
  description: string
  /** An example axis, shown as the field's placeholder. */
  example: string
  /**
   * Why this parameter cannot be applied to a cell, or null when it can (eta needs a sampler that takes
   * eta, rho a schedule with rho, strength an img2img job).
   */
  unsupported?: (p: GenerationParams) => string | null
}

const samplersTaking = (option: string): string =>
  SAMPLERS.filter((s) => s.options.includes(option))
    .map((s) => s.id)
    .join(', ')

const needsSamplerOption =
  (option: string) =>
  (p: GenerationParams): string | null =>
    SAMPLER_BY_ID.get(p.sampler)?.options.includes(option) ? null : `sampler ${p.sampler} does not take ${option}; sweep it with one that does (${samplersTaking(option)})`

const needsScheduleParam =
  (param: string) =>
  (p: GenerationParams): string | null => {
    if (SCHEDULE_BY_ID.get(p.schedule)?.params[param] !== undefined) return null
    const takers = SCHEDULES.filter((s) => s.params[param] !== undefined).map((s) => s.id)
    return `schedule ${p.schedule} has no ${param}; sweep it with ${takers.join(' or ')}`
  }

const needsInpaint =
  (what: string) =>
  (p: GenerationParams): string | null =>
    p.img2img?.inpaint ? null : `${what} needs an inpainting job (an init image and a mask)`

export const SWEEP_PARAMS: Readonly<Record<SweepParam, SweepParamInfo>> = Object.freeze({
  cfg: { id: 'cfg', label: 'CFG scale', kind: 'number', min: 0, max: LIMITS.maxCfg, description: 'Classifier-free guidance scale (1 = no guidance, one model pass).', example: '1, 4, 7' },
  steps: { id: 'steps', label: 'Steps', kind: 'integer', min: 1, max: LIMITS.maxSteps, description: 'Sampling steps.', example: '4-12 (+4)' },
  sampler: { id: 'sampler', label: 'Sampler', kind: 'sampler', description: 'Sampler id or name (euler, Euler a, DPM++ 2M, …).', example: 'euler, heun, dpmpp_2m' },
  schedule: { id: 'schedule', label: 'Schedule', kind: 'schedule', description: 'Schedule id or name (karras, normal, Align Your Steps, …).', example: 'karras, normal, exponential' },
  seed: { id: 'seed', label: 'Seed', kind: 'seed', description: 'Starting-noise seed (whole numbers up to 2^64).', example: '1-4' },
  'guidance.rescale': { id: 'guidance.rescale', label: 'Guidance rescale', kind: 'number', min: 0, max: 1, description: 'Guidance rescale phi (Lin et al. 2023); 0 = off.', example: '0:0.75:4' },
  'samplerOptions.eta': {
    id: 'samplerOptions.eta',
    label: 'Eta',
    kind: 'number',
    min: 0,
    max: 2,
    description: 'Noise added back per step by ancestral/SDE samplers and DDIM (0 = deterministic).',
    example: '0, 0.5, 1',
    unsupported: needsSamplerOption('eta')
  },
  'samplerOptions.s_noise': {
    id: 'samplerOptions.s_noise',
    label: 's_noise',
    kind: 'number',
    min: 0,
    max: 2,
    description: 'Scale of the fresh noise a stochastic sampler draws (1 = standard).',
    example: '0.9, 1, 1.1',
    unsupported: needsSamplerOption('s_noise')
  },
  'samplerOptions.order': {
    id: 'samplerOptions.order',
    label: 'Solver order',
    kind: 'integer',
    min: 1,
    max: 6,
    description: 'Order of UniPC (1–3; ComfyUI fixes 3, diffusers recommends 2 for guided sampling) or LMS.',
    example: '1, 2, 3',
    unsupported: needsSamplerOption('order')
  },
  'scheduleParams.rho': {
    id: 'scheduleParams.rho',
    label: 'Rho',
    kind: 'number',
    min: 0.1,
    max: 100,
    description: 'Karras / polyexponential spacing exponent (karras default 7).',
    example: '3, 5, 7, 9',
    unsupported: needsScheduleParam('rho')
  },
  'noise.temperature': { id: 'noise.temperature', label: 'Temperature', kind: 'number', min: 0, max: 10, description: 'Scale of the starting and injected noise (1 = standard).', example: '0.9, 1, 1.1' },
  'img2img.strength': {
    id: 'img2img.strength',
    label: 'Denoise strength',
    kind: 'number',
    min: 0,
    max: 1,
    description: 'img2img: how much of the schedule runs (1 ignores the image).',
    example: '0.3:0.9:4',
    unsupported: (p) => (p.img2img ? null : 'denoise strength needs an img2img job (an init image)')
  },
  'img2img.inpaint.maskBlur': {
    id: 'img2img.inpaint.maskBlur',
    label: 'Mask blur',
    kind: 'integer',
    min: 0,
    max: INPAINT_LIMITS.maxBlur,
    description: 'Inpainting: Gaussian blur of the mask in pixels.',
    example: '0, 4, 8, 16',
    unsupported: needsInpaint('mask blur')
  },
  'img2img.inpaint.padding': {
    id: 'img2img.inpaint.padding',
    label: 'Masked padding',
    kind: 'integer',
    min: 0,
    max: INPAINT_LIMITS.maxPadding,
    description: 'Inpainting, only masked: pixels around the mask\'s box.',
    example: '0, 16, 32, 64',
    unsupported: (p) => needsInpaint('masked area padding')(p) ?? (p.img2img?.inpaint?.area === 'masked' ? null : 'masked area padding applies to "Only masked" inpainting; set the inpaint area to masked')
  },
  'img2img.inpaint.maskedContent': {
    id: 'img2img.inpaint.maskedContent',
    label: 'Masked content',
    kind: 'choice',
    choices: MASKED_CONTENT,
    description: 'Inpainting: what the masked area starts from (fill, original, latent-noise, latent-nothing).',
    example: 'fill, original, latent-noise',
    unsupported: needsInpaint('masked content')
  },
  width: { id: 'width', label: 'Width', kind: 'integer', min: 64, max: LIMITS.maxSide, multipleOf: 8, description: 'Image width in pixels (a multiple of the model\'s size step).', example: '64, 96, 128' },
  height: { id: 'height', label: 'Height', kind: 'integer', min: 64, max: LIMITS.maxSide, multipleOf: 8, description: 'Image height in pixels (a multiple of the model\'s size step).', example: '64, 96, 128' }
} satisfies Record<SweepParam, SweepParamInfo>)

export function isSweepParam(v: unknown): v is SweepParam {
  return typeof v === 'string' && (SWEEP_PARAM_IDS as readonly string[]).includes(v)
}

/** Most values one axis may have (the whole grid is further capped by MAX_GRID_CELLS). */
export const MAX_AXIS_VALUES = 64
//#endregion

//#region one value

/**
 * One sweep value is wrong. `reason` says why without naming the value, so a caller that names the value
 * itself (the axis text reader quotes the typed token) does not repeat it: the sweep view once showed
 * `"DPM++ 2M Karras" "DPM++ 2M Karras" also sets schedule karras`.
 */
export class SweepValueError extends ParamsError {
  constructor(
    field: string,
    readonly reason: string,
    readonly value: unknown,
    message: string
  ) {
    super(field, message)
    this.name = 'SweepValueError'
  }
}

/**
 * Checks one value of the parameter and returns it in canonical form (a seed as a decimal string, a
 * sampler or schedule as its id). `field` names the value in the error.
 */
export function validateSweepValue(param: SweepParam, v: unknown, field: string): SweepValue {
  const info = SWEEP_PARAMS[param]
  // Names (samplers, schedules, choices) lead with the value; numbers end with it ("…, got 200").
  const named = (reason: string): SweepValueError => new SweepValueError(field, reason, v, `${JSON.stringify(v)} ${reason}`)
  const numeric = (reason: string, after = ''): SweepValueError => new SweepValueError(field, reason + after, v, `${reason}, got ${JSON.stringify(v)}${after}`)
  switch (info.kind) {
    case 'seed':
      try {
        return parseSeed(v, field)
      } catch (e) {
        // parseSeed's messages end with the value (", got …"), which the reason leaves out.
        if (!(e instanceof ParamsError)) throw e
        const message = e.message.slice(field.length + 2)
        throw new SweepValueError(field, message.replace(/, got .*$/s, ''), v, message)
      }
    case 'sampler': {
      const r = typeof v === 'string' ? resolveSamplerName(v) : undefined
      if (!r || r.schedule || r.options) {
        // A name that implies a schedule or options ("DPM++ 2M Karras") would change two things at once.
        if (r) throw named(`also sets ${r.schedule ? `schedule ${r.schedule}` : 'sampler options'}; use the plain sampler ${r.sampler}`)
        throw named('is not a known sampler; use an id such as euler, euler_ancestral, dpmpp_2m')
      }
      return r.sampler
    }
    case 'schedule': {
      const id = typeof v === 'string' ? resolveScheduleName(v) : undefined
      if (!id) throw named('is not a known schedule; use an id such as karras, normal, exponential')
      return id
    }
    case 'choice': {
      if (typeof v !== 'string' || !info.choices!.includes(v)) throw named(`is not one of ${info.choices!.join(', ')}`)
      return v
    }
    case 'number':
    case 'integer': {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw numeric('must be a number')
      if (info.kind === 'integer' && !Number.isInteger(v)) throw numeric('must be a whole number')
      if (v < info.min! || v > info.max!) throw numeric(`must be from ${info.min} to ${info.max}`)
      if (info.multipleOf && v % info.multipleOf !== 0) {
        const lo = Math.max(info.min!, Math.floor(v / info.multipleOf) * info.multipleOf)
        throw numeric(`must be a multiple of ${info.multipleOf}`, `; use ${lo} or ${lo + info.multipleOf}`)
      }
      return v
    }
  }
}

/**
 * Sets one parameter of a cell. A sampler or schedule change keeps only the options/parameters the new
 * one takes, so a base "s_noise" survives a sampler axis where it still means something.
 */
export function applySweepValue(p: GenerationParams, param: SweepParam, v: SweepValue): GenerationParams {
  switch (param) {
    case 'cfg':
    case 'steps':
    case 'width':
    case 'height':
      return { ...p, [param]: v as number }
    case 'seed':
      return { ...p, seed: String(v) }
    case 'sampler': {
      const sampler = String(v)
      const takes = SAMPLER_BY_ID.get(sampler)?.options ?? []
      return { ...p, sampler, samplerOptions: Object.fromEntries(Object.entries(p.samplerOptions).filter(([k]) => takes.includes(k))) }
    }
    case 'schedule': {
      const schedule = String(v)
      const takes = SCHEDULE_BY_ID.get(schedule)?.params ?? {}
      const keep = (k: string): boolean => takes[k] !== undefined || k === 'sigma_min' || k === 'sigma_max'
      return { ...p, schedule, scheduleParams: Object.fromEntries(Object.entries(p.scheduleParams).filter(([k]) => keep(k))) }
    }
    case 'guidance.rescale':
      return { ...p, guidance: { ...p.guidance, rescale: v as number } }
    case 'samplerOptions.eta':
      return { ...p, samplerOptions: { ...p.samplerOptions, eta: v as number } }
    case 'samplerOptions.order':
      return { ...p, samplerOptions: { ...p.samplerOptions, order: v as number } }
    case 'samplerOptions.s_noise':
      return { ...p, samplerOptions: { ...p.samplerOptions, s_noise: v as number } }
    case 'scheduleParams.rho':
      return { ...p, scheduleParams: { ...p.scheduleParams, rho: v as number } }
    case 'noise.temperature':
      return { ...p, noise: { ...p.noise, temperature: v as number } }
    case 'img2img.strength':
      // Without an init image there is nothing to apply it to; checkSweepCells reports that.
      return p.img2img ? { ...p, img2img: { ...p.img2img, strength: v as number } } : p
    case 'img2img.inpaint.maskBlur':
      return p.img2img?.inpaint ? { ...p, img2img: { ...p.img2img, inpaint: { ...p.img2img.inpaint, maskBlur: v as number } } } : p
    case 'img2img.inpaint.padding':
      return p.img2img?.inpaint ? { ...p, img2img: { ...p.img2img, inpaint: { ...p.img2img.inpaint, padding: v as number } } } : p
    case 'img2img.inpaint.maskedContent':
      return p.img2img?.inpaint ? { ...p, img2img: { ...p.img2img, inpaint: { ...p.img2img.inpaint, maskedContent: v as MaskedContent } } } : p
  }
}

/** A value as a grid label: display names for samplers and schedules, numbers without float noise. */
export function formatSweepValue(param: SweepParam, v: SweepValue): string {
  const kind = SWEEP_PARAMS[param].kind
  if (kind === 'sampler') return SAMPLER_BY_ID.get(String(v))?.displayName ?? String(v)
  if (kind === 'schedule') return SCHEDULE_BY_ID.get(String(v))?.displayName ?? String(v)
  if (typeof v === 'number') return String(Number(v.toPrecision(6)))
  return v
}

//#endregion

//#region axes of a grid job

/** One axis of a grid job: a parameter and the values it takes, in order. */
export interface SweepAxis {
  param: SweepParam
  values: SweepValue[]
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Validates GridSpec.axes from an untrusted request; errors name the field ("grid.axes[1].values[2]"). */
export function validateSweepAxes(raw: unknown, field = 'grid.axes'): SweepAxis[] {
  if (!Array.isArray(raw)) throw new ParamsError(field, 'must be a list of { param, values }')
  if (raw.length > 4) throw new ParamsError(field, `has ${raw.length} axes; a grid takes at most 4`)
  const seen = new Set<string>()
  return raw.map((a, i) => {
    const f = `${field}[${i}]`
    if (!isObj(a)) throw new ParamsError(f, 'must be { param, values }')
    for (const k of Object.keys(a)) if (k !== 'param' && k !== 'values') throw new ParamsError(`${f}.${k}`, 'is not accepted here; expected param, values')
    if (!isSweepParam(a.param)) throw new ParamsError(`${f}.param`, `unknown parameter ${JSON.stringify(a.param)}; choose one of ${SWEEP_PARAM_IDS.join(', ')}`)
    if (seen.has(a.param)) throw new ParamsError(`${f}.param`, `${a.param} is already swept by another axis`)
    seen.add(a.param)
    if (!Array.isArray(a.values) || a.values.length === 0) throw new ParamsError(`${f}.values`, 'must be a list of at least one value')
    if (a.values.length > MAX_AXIS_VALUES) throw new ParamsError(`${f}.values`, `has ${a.values.length} values; the limit is ${MAX_AXIS_VALUES}`)
    const param = a.param
    return { param, values: a.values.map((v, j) => validateSweepValue(param, v, `${f}.values[${j}]`)) }
  })
}

/**
 * Checks that every expanded cell can be made: each swept parameter applies to that cell (eta needs a
 * sampler that takes it, …) and the cell is valid parameters. Errors name the axis
 * ("grid.axes[0]") and the offending value.
 */
export function checkSweepCells(cells: readonly GenerationParams[], axes: readonly SweepAxis[], field = 'grid.axes'): void {
  for (const cell of cells) {
    for (const [i, a] of axes.entries()) {
      const why = SWEEP_PARAMS[a.param].unsupported?.(cell)
      if (why) throw new ParamsError(`${field}[${i}]`, `${SWEEP_PARAMS[a.param].label}: ${why}`)
    }
    try {
      validateGenerationParams(cell)
    } catch (e) {
      if (!(e instanceof ParamsError)) throw e
      const i = axes.findIndex((a) => e.field === a.param || e.field.startsWith(`${a.param}.`) || a.param.startsWith(`${e.field}.`))
      throw new ParamsError(i >= 0 ? `${field}[${i}]` : field, `a cell is not valid: ${e.message}`)
    }
  }
}

//#endregion
