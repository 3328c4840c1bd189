/** Field readers and numeric comparison shared by the case runners. */
import type { CaseResult, RawCase } from './types'

export class CaseFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CaseFormatError'
  }
}

export function caseId(c: RawCase, index: number): string {
  return typeof c.id === 'string' || typeof c.id === 'number' ? String(c.id) : `#${index}`
}

export function num(c: RawCase, field: string, fallback?: number): number {
  const v = c[field]
  if (v === undefined && fallback !== undefined) return fallback
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new CaseFormatError(`field "${field}" must be a finite number`)
  return v
}

export function str(c: RawCase, field: string): string {
  const v = c[field]
  if (typeof v !== 'string') throw new CaseFormatError(`field "${field}" must be a string`)
  return v
}

export function numArray(v: unknown, field: string): number[] {
  if (!Array.isArray(v) || !v.every((e) => typeof e === 'number')) {
    throw new CaseFormatError(`field "${field}" must be an array of numbers`)
  }
  return v as number[]
}

/**
 * A case (or nested object) may carry only the fields its format defines: a field this runner does not
 * understand fails the case instead of being ignored (an ignored `guidance` once ran guided cases unguided).
 */
export function checkFields(c: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  const unknown = Object.keys(c).filter((k) => !allowed.includes(k))
  if (unknown.length > 0) {
    throw new CaseFormatError(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${prefix}${k}"`).join(', ')}; this runner understands ${allowed.map((k) => prefix + k).join(', ')}`)
  }
}

export function obj(c: RawCase, field: string): Record<string, unknown> {
  const v = c[field]
  if (v === undefined) return {}
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CaseFormatError(`field "${field}" must be an object`)
  return v as Record<string, unknown>
}

/**
 * Compares flat numeric outputs: a value passes when |actual - expected| <= atol + rtol * |expected|.
 * Returns a one-line summary of the worst element on failure.
 */
export function compareNumbers(
  actual: ArrayLike<number>,
  expected: readonly number[],
  atol: number,
  rtol: number
): { ok: boolean; message?: string } {
  if (actual.length !== expected.length) {
    return { ok: false, message: `length ${actual.length}, expected ${expected.length}` }
  }
  let worst = -1
  let worstExcess = 0
  let failures = 0
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]
    const e = expected[i]
    const err = Math.abs(a - e)
    const tol = atol + rtol * Math.abs(e)
    if (!(err <= tol)) {
      failures++
      const excess = Number.isFinite(err) ? err / (tol || Number.MIN_VALUE) : Infinity
      if (worst < 0 || excess > worstExcess) {
        worst = i
        worstExcess = excess
      }
    }
  }
  if (failures === 0) return { ok: true }
  return {
    ok: false,
    message: `${failures}/${expected.length} values out of tolerance; worst at [${worst}]: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`
  }
}

/** Builds a result from a flat output and the case's optional `expected`, `atol` and `rtol`. */
export function numericResult(
  id: string,
  c: RawCase,
  actual: number[],
  expected: unknown,
  defaults: { atol: number; rtol: number }
): CaseResult {
  if (expected === undefined) return { id, actual }
  const exp = numArray(expected, 'expected')
  const atol = num(c, 'atol', defaults.atol)
  const rtol = num(c, 'rtol', defaults.rtol)
  const cmp = compareNumbers(actual, exp, atol, rtol)
  return { id, actual, passed: cmp.ok, message: cmp.message }
}
