/**
 * Guidance sweeps: the parameters an X/Y grid can vary, how a person types an axis ("3, 5, 7.5",
 * "3-9 (+2)", "1-5 [3]", "3:9:3"), how each value is checked and applied to GenerationParams, and the
 * export request that turns a finished sweep into one labelled PNG.
 *
 * A sweep parameter's id is the dotted path of the GenerationParams field it sets ("guidance.rescale",
 * "samplerOptions.eta"): the library stores a group's axes under these names and reads every cell's
 * value back from the cell's own parameters by that path (src/main/library/keep.ts cellValues).
 *
 * Errors are ParamsError with a field, so the API layer reports them like any other bad field.
 */
import { resolveSamplerName, resolveScheduleName, SAMPLER_BY_ID, SAMPLERS, SCHEDULE_BY_ID, SCHEDULES } from './catalogue'
import { LIMITS, ParamsError, parseSeed, validateGenerationParams, type GenerationParams } from './params'

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
  'scheduleParams.rho',
  'noise.temperature',
  'img2img.strength',
  'width',
  'height'
] as const

export type SweepParam = (typeof SWEEP_PARAM_IDS)[number]
export type SweepValue = number | string

/** What a value of the parameter is, which decides how its axis text is read. */
export type SweepKind = 'number' | 'integer' | 'seed' | 'sampler' | 'schedule'

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
  width: { id: 'width', label: 'Width', kind: 'integer', min: 64, max: LIMITS.maxSide, multipleOf: 8, description: 'Image width in pixels (a multiple of 8).', example: '64, 96, 128' },
  height: { id: 'height', label: 'Height', kind: 'integer', min: 64, max: LIMITS.maxSide, multipleOf: 8, description: 'Image height in pixels (a multiple of 8).', example: '64, 96, 128' }
} satisfies Record<SweepParam, SweepParamInfo>)

export function isSweepParam(v: unknown): v is SweepParam {
  return typeof v === 'string' && (SWEEP_PARAM_IDS as readonly string[]).includes(v)
}

/** Most values one axis may have (the whole grid is further capped by MAX_GRID_CELLS). */
export const MAX_AXIS_VALUES = 64

/** The axis syntax, for the UI's help text. */
export const AXIS_SYNTAX_HELP = [
  'a list: 3, 5, 7.5',
  'a range with step 1: 1-5',
  'a range with a step: 3-9 (+2) or 9-3 (-2)',
  'a range with a count: 1-5 [3] or 3:9:3 (start:stop:count)',
  'sampler and schedule axes take ids or names: euler, DPM++ 2M'
] as const

//#endregion

//#region one value

/**
 * Checks one value of the parameter and returns it in canonical form (a seed as a decimal string, a
 * sampler or schedule as its id). `field` names the value in the error.
 */
