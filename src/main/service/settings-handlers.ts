/**
 * The settings calls of the contract: where the library is (and why), and switching it to another
 * folder. A switch checks the folder can be created and written, opens it (the start-up reconcile pass
 * runs on it), sends future results there, closes the old library once its jobs are done, and saves the
 * choice in the settings file so the next start uses it — unless --library or $SIGMA_STUDIO_LIBRARY is
 * in force, which still win at start (the state says so).
 */
import { readdir, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { CONFIRM_NEW_LIBRARY_FIELD } from '../../shared/library-api'
import { RequestError, type InvokeHandlers, type LibrarySource, type SettingsState } from '../../shared/api'
import { LibraryError } from '../library/errors'
import { defaultLibraryDir } from '../library/paths'
import { readSettings, SettingsError, writeSettings } from '../settings/app-settings'
import { checkFreeSpace, ensureFolder, FolderError, folderProblem, startProblem } from '../util/folders'
import type { LibraryHolder } from './library-holder'

type SettingsCalls = Pick<InvokeHandlers, 'studio:settings:get' | 'studio:settings:set'>

/** How the studio was started, as far as settings are concerned. */
export interface SettingsContext {
  /** The settings file; null = this run does not save settings (tests, the fixture host). */
  file: string | null
  /** Where the library in use at start came from. */
  source: LibrarySource
  override: SettingsState['override']
}

/** "~/x" → the home folder's x; anything else must already be a full path. */
export function expandLibraryDir(raw: string): string {
  const s = raw.trim()
  const home = /^~(?=$|[\\/])/.test(s) ? homedir() + s.slice(1) : s
  if (!isAbsolute(home)) throw new RequestError('libraryDir', `"${raw}" is not a full path; give the whole path of the folder, such as ${process.platform === 'win32' ? 'D:\\Pictures\\Sigma Studio' : '/home/me/Pictures/sigma-studio'}`)
  return resolve(home)
}

/**
 * Creates the folder if needed and proves a file can be written in it (then removes the proof), all
 * without blocking the event loop: refuses kernel file systems (/proc), files in the way, full and
 * read-only disks with a message saying what to choose instead.
 */
export async function checkWritableFolder(dir: string): Promise<void> {
  try {
    await ensureFolder(dir)
  } catch (e) {
    if (e instanceof FolderError) throw new RequestError('libraryDir', e.message)
    throw e
  }
  const probe = join(dir, `.sigma-studio-write-test-${process.pid}`)
  try {
    await writeFile(probe, 'ok', { flag: 'wx' })
  } catch (e) {
    throw new RequestError('libraryDir', `cannot write in ${dir} (${folderProblem(e)}); choose a folder you can write to`)
  } finally {
    await rm(probe, { force: true })
  }
  try {
    await checkFreeSpace(dir)
  } catch (e) {
    if (e instanceof FolderError) throw new RequestError('libraryDir', e.message)
    throw e
  }
}

/**
 * Which folders may become the library from the Settings view. An existing library (its index is there)
 * opens as it is. A new library is made only where the user said so (`create`, the view's "Create a
 * library here"), and only in an empty folder or a new folder directly inside an existing one: a typo
 * must not leave a trail of folders, and a folder of the user's own files is never taken over (the
 * library refuses those itself, see LibraryHolder.switchTo). Special file systems, files in the way and
 * read-only or full disks are refused by checkWritableFolder.
 */
export async function checkNewLibraryRule(dir: string, create: boolean): Promise<void> {
  const special = startProblem(dir)
  if (special) throw new RequestError('libraryDir', special)
  const kind = await folderKind(dir)
  if (kind === 'library') return
  if (kind === 'missing') {
    const parent = dirname(dir)
    const above = await folderKind(parent)
    if (above === 'file') return // checkWritableFolder names the file in the way
    if (above === 'missing') {
      throw new RequestError('libraryDir', `${parent} does not exist; a new library folder is made only inside a folder that exists — create ${parent} first or choose another place`)
    }
  }
  // A file, or a folder of other files: the writability check and the library's own say what to do.
  if (kind === 'other' || kind === 'file') return
  if (!create) {
    const what = kind === 'missing' ? 'does not exist yet' : 'is an empty folder'
    throw new RequestError(CONFIRM_NEW_LIBRARY_FIELD, `${dir} ${what}, not a library; confirm to create a new, empty library there`)
  }
}

async function folderKind(dir: string): Promise<'missing' | 'file' | 'library' | 'empty' | 'other'> {
  const st = await stat(dir).catch(() => null)
  if (!st) return 'missing'
  if (!st.isDirectory()) return 'file'
  if (await stat(join(dir, 'library.sqlite')).catch(() => null)) return 'library'
  const names = await readdir(dir).catch(() => null)
  return names !== null && names.length === 0 ? 'empty' : 'other'
}

export function settingsHandlers(holder: LibraryHolder, ctx: SettingsContext): SettingsCalls {
  let source = ctx.source
  const state = (): SettingsState => ({
    libraryDir: holder.library?.dir ?? null,
    librarySource: holder.library ? source : 'off',
    savedLibraryDir: ctx.file ? (readSettings(ctx.file).settings.libraryDir ?? null) : null,
    defaultLibraryDir: defaultLibraryDir(),
    override: ctx.override,
    settingsFile: ctx.file
  })
  return {
    'studio:settings:get': async () => state(),
    'studio:settings:set': async ({ libraryDir, create }) => {
      if (!holder.library) {
        throw new RequestError('libraryDir', 'the library is off in this run (started with --no-library); restart without it to use a library folder')
      }
      const dir = expandLibraryDir(libraryDir)
      if (dir !== holder.library.dir) {
        await checkNewLibraryRule(dir, create === true)
        await checkWritableFolder(dir)
        try {
          await holder.switchTo(dir)
        } catch (e) {
          if (e instanceof LibraryError) throw new RequestError('libraryDir', e.message)
          throw e
        }
      }
      source = 'setting'
      if (ctx.file) {
        try {
          writeSettings(ctx.file, { libraryDir: dir })
        } catch (e) {
          // The switch happened; only remembering it for the next start failed.
          if (e instanceof SettingsError) throw new RequestError('libraryDir', `the library now is ${dir}, but ${e.message}`)
          throw e
        }
      }
      return state()
    }
  }
}
