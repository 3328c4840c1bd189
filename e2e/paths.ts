import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const ROOT = resolve(__dirname, '..')
/** Built app (npm run build). */
export const OUT = join(ROOT, 'out')
/** Screenshots and other artefacts of the end-to-end tests. */
export const E2E_OUTPUT = join(ROOT, 'e2e-output')

export function outputPath(name: string): string {
  mkdirSync(E2E_OUTPUT, { recursive: true })
  return join(E2E_OUTPUT, name)
}
