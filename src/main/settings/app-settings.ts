/**
 * The app's own settings: a small JSON file in the platform's user-data folder (beside the default
 * library), written atomically so a crash never leaves half a file. Today it holds one choice, the
 * library folder; unknown keys written by a newer version are kept when we write it back.
 *
 * Where the library comes from at start, strongest first: the command line (`--library DIR`), the
 * SIGMA_STUDIO_LIBRARY environment variable, this setting, the platform default. The first two are
 * for scripts and tests, so they still win over what was chosen in the app.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { LibrarySource, SettingsState } from '../../shared/api'
import { defaultLibraryDir, LIBRARY_ENV, userDataDir, type PlatformInfo } from '../library/paths'
import { writeFileAtomic } from '../util/atomic-write'

export const SETTINGS_FORMAT = 'sigma-studio-settings'
export const SETTINGS_SCHEMA_VERSION = 1

export interface AppSettings {
  /** The library folder chosen in the app (absolute). */
  libraryDir?: string
  /** The models folder chosen in the app (absolute): where imports go and the model picker looks. */
  modelsDir?: string
  /** The upscalers folder chosen in the app (absolute): ONNX upscaler models beside the bundled models/*upscaler*. */
  upscalersDir?: string
}

const current = (): PlatformInfo => ({ platform: process.platform, env: process.env, home: homedir() })

export function settingsFilePath(p?: PlatformInfo): string {
  return join(userDataDir(p ?? current()), 'settings.json')
}

export class SettingsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SettingsError'
  }
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Reads the settings file. A missing file is no settings; a damaged one is reported through `problem`
 * and treated as no settings, so a bad file never stops the app from starting.
 */
export function readSettings(file: string): { settings: AppSettings; raw: Obj; problem: string | null } {
  if (!existsSync(file)) return { settings: {}, raw: {}, problem: null }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    return { settings: {}, raw: {}, problem: `${file}: cannot be read as JSON (${(e as Error).message}); the defaults are used until a setting is saved again` }
  }
  if (!isObj(raw)) return { settings: {}, raw: {}, problem: `${file}: is not a JSON object; the defaults are used` }
  const settings: AppSettings = {}
  if (typeof raw.libraryDir === 'string' && raw.libraryDir.trim() !== '') settings.libraryDir = raw.libraryDir
  if (typeof raw.modelsDir === 'string' && raw.modelsDir.trim() !== '') settings.modelsDir = raw.modelsDir
  if (typeof raw.upscalersDir === 'string' && raw.upscalersDir.trim() !== '') settings.upscalersDir = raw.upscalersDir
  return { settings, raw, problem: null }
}

/** Saves settings (merged over what the file holds, so a newer version's keys survive). */
export function writeSettings(file: string, patch: AppSettings): AppSettings {
  const { raw } = readSettings(file)
  const next = { ...raw, format: SETTINGS_FORMAT, schemaVersion: SETTINGS_SCHEMA_VERSION, ...patch }
  try {
    mkdirSync(dirname(file), { recursive: true })
    writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`)
  } catch (e) {
    throw new SettingsError(`${file}: cannot save the settings (${(e as Error).message}); check the permissions of that folder`)
  }
  return readSettings(file).settings
}

/** What a start-up chose for the library, and why. */
export interface LibraryChoice {
  dir: string
  source: Exclude<LibrarySource, 'off'>
  /** The option or variable that beat the setting, when one did. */
  override: SettingsState['override']
}

/** The library folder to start with: --library, then $SIGMA_STUDIO_LIBRARY, then the setting, then the default. */
export function chooseLibraryDir(opts: { explicit?: string | null; settingsFile: string | null; platform?: PlatformInfo }): LibraryChoice {
  const p = opts.platform ?? current()
  if (opts.explicit) {
    const dir = resolve(opts.explicit)
    return { dir, source: 'option', override: { kind: 'option', name: '--library', dir } }
  }
  const env = p.env[LIBRARY_ENV]
  if (env) {
    const dir = resolve(env)
    return { dir, source: 'env', override: { kind: 'env', name: LIBRARY_ENV, dir } }
  }
  const saved = opts.settingsFile ? readSettings(opts.settingsFile).settings.libraryDir : undefined
  if (saved) return { dir: resolve(saved), source: 'setting', override: null }
  return { dir: defaultLibraryDir(p), source: 'default', override: null }
}
