/**
 * The settings view's state: what the studio reports about where the library is, and the folder being
 * typed. One slice of the studio store.
 */
import type { LibrarySource, SettingsState } from '../../../shared/api'
import { defineSlice } from './root'

export interface SettingsViewState {
  current: SettingsState | null
  /** The folder as typed (null = not edited yet: show the current one). */
  libraryDirInput: string | null
  busy: boolean
  error: string | null
  notice: string | null
  /** The folder the studio asked about: not a library yet, made only when the user confirms. */
  confirmDir: string | null
}

export const initialSettingsViewState: SettingsViewState = { current: null, libraryDirInput: null, busy: false, error: null, notice: null, confirmDir: null }

declare module './root' {
  interface Slices {
    settings: SettingsViewState
  }
}

export const useSettingsStore = defineSlice('settings', initialSettingsViewState)

/** Where the library in use came from, in words. */
export function sourceLine(s: SettingsState): string {
  const src: Record<LibrarySource, string> = {
    option: 'the --library option this studio was started with',
    env: `the ${s.override?.name ?? 'SIGMA_STUDIO_LIBRARY'} environment variable`,
    setting: 'the folder chosen here',
    default: 'the default folder for your user',
    off: ''
  }
  return s.librarySource === 'off' ? 'The library is off in this run: results are kept in memory only.' : `From ${src[s.librarySource]}.`
}

/** The note shown when a start-up option or variable beats the saved setting. */
export function overrideLine(s: SettingsState): string | null {
  if (!s.override) return null
  const what = s.override.kind === 'env' ? `The environment variable ${s.override.name}` : `The ${s.override.name} option`
  return `${what} is in force (${s.override.dir}): it wins over this setting whenever the studio starts with it. A folder applied here is used now and saved for starts without it.`
}

/**
 * The library folder field's error as a sentence that names the field: an empty field is caught here
 * (before asking the studio), and the studio's own refusals ("cannot create …") get the field's name.
 */
export function libraryDirError(typed: string, serverMessage?: string): string | null {
  if (serverMessage === undefined) {
    return typed.trim() === '' ? 'Library folder is empty: type the full path of a folder, such as /home/me/Pictures/sigma-studio.' : null
  }
  return `Library folder: ${serverMessage}`
}
