/**
 * Parameter checks shared by the guidance modules. Every failure is an {@link EngineInputError} whose
 * message names the parameter, the value received and what to use instead ("concise error messages
 * are preferred to silently correcting erroneous input").
 */
import type { Tensor } from '../types'
import { EngineInputError } from '../types'

/** A finite number, or an error naming `name` and the accepted values in `hint`. */
export function requireFinite(value: unknown, name: string, hint: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EngineInputError(`${name}: got ${String(value)}; ${hint}`)
  }
  return value
}

/** A finite number in [min, max] (either end may be open with `openMin`/`openMax`). */
export function requireInRange(
  value: unknown,
  name: string,
  min: number,
  max: number,
  hint: string,
  { openMin = false, openMax = false }: { openMin?: boolean; openMax?: boolean } = {}
): number {
  const v = requireFinite(value, name, hint)
  const belowMin = openMin ? v <= min : v < min
  const aboveMax = openMax ? v >= max : v > max
  if (belowMin || aboveMax) throw new EngineInputError(`${name}: got ${v}; ${hint}`)
  return v
}

/** A positive integer (a batch row length). */
export function requireRowLength(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new EngineInputError(
      `${name}: got ${String(value)}; give the number of elements in one batch row (channels x height x width of one latent), a positive integer`
    )
  }
  return value
}

/** The number of rows of a flat tensor; its length must be a positive multiple of `rowLength`. */
export function rowCount(length: number, rowLength: number, who: string): number {
  if (length === 0 || length % rowLength !== 0) {
    throw new EngineInputError(
      `${who}: the tensor has ${length} elements, which is not a positive multiple of rowLength ${rowLength}; construct it with the latent's per-image element count`
    )
  }
  return length / rowLength
}

/** The sigma a sampler handed to a denoiser: finite and non-negative. */
export function checkSigma(sigma: number, who: string): void {
  if (!Number.isFinite(sigma) || sigma < 0) {
    throw new EngineInputError(`${who}: sigma is ${sigma}; the sampler must pass a finite, non-negative noise level`)
  }
}

/** A model output must have the state's length. */
export function checkOutput(out: Tensor, length: number, who: string): Tensor {
  if (out.length !== length) {
    throw new EngineInputError(`${who}: the model returned ${out.length} values for a state of ${length}; the conditional model must return one x0-estimate per element of x`)
  }
  return out
}
