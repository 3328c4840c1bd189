/**
 * The errors the models layer throws at people. Each carries a stable `code` (for the UI and tests), the
 * path or stage it is about, and a `hint` saying what to do; `message` is one readable line made of all
 * three. Anything else that escapes (a TypeError, an ORT assertion) is a bug, not a user error.
 */

export type ModelFolderErrorCode =
  | 'missing-folder'
  | 'missing-component'
  | 'bad-config'
  | 'corrupt-onnx'
  | 'unsupported-layout'

/** A model folder that cannot be used as it is: missing, incomplete, corrupt or of a layout we do not run. */
export class ModelFolderError extends Error {
  constructor(
    readonly code: ModelFolderErrorCode,
    /** The file or folder at fault. */
    readonly path: string,
    /** What is wrong, in a few words. */
    readonly problem: string,
    /** What to do about it. */
    readonly hint: string
  ) {
    super(`${path}: ${problem}; ${hint}`)
    this.name = 'ModelFolderError'
  }
}

export type GenerationInputErrorCode =
  | 'bad-size'
  | 'size-too-large'
  | 'not-enough-memory'
  | 'unknown-sampler'
  | 'unknown-schedule'
  | 'bad-parameter'
  | 'bad-init-image'
  | 'unknown-device'

/** A request the model cannot serve as asked (size, sampler, schedule, init image, device). */
export class GenerationInputError extends Error {
  constructor(
    readonly code: GenerationInputErrorCode,
    /** The parameter at fault (e.g. "width", "sampler"). */
    readonly field: string,
    readonly problem: string,
    readonly hint: string
  ) {
    super(`${field}: ${problem}; ${hint}`)
    this.name = 'GenerationInputError'
  }
}

export type ModelRunErrorCode = 'non-finite' | 'out-of-memory' | 'provider-failed' | 'run-failed'

/**
 * A model run that went wrong: a NaN/Inf in a model output, the device running out of memory, an execution
 * provider error. `stage` names the component (text_encoder, unet, vae_decoder, …) and `step` the sampling
 * step (0-based) where there is one.
 */
export class ModelRunError extends Error {
  constructor(
    readonly code: ModelRunErrorCode,
    readonly stage: string,
    readonly step: number | undefined,
    readonly problem: string,
    readonly hint: string
  ) {
    super(`${stage}${step === undefined ? '' : ` (step ${step + 1})`}: ${problem}; ${hint}`)
    this.name = 'ModelRunError'
  }
}

/** True for the errors above: errors a person can act on, shown as one line without a stack trace. */
export function isUserFacingError(e: unknown): e is ModelFolderError | GenerationInputError | ModelRunError {
  return e instanceof ModelFolderError || e instanceof GenerationInputError || e instanceof ModelRunError
}
