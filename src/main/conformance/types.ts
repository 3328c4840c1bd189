/**
 * Shapes of the conformance vector files (reference/notes/DESIGN.md, "Conformance vectors").
 * Cases are read from JSON, so every field is checked before use; a malformed case is a failed case
 * whose message says which field is wrong.
 */

/** One case of any supported format, as read from the file. */
export type RawCase = Record<string, unknown> & { id?: unknown; kind?: unknown }

/** The outcome of running one case. */
export interface CaseResult {
  id: string
  /** The raw output (see DESIGN.md for its shape per kind); absent only when the case could not run. */
  actual?: unknown
  /** Whether it matched the expected values; undefined when the case carries no expected values. */
  passed?: boolean
  /** Why it failed (a mismatch summary or the error it raised). */
  message?: string
}

/** A runner for one case kind: computes `actual` and compares it when the case has expected values. */
export type CaseRunner = (c: RawCase) => Promise<CaseResult>
