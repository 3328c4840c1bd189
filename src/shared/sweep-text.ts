/**
 * Sweep axes as a person types them ("3, 5, 7.5", "3-9 (+2)", "1-5 [3]", "3:9:3", "euler, DPM++ 2M"),
 * read into checked, canonical values of the swept parameter (src/shared/sweep.ts).
 */
import { ParamsError } from './params'
import { MAX_AXIS_VALUES, SWEEP_PARAMS, SweepValueError, validateSweepValue, type SweepKind, type SweepParam, type SweepValue } from './sweep'

/** The axis syntax, for the UI's help text. */
export const AXIS_SYNTAX_HELP = [
  'a list: 3, 5, 7.5',
  'a range with step 1: 1-5',
  'a range with a step: 3-9 (+2) or 9-3 (-2)',
  'a range with a count: 1-5 [3] or 3:9:3 (start:stop:count)',
  'sampler and schedule axes take ids or names: euler, DPM++ 2M'
] as const

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
  if (kind === 'sampler' || kind === 'schedule' || kind === 'choice') return [token]
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
        // The token is quoted once here; the value's own reason must not name it again. A range token
        // ("1-3 (+0.5)") also says which of its values is wrong.
        if (e instanceof SweepValueError) throw new SweepAxisError(axis, token, String(raw) === token ? e.reason : `gives ${String(raw)}, which ${e.reason}`)
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
