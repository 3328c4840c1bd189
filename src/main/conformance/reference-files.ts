/**
 * Where the reference vectors and goldens live: `reference/` at the repository root, copied in from the
 * project's shared folder so that a fresh clone carries everything its tests need (reference/README.md).
 * A missing file is an error that names it, so a test that needs it fails; it is never skipped.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { appRoot } from '../util/app-root'

/** Absolute path of the repository's reference folder. */
export function referenceDir(): string {
  return join(appRoot(), 'reference')
}

/** Absolute path of a file or folder under reference/, which must exist. */
export function referencePath(relPath: string): string {
  const p = join(referenceDir(), relPath)
  if (!existsSync(p)) throw new Error(`reference file ${p} is missing; it belongs to the repository (reference/README.md lists what is there and where it came from)`)
  return p
}

/** Reads and parses a JSON file under reference/, e.g. `conformance/public.json`. */
export function readReferenceJson(relPath: string): unknown {
  return JSON.parse(readFileSync(referencePath(relPath), 'utf8'))
}

/** The cases of one kind from conformance/public.json (for focused unit tests). */
export function publicCases(kind: string): Record<string, unknown>[] {
  const doc = readReferenceJson('conformance/public.json') as { cases: Record<string, unknown>[] }
  return doc.cases.filter((c) => c.kind === kind)
}
