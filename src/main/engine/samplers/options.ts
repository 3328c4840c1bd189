/**
 * Reading sampler options with ComfyUI's defaults. Options arrive from presets, JSON vectors and the UI, so
 * each one is checked here and a bad value is an EngineInputError naming the option, never silently fixed.
 */
import type { SamplerOptions } from '../types'
import { EngineInputError } from '../types'

type NumericOption = {
  [K in keyof SamplerOptions]-?: NonNullable<SamplerOptions[K]> extends number ? K : never
}[keyof SamplerOptions]

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

/** A numeric option or its default; null counts as absent (JSON has no Infinity, so s_tmax may arrive as null). */
export function numberOption(
  options: SamplerOptions | undefined,
  name: NumericOption,
  fallback: number,
  check: NumberCheck = {}
): number {
  const raw = (options as Record<string, unknown> | undefined)?.[name]
  if (raw === undefined || raw === null) return fallback
  const v = raw
  const finiteOk = typeof v === 'number' && (Number.isFinite(v) || (check.allowInfinity === true && v === Infinity))
  if (!finiteOk) {
    throw new EngineInputError(`sampler option ${name} must be a ${check.allowInfinity ? 'number' : 'finite number'}, got ${String(v)}`)
  }
  if (check.integer && !Number.isInteger(v)) throw new EngineInputError(`sampler option ${name} must be an integer, got ${v}`)
  if (check.min !== undefined && v < check.min) throw new EngineInputError(`sampler option ${name} must be at least ${check.min}, got ${v}`)
  if (check.above !== undefined && !(v > check.above)) {
    throw new EngineInputError(`sampler option ${name} must be greater than ${check.above}, got ${v}`)
  }
  if (check.max !== undefined && v > check.max) throw new EngineInputError(`sampler option ${name} must be at most ${check.max}, got ${v}`)
  return v
}

/** eta (default 1) and s_noise (default 1) of the ancestral and SDE samplers. */
export function readEtaNoise(options: SamplerOptions | undefined, etaDefault = 1): { eta: number; sNoise: number } {
  return {
    eta: numberOption(options, 'eta', etaDefault, { min: 0 }),
    sNoise: numberOption(options, 's_noise', 1, { min: 0 })
  }
}
