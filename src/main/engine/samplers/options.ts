/**
 * Reading sampler options with ComfyUI's defaults. Options arrive from presets, JSON vectors and the UI, so
 * each one is checked here and a bad value is an EngineInputError naming the sampler and the option, never
 * silently fixed.
 */
import type { SamplerOptions } from '../types'
import { EngineInputError } from '../types'

type NumericOption = {
  [K in keyof SamplerOptions]-?: NonNullable<SamplerOptions[K]> extends number ? K : never
}[keyof SamplerOptions]

type ChoiceOption = Exclude<keyof SamplerOptions, NumericOption>

export interface NumberCheck {
  /** Smallest allowed value (inclusive). */
  min?: number
  /** Value must be strictly greater than this. */
  above?: number
  /** Largest allowed value (inclusive). */
  max?: number
  integer?: boolean
  /** +Infinity is allowed (s_tmax). */
  allowInfinity?: boolean
}

/** A numeric option of `sampler`, or its default; null counts as absent (JSON has no Infinity, so s_tmax may arrive as null). */
export function numberOption(
  sampler: string,
  options: SamplerOptions | undefined,
  name: NumericOption,
  fallback: number,
  check: NumberCheck = {}
): number {
  const v = (options as Record<string, unknown> | undefined)?.[name]
  if (v === undefined || v === null) return fallback
  const bad = (what: string): EngineInputError => new EngineInputError(`${sampler}: option ${name} must be ${what}, got ${String(v)}`)
  if (typeof v !== 'number' || !(Number.isFinite(v) || (check.allowInfinity === true && v === Infinity))) {
    throw bad(check.allowInfinity ? 'a number' : 'a finite number')
  }
  if (check.integer && check.min !== undefined && check.max !== undefined) {
    if (!Number.isInteger(v) || v < check.min || v > check.max) throw bad(`an integer from ${check.min} to ${check.max}`)
  }
  if (check.integer && !Number.isInteger(v)) throw bad('an integer')
  if (check.min !== undefined && v < check.min) throw bad(`at least ${check.min}`)
  if (check.above !== undefined && !(v > check.above)) throw bad(`greater than ${check.above}`)
  if (check.max !== undefined && v > check.max) throw bad(`at most ${check.max}`)
  return v
}

/** An integer option in [min, max], or its default. */
export function intOption(
  sampler: string,
  options: SamplerOptions | undefined,
  name: NumericOption,
  fallback: number,
  min: number,
  max: number
): number {
  return numberOption(sampler, options, name, fallback, { integer: true, min, max })
}

/** A string option that must be one of `allowed`; the first allowed value is the default. */
export function choiceOption<T extends string>(
  sampler: string,
  options: SamplerOptions | undefined,
  name: ChoiceOption,
  allowed: readonly [T, ...T[]]
): T {
  const v = (options as Record<string, unknown> | undefined)?.[name]
  if (v === undefined || v === null) return allowed[0]
  if (!(allowed as readonly unknown[]).includes(v)) {
    throw new EngineInputError(`${sampler}: option ${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${String(v)}`)
  }
  return v as T
}

/** eta (default 1, or `etaDefault`) and s_noise (default 1) of the ancestral and SDE samplers. */
export function readEtaNoise(sampler: string, options: SamplerOptions | undefined, etaDefault = 1): { eta: number; sNoise: number } {
  return {
    eta: numberOption(sampler, options, 'eta', etaDefault, { min: 0 }),
    sNoise: numberOption(sampler, options, 's_noise', 1, { min: 0 })
  }
}
