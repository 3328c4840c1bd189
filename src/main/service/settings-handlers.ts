/**
 * The settings calls of the contract: where the library is (and why), and switching it to another
 * folder. A switch checks the folder can be created and written, opens it (the start-up reconcile pass
 * runs on it), sends future results there, closes the old library once its jobs are done, and saves the
 * choice in the settings file so the next start uses it — unless --library or $SIGMA_STUDIO_LIBRARY is
 * in force, which still win at start (the state says so).
 */
import { rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { RequestError, type InvokeHandlers, type LibrarySource, type SettingsState } from '../../shared/api'
import { LibraryError } from '../library/errors'
import { defaultLibraryDir } from '../library/paths'
import { readSettings, SettingsError, writeSettings } from '../settings/app-settings'
import { checkFreeSpace, ensureFolder, FolderError, folderProblem } from '../util/folders'
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
    'studio:settings:set': async ({ libraryDir }) => {
      if (!holder.library) {
        throw new RequestError('libraryDir', 'the library is off in this run (started with --no-library); restart without it to use a library folder')
      }
      const dir = expandLibraryDir(libraryDir)
      if (dir !== holder.library.dir) {
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
