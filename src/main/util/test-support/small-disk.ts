/**
 * A real small or read-only disk for tests: a tmpfs of a few hundred KB mounted on a fresh folder. Only
 * root on Linux may mount; elsewhere `mountSmallDisk` returns null and the callers fall back to a
 * simulated ENOSPC/EROFS at the write layer (so the behaviour is tested everywhere, and on the real
 * thing where the machine allows it).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface SmallDisk {
  dir: string
  unmount(): void
}

export function mountSmallDisk(opts: { sizeKB: number; readOnly?: boolean }): SmallDisk | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null
  const dir = mkdtempSync(join(tmpdir(), 'sigma-small-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${opts.sizeKB}k${opts.readOnly ? ',ro' : ''}`, 'tmpfs', dir], { stdio: 'ignore' })
  } catch {
    rmSync(dir, { recursive: true, force: true })
    return null
  }
  return {
    dir,
    unmount: () => {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' })
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}
