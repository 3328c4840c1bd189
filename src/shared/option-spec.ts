/**
 * The shape of one sampler option or schedule parameter: its name, type, default and range. The
 * descriptors in samplers.ts and schedules.ts declare them once; the UI draws its fields from them,
 * `validateGenerationParams` and the engine check values against them.
 */

export type OptionValue = number | string | boolean

export interface NumberSpec {
  readonly name: string
  readonly type: 'number' | 'integer'
  /** Used when the option is not given; undefined when the default comes from elsewhere (the model's sigma range). */
  readonly default?: number
  /** Lower bound, inclusive unless `minExclusive`. */
  readonly min?: number
  readonly minExclusive?: boolean
  /** Upper bound, inclusive. */
  readonly max?: number
  /** +Infinity is a valid value (s_tmax); JSON carries it as null. */
  readonly allowInfinity?: boolean
  readonly description: string
}

export interface ChoiceSpec {
  readonly name: string
  readonly type: 'choice'
  readonly choices: readonly string[]
  readonly default: string
  readonly description: string
}

export interface BooleanSpec {
  readonly name: string
  readonly type: 'boolean'
  readonly default: boolean
  readonly description: string
}

export type OptionSpec = NumberSpec | ChoiceSpec | BooleanSpec

/** Why `value` is not acceptable for `spec`, or null when it is. */
export function optionProblem(spec: OptionSpec, value: unknown): string | null {
  if (spec.type === 'choice') {
    return typeof value === 'string' && spec.choices.includes(value) ? null : `must be one of ${spec.choices.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(value)}`
  }
  if (spec.type === 'boolean') return typeof value === 'boolean' ? null : `must be true or false, got ${JSON.stringify(value)}`
  if (typeof value !== 'number' || Number.isNaN(value)) return `must be a number, got ${JSON.stringify(value)}`
  if (!Number.isFinite(value) && !(spec.allowInfinity && value === Infinity)) return `must be a finite number, got ${value}`
  if (spec.type === 'integer' && Number.isFinite(value) && !Number.isInteger(value)) return `must be a whole number, got ${value}`
  if (spec.min !== undefined && (spec.minExclusive ? !(value > spec.min) : value < spec.min)) {
    return `must be ${spec.minExclusive ? 'greater than' : 'at least'} ${spec.min}, got ${value}`
  }
  if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}, got ${value}`
  return null
}

/** A number option; `range` is [min, max] with either end open (undefined). */
export const num = (name: string, def: number | undefined, description: string, extra: Partial<Omit<NumberSpec, 'name' | 'type' | 'description'>> = {}): NumberSpec => ({
  name,
  type: 'number',
  default: def,
  description,
  ...extra
})

export const int = (name: string, def: number | undefined, min: number, max: number | undefined, description: string): NumberSpec => ({
  name,
  type: 'integer',
  default: def,
  min,
  max,
  description
})

export const choice = (name: string, choices: readonly string[], def: string, description: string): ChoiceSpec => ({ name, type: 'choice', choices, default: def, description })

export const bool = (name: string, def: boolean, description: string): BooleanSpec => ({ name, type: 'boolean', default: def, description })