export function validateSweepValue(param: SweepParam, v: unknown, field: string): SweepValue {
  const info = SWEEP_PARAMS[param]
  switch (info.kind) {
    case 'seed':
      return parseSeed(v, field)
    case 'sampler': {
      const r = typeof v === 'string' ? resolveSamplerName(v) : undefined
      if (!r || r.schedule || r.options) {
        // A name that implies a schedule or options ("DPM++ 2M Karras") would change two things at once.
        if (r) throw new ParamsError(field, `"${String(v)}" also sets ${r.schedule ? `schedule ${r.schedule}` : 'sampler options'}; use the plain sampler ${r.sampler}`)
        throw new ParamsError(field, `unknown sampler ${JSON.stringify(v)}; use an id such as euler, euler_ancestral, dpmpp_2m`)
      }
      return r.sampler
    }
    case 'schedule': {
      const id = typeof v === 'string' ? resolveScheduleName(v) : undefined
      if (!id) throw new ParamsError(field, `unknown schedule ${JSON.stringify(v)}; use an id such as karras, normal, exponential`)
      return id
    }
    case 'number':
    case 'integer': {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ParamsError(field, `must be a number, got ${JSON.stringify(v)}`)
      if (info.kind === 'integer' && !Number.isInteger(v)) throw new ParamsError(field, `must be a whole number, got ${v}`)
      if (v < info.min! || v > info.max!) throw new ParamsError(field, `must be from ${info.min} to ${info.max}, got ${v}`)
      if (info.multipleOf && v % info.multipleOf !== 0) {
        throw new ParamsError(field, `must be a multiple of ${info.multipleOf}, got ${v}; use ${Math.max(info.min!, Math.round(v / info.multipleOf) * info.multipleOf)}`)
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
    case 'samplerOptions.s_noise':
      return { ...p, samplerOptions: { ...p.samplerOptions, s_noise: v as number } }
    case 'scheduleParams.rho':
      return { ...p, scheduleParams: { ...p.scheduleParams, rho: v as number } }
    case 'noise.temperature':
      return { ...p, noise: { ...p.noise, temperature: v as number } }
    case 'img2img.strength':
      // Without an init image there is nothing to apply it to; checkSweepCells reports that.
      return p.img2img ? { ...p, img2img: { ...p.img2img, strength: v as number } } : p
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

//#region axis text

/** A person's axis text could not be read; names the axis and the bad token. */
export class SweepAxisError extends ParamsError {
  constructor(
    axis: string,
    readonly token: string,
    message: string
  ) {
    super(axis, `"${token}" ${message}`)
    this.name = 'SweepAxisError'
  }
}

const NUM = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?`
// "3-9", "3 - 9 (+2)", "9-3 (-2)", "1-5 [3]"; the first number is unsigned so "-" reads as "to".
const DASH_RANGE = new RegExp(String.raw`^(\d+\.?\d*|\.\d+)\s*-\s*(${NUM})\s*(?:\(\s*(${NUM})\s*\)|\[\s*(\d+)\s*\])?$`, 'i')
const COLON_RANGE = new RegExp(String.raw`^(${NUM})\s*:\s*(${NUM})\s*:\s*(\d+)$`, 'i')

/** Rounds away binary noise from range arithmetic (0.1 * 3 = 0.30000000000000004). */
const clean = (x: number): number => Number(x.toPrecision(12))

function stepRange(a: number, b: number, step: number, axis: string, token: string): number[] {
  if (step === 0) throw new SweepAxisError(axis, token, 'has a step of 0; use a positive step such as (+1)')
  if ((b - a) * step < 0) throw new SweepAxisError(axis, token, `never reaches ${b} with step ${step}; ${b < a ? 'use a negative step such as (-1)' : 'use a positive step'}`)
  const n = Math.floor(clean((b - a) / step)) + 1
  if (n > MAX_AXIS_VALUES) throw new SweepAxisError(axis, token, `makes ${n} values; an axis takes at most ${MAX_AXIS_VALUES}`)
  return Array.from({ length: n }, (_, i) => clean(a + i * step))
}

function countRange(a: number, b: number, count: number, axis: string, token: string): number[] {
  if (count < 1) throw new SweepAxisError(axis, token, 'asks for no values; the count must be at least 1')
  if (count > MAX_AXIS_VALUES) throw new SweepAxisError(axis, token, `makes ${count} values; an axis takes at most ${MAX_AXIS_VALUES}`)
  if (count === 1) return [a]
  return Array.from({ length: count }, (_, i) => clean(a + ((b - a) * i) / (count - 1)))
}

function seedRange(a: bigint, b: bigint, step: bigint | null, count: number | null, axis: string, token: string): string[] {
  if (count !== null) {
    if (count < 1 || count > MAX_AXIS_VALUES) throw new SweepAxisError(axis, token, `must ask for 1 to ${MAX_AXIS_VALUES} values`)
    if (count === 1) return [a.toString()]
    return Array.from({ length: count }, (_, i) => (a + ((b - a) * BigInt(i)) / BigInt(count - 1)).toString())
  }
  const s = step ?? (b >= a ? 1n : -1n)
  if (s === 0n) throw new SweepAxisError(axis, token, 'has a step of 0; use a positive step such as (+1)')
  if ((b - a) * s < 0n) throw new SweepAxisError(axis, token, `never reaches ${b} with step ${s}`)
  const n = (b - a) / s + 1n
  if (n > BigInt(MAX_AXIS_VALUES)) throw new SweepAxisError(axis, token, `makes ${n} values; an axis takes at most ${MAX_AXIS_VALUES}`)
  return Array.from({ length: Number(n) }, (_, i) => (a + s * BigInt(i)).toString())
}

/** The raw values one comma-separated token stands for (a single value or a range), unchecked. */
function expandToken(kind: SweepKind, token: string, axis: string): SweepValue[] {
  if (kind === 'sampler' || kind === 'schedule') return [token]
  const dash = DASH_RANGE.exec(token)
  const colon = dash ? null : COLON_RANGE.exec(token)
  if (kind === 'seed') {
    if (dash) {
      const [, a, b, step, count] = dash
      const int = (s: string): bigint => {
        if (!/^[+-]?\d+$/.test(s)) throw new SweepAxisError(axis, token, 'is not a whole-number seed range')
        return BigInt(s)
      }
      return seedRange(int(a), int(b), step !== undefined ? int(step) : null, count !== undefined ? Number(count) : null, axis, token)
    }
    if (colon) {
      const [, a, b, count] = colon
      if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) throw new SweepAxisError(axis, token, 'is not a whole-number seed range')
      return seedRange(BigInt(a), BigInt(b), null, Number(count), axis, token)
    }
    return [token]
  }
  let values: number[]
  if (dash) {
    const [, a, b, step, count] = dash
    values = count !== undefined ? countRange(Number(a), Number(b), Number(count), axis, token) : stepRange(Number(a), Number(b), step !== undefined ? Number(step) : Number(b) >= Number(a) ? 1 : -1, axis, token)
  } else if (colon) {
    const [, a, b, count] = colon
    values = countRange(Number(a), Number(b), Number(count), axis, token)
  } else {
    if (!new RegExp(`^${NUM}$`, 'i').test(token)) throw new SweepAxisError(axis, token, `is not a number or a range (${AXIS_SYNTAX_HELP.slice(0, 4).join('; ')})`)
    return [Number(token)]
  }
  // An integer parameter's evenly spaced values ("1-10 [4]") are rounded, as A1111 does, keeping them
  // distinct; a stepped range with a fractional step is left for validation to refuse.
  const countForm = colon !== null || (dash !== null && dash[4] !== undefined)
  if (kind === 'integer' && countForm) values = [...new Set(values.map(Math.round))]
  return values
}

/**
 * Reads an axis as typed by a person into checked, canonical values. `axis` names the axis in errors
 * ("X axis (CFG scale)"). Throws SweepAxisError (a ParamsError whose field is `axis`).
 */
export function parseAxisText(param: SweepParam, text: string, axis: string = SWEEP_PARAMS[param].label): SweepValue[] {
  const info = SWEEP_PARAMS[param]
  const tokens = text.split(',').map((t) => t.trim())
  if (tokens.every((t) => t === '')) throw new ParamsError(axis, `has no values; type a list or a range, e.g. ${info.example}`)
  const out: SweepValue[] = []
  for (const token of tokens) {
    if (token === '') throw new SweepAxisError(axis, text.trim(), 'has an empty value between commas')
    for (const raw of expandToken(info.kind, token, axis)) {
      try {
        out.push(validateSweepValue(param, raw, axis))
      } catch (e) {
        if (e instanceof ParamsError) throw new SweepAxisError(axis, token, e.message.slice(axis.length + 2))
        throw e
      }
      if (out.length > MAX_AXIS_VALUES) throw new SweepAxisError(axis, token, `brings the axis past ${MAX_AXIS_VALUES} values`)
    }
  }
  return out
}

/** parseAxisText for a form: values, or the message to show under the field. */
export function tryParseAxis(param: SweepParam, text: string, axis?: string): { ok: true; values: SweepValue[] } | { ok: false; error: string } {
  try {
    return { ok: true, values: parseAxisText(param, text, axis) }
  } catch (e) {
    if (e instanceof ParamsError) return { ok: false, error: e.message }
    throw e
  }
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

//#region grid image export

/** One axis of an exported grid: its name and one label per value, as shown. */
export interface SweepExportAxis {
  label: string
  values: string[]
}

/** A cell without an image, and why; drawn as a grey box saying so. null means 'failed'. */
export type MissingCell = { missing: 'failed' | 'cancelled' } | null

/**
 * 'studio:sweep:export': compose the cells of a sweep into one labelled PNG. Cells are row-major (Y
 * outer, X inner), each a result id or a {@link MissingCell}.
 */
export interface SweepExportRequest {
  title?: string
  x: SweepExportAxis
  y: SweepExportAxis
  cells: Array<string | MissingCell>
}

export interface SweepExportResult {
  mime: 'image/png'
  data: Uint8Array
  width: number
  height: number
  /** Where the PNG was saved (the library's exports folder), or null when the studio keeps no library. */
  path: string | null
  fileName: string
}

export const MAX_EXPORT_LABEL = 200
export const MAX_EXPORT_TITLE = 500
/** The largest grid a job can make (MAX_GRID_CELLS in api.ts, which imports this module). */
export const MAX_EXPORT_CELLS = 256
const RESULT_ID = /^[A-Za-z0-9_-]{1,64}$/

function label(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string') throw new ParamsError(field, `must be text, got ${JSON.stringify(v)}`)
  if (v.length > max) throw new ParamsError(field, `is ${v.length} characters long; the limit is ${max}`)
  return v
}

function exportAxis(raw: unknown, field: string): SweepExportAxis {
  if (!isObj(raw)) throw new ParamsError(field, 'must be { label, values }')
  for (const k of Object.keys(raw)) if (k !== 'label' && k !== 'values') throw new ParamsError(`${field}.${k}`, 'is not accepted here; expected label, values')
  if (!Array.isArray(raw.values) || raw.values.length === 0) throw new ParamsError(`${field}.values`, 'must be a list of at least one label')
  if (raw.values.length > MAX_AXIS_VALUES) throw new ParamsError(`${field}.values`, `has ${raw.values.length} labels; the limit is ${MAX_AXIS_VALUES}`)
  return { label: label(raw.label, `${field}.label`, MAX_EXPORT_LABEL), values: raw.values.map((v, i) => label(v, `${field}.values[${i}]`, MAX_EXPORT_LABEL)) }
}

export function validateSweepExportRequest(raw: unknown): SweepExportRequest {
  if (!isObj(raw)) throw new ParamsError('(request)', 'must be an object')
  for (const k of Object.keys(raw)) if (!['title', 'x', 'y', 'cells'].includes(k)) throw new ParamsError(k, 'is not accepted here; expected title, x, y, cells')
  const x = exportAxis(raw.x, 'x')
  const y = exportAxis(raw.y, 'y')
  const n = x.values.length * y.values.length
  if (n > MAX_EXPORT_CELLS) throw new ParamsError('cells', `a grid of ${n} cells is too large to export; the limit is ${MAX_EXPORT_CELLS}`)
  if (!Array.isArray(raw.cells) || raw.cells.length !== n) {
    throw new ParamsError('cells', `must list ${n} cells (${y.values.length} rows x ${x.values.length} columns, row by row), got ${Array.isArray(raw.cells) ? raw.cells.length : JSON.stringify(raw.cells)}`)
  }
  const cells = raw.cells.map((c, i): string | MissingCell => {
    if (c === null) return null
    if (isObj(c) && Object.keys(c).length === 1 && (c.missing === 'failed' || c.missing === 'cancelled')) return { missing: c.missing }
    if (typeof c !== 'string' || !RESULT_ID.test(c)) throw new ParamsError(`cells[${i}]`, `must be a result id, null or { missing: "failed" | "cancelled" }, got ${JSON.stringify(c)}`)
    return c
  })
  if (cells.every((c) => typeof c !== 'string')) throw new ParamsError('cells', 'has no finished image to export; run the sweep first')
  const out: SweepExportRequest = { x, y, cells }
  if (raw.title !== undefined) out.title = label(raw.title, 'title', MAX_EXPORT_TITLE)
  return out
}

//#endregion
