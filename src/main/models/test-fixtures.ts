/** Test helpers: the committed tiny fixture models (tools/fixtures/models) and scratch copies of them. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tools', 'fixtures', 'models')
export const FIXTURES = ['sd1-tiny', 'sd2-v-tiny', 'sdxl-tiny', 'sd1-fp16-tiny', 'sd1-inpaint-tiny'] as const
export type FixtureName = (typeof FIXTURES)[number]

export function fixture(name: FixtureName): string {
  return join(FIXTURES_DIR, name)
}

const scratch: string[] = []

/** A fresh temporary directory, removed by `cleanScratch()`. */
export function scratchDir(prefix = 'studio-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix))
  scratch.push(d)
  return d
}

/** A writable copy of a fixture (to damage or edit in a test). */
export function copyFixture(name: FixtureName): string {
  const dest = join(scratchDir(), name)
  cpSync(fixture(name), dest, { recursive: true })
  return dest
}

export function cleanScratch(): void {
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true })
}
