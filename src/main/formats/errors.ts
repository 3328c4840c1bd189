/**
 * The error of the formats layer: a file or text another tool (or we) wrote could not be understood.
 * It names the source, the field (an infotext key such as "Sampler", a JSON path such as
 * "nodes[3].inputs.steps") and what is wrong, so the presets, library and CLI layers can pass the
 * message on as it is.
 */
export class FormatError extends Error {
  constructor(
    /** What is wrong and what to do, without the source or field prefix. */
    readonly detail: string,
    /** The key or path to blame, when one is. */
    readonly field?: string,
    /** The file or source the problem is in. */
    readonly source?: string
  ) {
    super(`${source ? `${source}: ` : ''}${field ? `${field}: ` : ''}${detail}`)
    this.name = 'FormatError'
  }
}
