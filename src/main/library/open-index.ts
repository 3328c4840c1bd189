/**
 * Opening a library's SQLite index: creating the folder layout, refusing a folder that is someone
 * else's, WAL and busy timeout, the migrations, and the clean-shutdown flag that decides whether the
 * start needs a full reconcile pass in the background.
 */
import Database from 'better-sqlite3'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ensureFolderSync, FolderError } from '../util/folders'
import { LibraryError } from './errors'
import { LibrarySchemaError, migrate } from './migrations'
import type { libraryLayout } from './paths'

/** Opens the index; for writing it also migrates it and returns whether the last run closed it cleanly. */
export function openIndex(dir: string, layout: ReturnType<typeof libraryLayout>, readonly: boolean): { db: Database.Database; lastShutdownClean: boolean } {
  const file = layout.db
  if (readonly) {
    if (!existsSync(file)) throw new LibraryError('not-found', `${file}: there is no library index here; check --library or ${'SIGMA_STUDIO_LIBRARY'}`)
  } else {
    try {
      ensureFolderSync(dir)
    } catch (e) {
      if (e instanceof FolderError) throw new LibraryError('io', `${e.message} (library folder; choose another with --library or the app's settings)`)
      throw e
    }
    refuseForeignFolder(dir, file)
    try {
      mkdirSync(layout.images, { recursive: true })
      mkdirSync(layout.thumbs, { recursive: true })
    } catch (e) {
      throw new LibraryError('io', `${dir}: cannot create the library folder (${(e as Error).message}); choose another with --library or the app's settings`)
    }
  }
  let db: Database.Database
  try {
    db = new Database(file, { readonly, fileMustExist: readonly })
  } catch (e) {
    throw new LibraryError('io', `${file}: cannot open the library index (${(e as Error).message}); \`studio library rebuild\` makes a new one from the images`)
  }
  let lastShutdownClean = true
  try {
    db.pragma('busy_timeout = 10000')
    if (!readonly) {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      db.pragma('foreign_keys = ON')
      migrate(db, file)
      lastShutdownClean = (db.prepare("SELECT value FROM library_state WHERE key = 'clean'").pluck().get() ?? '1') === '1'
      setClean(db, false)
    }
  } catch (e) {
    db.close()
    if (e instanceof LibrarySchemaError) throw new LibraryError('schema', e.message)
    throw new LibraryError('io', `${file}: the library index cannot be used (${(e as Error).message}); \`studio library rebuild\` makes a new one from the images`)
  }
  return { db, lastShutdownClean }
}

/** Marks the library as open (false) or closed cleanly (true). */
export function setClean(db: Database.Database, clean: boolean): void {
  db.prepare("INSERT INTO library_state(key, value) VALUES ('clean', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(clean ? '1' : '0')
}

/** What a library folder holds of its own (anything else means the folder is someone else's). */
const LIBRARY_ENTRIES = /^(library\.sqlite(-wal|-shm|-journal|\.bak(-wal|-shm)?|\.rebuild-\d+.*)?|images|thumbs|inputs|presets|quarantine|score-optimal|exports|settings\.json|\..*\.tmp|\.sigma-studio-.*)$/

/**
 * A folder that has no library index and holds files of its own is not a library: refuse it rather
 * than scatter images/ and thumbs/ among the user's files and reconcile them.
 */
function refuseForeignFolder(dir: string, dbFile: string): void {
  if (existsSync(dbFile)) return
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return // not there yet (or unreadable: opening says why)
  }
  const foreign = names.filter((n) => !LIBRARY_ENTRIES.test(n))
  if (foreign.length === 0) return
  const shown = foreign.slice(0, 3).map((n) => `"${n}"`).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '')
  throw new LibraryError(
    'not-a-library',
    `${dir} already holds other files (${shown}) and is not a Sigma Studio library; the library needs a folder of its own: choose an empty or new folder, such as ${join(dir, 'Sigma Studio Library')}`
  )
}
