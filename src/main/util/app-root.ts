/**
 * The folder the studio runs from (the repository, or an installed app's resources): the nearest folder
 * above this module that holds the project's package.json. Found by walking up rather than by a fixed
 * number of `..`, because the same code runs from src/ (tests, tsx), from out/main (Electron) and from
 * the CLI bundle in out/cli/<build>/.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

export function appRoot(from: string = import.meta.url): string {
  if (cached && from === import.meta.url) return cached
  let dir = dirname(fileURLToPath(from))
  for (let i = 0; i < 10; i++) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'sigma-studio') {
          if (from === import.meta.url) cached = dir
          return dir
        }
      } catch {
        // Not ours (or unreadable): keep walking up.
      }
    }
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  throw new Error(`could not find the studio's folder (no sigma-studio package.json above ${fileURLToPath(from)})`)
}
