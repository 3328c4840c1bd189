export type LibraryErrorCode =
  | 'not-found' // no entry / group with that id
  | 'invalid' // bad input to save(), a bad group, bad query
  | 'io' // a file could not be written or read
  | 'schema' // the index was written by a newer Sigma Studio
  | 'busy' // another process holds the index (rebuild)
  | 'not-a-library' // a folder that holds other files was chosen as the library
  | 'disk-full' // the disk (or the user's quota) has no room; nothing partial was left behind

/** Every library failure: names the entry, file or field and says what to do. */
export class LibraryError extends Error {
  constructor(
    readonly code: LibraryErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'LibraryError'
  }
}

/** True for the errors a full disk or an exhausted quota gives (file writes and SQLite alike). */
export function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: unknown }).code
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || (e instanceof LibraryError && e.code === 'disk-full')
}
