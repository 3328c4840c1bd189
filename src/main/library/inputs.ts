/**
 * The init image and mask a result was made from, kept with it so "use these settings" can restore them
 * and the detail view can show them.
 *
 * Content-addressed: `inputs/<sha256 of the bytes>.<png|jpg|webp>`, the bytes exactly as the request
 * carried them (so the params' label `sha256:<32 hex>` is a prefix of the name). One file however many
 * results share it: a sweep of 40 cells over one init image stores it once. The index holds only the
 * reference (`image_inputs`: row, role, file name; no blobs, so a million images cost a few bytes each),
 * and each PNG's own metadata names its inputs too, so a rebuilt index finds them again.
 *
 * An input goes when the last entry naming it goes. Reference checks and removals run inside an
 * IMMEDIATE transaction (SQLite's write lock), and a save makes sure its inputs exist inside the
 * transaction that inserts its row: so a deletion in one process and a save of the same input in
 * another cannot interleave into a row whose input was removed.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { initImageFormat } from '../../shared/init-image'
import { INPUT_FILE_NAME, type ImageInputs } from '../formats/image-metadata'
import { isDiskFull, LibraryError } from './errors'
import { writeDurable } from './files'

export const INPUT_ROLES = ['init', 'mask'] as const
export type InputRole = (typeof INPUT_ROLES)[number]

/** The bytes of a result's inputs, as a save receives them. */
export interface InputBytes {
  init?: Uint8Array | null
  mask?: Uint8Array | null
}

const EXT = { png: 'png', jpeg: 'jpg', webp: 'webp' } as const

/** The content-addressed file name of an input's bytes. */
export function inputName(bytes: Uint8Array, role: InputRole): string {
  const format = initImageFormat(bytes)
  if (!format) throw new LibraryError('invalid', `the ${role === 'init' ? 'init image' : 'mask'} to keep is not a PNG, JPEG or WebP file`)
  return `${createHash('sha256').update(bytes).digest('hex')}.${EXT[format]}`
}

export const inputRel = (name: string): string => `inputs/${name}`

/** The MIME type of an input file by its name. */
export function inputMime(name: string): 'image/png' | 'image/jpeg' | 'image/webp' {
  return name.endsWith('.jpg') ? 'image/jpeg' : name.endsWith('.webp') ? 'image/webp' : 'image/png'
}

/** Writes one input unless a complete copy is there already (its name is its content). */
function writeInput(folder: string, name: string, bytes: Uint8Array): void {
  const abs = join(folder, name)
  try {
    if (statSync(abs).size === bytes.length) return
  } catch {
    /* not there yet */
  }
  try {
    mkdirSync(folder, { recursive: true })
    writeDurable(abs, bytes, folder)
  } catch (e) {
    if (isDiskFull(e)) throw new LibraryError('disk-full', `disk full: the init image or mask could not be kept in ${folder} (no space left on its disk); free some space`)
    throw new LibraryError('io', `${abs}: cannot write the init image or mask (${(e as Error).message}); check free space and permissions of the library folder`)
  }
}

/** The inputs to keep: their names, and a function that (re)writes any that are not on disk. */
export function prepareInputs(folder: string, given: InputBytes | undefined): { names: ImageInputs | undefined; ensure: () => void } {
  const files: Array<{ name: string; bytes: Uint8Array }> = []
  const names: ImageInputs = {}
  for (const role of INPUT_ROLES) {
    const bytes = given?.[role]
    if (!bytes || bytes.length === 0) continue
    names[role] = inputName(bytes, role)
    files.push({ name: names[role]!, bytes })
  }
  const ensure = (): void => files.forEach((f) => writeInput(folder, f.name, f.bytes))
  return { names: files.length ? names : undefined, ensure }
}

/** Records a row's inputs (called by the row writer, inside its transaction). */
export function inputRowWriter(db: BetterSqlite3.Database): (seq: number, inputs: ImageInputs | undefined) => void {
  const clear = db.prepare('DELETE FROM image_inputs WHERE image_seq = ?')
  const ins = db.prepare('INSERT INTO image_inputs(image_seq, role, name) VALUES (?, ?, ?)')
  return (seq, inputs) => {
    clear.run(seq)
    for (const role of INPUT_ROLES) if (inputs?.[role]) ins.run(seq, role, inputs[role])
  }
}

/** The inputs recorded for one row. */
export function inputsOfRow(db: BetterSqlite3.Database, seq: number): ImageInputs {
  const out: ImageInputs = {}
  for (const r of db.prepare('SELECT role, name FROM image_inputs WHERE image_seq = ?').all(seq) as Array<{ role: InputRole; name: string }>) out[r.role] = r.name
  return out
}

/**
 * Removes the named inputs that no row references any more. Runs in an IMMEDIATE transaction so no
 * other process can insert a reference between the check and the removal (see the file comment).
 * `olderThan` (ms since the epoch) spares files written since then: a save in flight writes its inputs
 * before its row. Returns the names removed.
 */
export function removeUnreferenced(db: BetterSqlite3.Database, folder: string, names: Iterable<string>, olderThan = Infinity): string[] {
  const referenced = db.prepare('SELECT 1 FROM image_inputs WHERE name = ? LIMIT 1').pluck()
  const removed: string[] = []
  db.transaction(() => {
    for (const name of new Set(names)) {
      if (!INPUT_FILE_NAME.test(name) || referenced.get(name)) continue
      const abs = join(folder, name)
      try {
        if (statSync(abs).mtimeMs >= olderThan) continue
      } catch {
        continue // already gone
      }
      rmSync(abs, { force: true })
      removed.push(name)
    }
  }).immediate()
  return removed
}

/** The input files in the folder that are ours by name. */
export function listInputFiles(folder: string): string[] {
  try {
    return readdirSync(folder).filter((n) => INPUT_FILE_NAME.test(n))
  } catch {
    return []
  }
}

/** Why a referenced input is not as saved (missing, or its bytes no longer hash to its name), or null. */
export function checkInput(folder: string, name: string, deep: boolean): string | null {
  const abs = join(folder, name)
  if (!existsSync(abs)) return 'is missing'
  if (!deep) return null
  let bytes: Buffer
  try {
    bytes = readFileSync(abs)
  } catch (e) {
    return `cannot be read (${(e as Error).message})`
  }
  return createHash('sha256').update(bytes).digest('hex') === INPUT_FILE_NAME.exec(name)![1] ? null : 'its bytes differ from those saved (SHA-256 mismatch)'
}
