/**
 * Where the library lives. Computed without Electron so the CLI, the web host and tests agree with the
 * app: an explicit choice (the CLI's --library DIR, the app's setting) wins, then the
 * SIGMA_STUDIO_LIBRARY environment variable, then the platform's user-data folder:
 * - Linux and others: $XDG_DATA_HOME/sigma-studio, else ~/.local/share/sigma-studio
 * - macOS: ~/Library/Application Support/Sigma Studio
 * - Windows: %APPDATA%\Sigma Studio (else ~\AppData\Roaming\Sigma Studio)
 * The library is that folder itself: library.sqlite, images/, thumbs/, inputs/, presets/.
 */
import { homedir } from 'node:os'
import { join, posix, resolve, win32 } from 'node:path'

export const LIBRARY_ENV = 'SIGMA_STUDIO_LIBRARY'

export interface PlatformInfo {
  platform: NodeJS.Platform
  env: Record<string, string | undefined>
  home: string
}

const current = (): PlatformInfo => ({ platform: process.platform, env: process.env, home: homedir() })

/** The platform's per-user data folder for Sigma Studio. */
export function userDataDir(p: PlatformInfo = current()): string {
  if (p.platform === 'win32') return win32.join(p.env.APPDATA || win32.join(p.home, 'AppData', 'Roaming'), 'Sigma Studio')
  if (p.platform === 'darwin') return posix.join(p.home, 'Library', 'Application Support', 'Sigma Studio')
  const xdg = p.env.XDG_DATA_HOME
  // XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
  return posix.join(xdg && xdg.startsWith('/') ? xdg : posix.join(p.home, '.local', 'share'), 'sigma-studio')
}

export function defaultLibraryDir(p: PlatformInfo = current()): string {
  return userDataDir(p)
}

/** The library folder to use: explicit option, then $SIGMA_STUDIO_LIBRARY, then the default. */
export function resolveLibraryDir(explicit?: string | null, p: PlatformInfo = current()): string {
  if (explicit) return resolve(explicit)
  const env = p.env[LIBRARY_ENV]
  if (env) return resolve(env)
  return defaultLibraryDir(p)
}

export const libraryLayout = (dir: string) => ({
  db: join(dir, 'library.sqlite'),
  images: join(dir, 'images'),
  thumbs: join(dir, 'thumbs'),
  presets: join(dir, 'presets'),
  quarantine: join(dir, 'quarantine'),
  inputs: join(dir, 'inputs'),
  exports: join(dir, 'exports')
})
