/**
 * The one error type of preset handling: it names the thing (a file, a preset, a field path such as
 * "params.steps") and says what to do. `code` lets the CLI and UI react without parsing text.
 */
export type PresetErrorCode =
  | 'invalid' // a field is wrong; `field` says which
  | 'newer-schema' // made by a newer Sigma Studio
  | 'unreadable' // not JSON, truncated, not a PNG we can read
  | 'not-found'
  | 'conflict' // a preset of that name exists and neither rename nor overwrite was chosen
  | 'bad-name'

export class PresetError extends Error {
  constructor(
    readonly code: PresetErrorCode,
    message: string,
    /** Dotted path of the bad field, when one is to blame. */
    readonly field?: string,
    /** File or source the problem is in. */
    readonly source?: string
  ) {
    super(`${source ? `${source}: ` : ''}${field ? `${field}: ` : ''}${message}`)
    this.name = 'PresetError'
  }
}
