/**
 * Where the shared reference vectors live: ../shared beside the repository (CI puts it there),
 * overridable with SIGMA_SHARED_DIR.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir
    dir = dirname(dir)
  }
  throw new Error('could not find the repository root (no package.json above the conformance module)')
}

/** Absolute path of the shared folder. */
export function sharedDir(): string {
  return process.env.SIGMA_SHARED_DIR ? resolve(process.env.SIGMA_SHARED_DIR) : resolve(repoRoot(), '..', 'shared')
}

/** Reads and parses a JSON file under the shared folder, e.g. `conformance/public.json`. */
export function readSharedJson(relPath: string): unknown {
  const p = join(sharedDir(), relPath)
  if (!existsSync(p)) throw new Error(`shared file ${p} is missing; put the shared folder beside the repository or set SIGMA_SHARED_DIR`)
  return JSON.parse(readFileSync(p, 'utf8'))
}

/** The cases of one kind from conformance/public.json (for focused unit tests). */
export function publicCases(kind: string): Record<string, unknown>[] {
  const doc = readSharedJson('conformance/public.json') as { cases: Record<string, unknown>[] }
  return doc.cases.filter((c) => c.kind === kind)
}
