import type { CaseResult, RawCase } from './types'
/** Owned by the RNG implementer: runs a `randn` case. */
export async function runRandnCase(_c: RawCase, id: string): Promise<CaseResult> {
  throw new Error(`randn cases are not implemented yet (${id})`)
}
