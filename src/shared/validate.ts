/**
 * The building blocks of the contract's runtime validators: untrusted values in (from IPC or the
 * WebSocket), typed values or a {@link RequestError} naming the bad field out. Shared by every call
 * group (src/shared/api.ts, src/shared/library-api.ts) so their errors read alike.
 */
import { ParamsError, validateGenerationParams, type GenerationParams } from './params'

/** Thrown by validators; carries the field so the caller can report it. */
export class RequestError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(`${field}: ${message}`)
    this.name = 'RequestError'
  }
}

export type Obj = Record<string, unknown>
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** An object with only the listed keys (absent or null = {}). */
export function obj(raw: unknown, field: string, keys: readonly string[]): Obj {
  if (raw === undefined || raw === null) raw = {}
  if (!isObj(raw)) throw new RequestError(field, 'must be an object')
  for (const k of Object.keys(raw)) if (!keys.includes(k)) throw new RequestError(k, `is not accepted here; expected ${keys.join(', ') || 'no fields'}`)
  return raw
}

export const ID_RE = /^[A-Za-z0-9_-]{1,64}$/
export function id(v: unknown, field: string): string {
  if (typeof v !== 'string' || !ID_RE.test(v)) throw new RequestError(field, `must be an id (letters, digits, - and _), got ${JSON.stringify(v)}`)
  return v
}

export function list<T>(v: unknown, field: string, max: number, each: (x: unknown, f: string) => T): T[] {
  if (!Array.isArray(v)) throw new RequestError(field, 'must be a list')
  if (v.length > max) throw new RequestError(field, `has ${v.length} entries; the limit is ${max}`)
  return v.map((x, i) => each(x, `${field}[${i}]`))
}

/** Runs a validator that throws ParamsError and reports its field as a RequestError. */
export function fieldChecked<T>(run: () => T): T {
  try {
    return run()
  } catch (e) {
    if (e instanceof ParamsError) throw new RequestError(e.field, e.message.slice(e.field.length + 2))
    throw e
  }
}

/** Validated generation parameters; errors name the field under `params.`. */
export function generationParams(raw: unknown): GenerationParams {
  try {
    return validateGenerationParams(raw)
  } catch (e) {
    if (e instanceof ParamsError) throw new RequestError(`params.${e.field}`, e.message.slice(e.field.length + 2))
    throw e
  }
}
