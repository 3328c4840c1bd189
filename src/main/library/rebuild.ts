/**
 * Rebuilding the index from the images alone, and reading an image file's metadata for indexing
 * (shared with reconcile).
 */
import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'
import { existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { validateGenerationParams } from '../../shared/params'
import { infotextToParams } from '../formats/infotext'
import { PngError } from '../png/chunks'
import { imageRowValues, insertImageSql } from './image-row'
import { readImageMetadata, IMAGE_META_FORMAT, IMAGE_META_SCHEMA_VERSION, type ImageMetadata } from '../formats/image-metadata'
import { fsyncDir, scanTree, THUMB_EXT, type ScannedFile } from './files'
import { inputRowWriter } from './inputs'
import { migrate } from './migrations'
import { libraryLayout } from './paths'

export interface RebuildReport {
  indexed: number
  skipped: Array<{ file: string; reason: string }>
  /** Favourites and tags carried over from the old index (they live only there). */
  userDataKept: number
  backup: string | null
}

/**
 * The metadata to index a PNG found on disk by: its sigma-studio chunk, or else its A1111 infotext
 * (then the time comes from the id in the file name, or the file's mtime). The id is always the file
 * name's. Throws PngError (truncated, damaged, no settings), FormatError or ParamsError.
 */
export function metadataFromFile(bytes: Buffer, f: ScannedFile): ImageMetadata {
  const md = readImageMetadata(bytes, f.abs)
  const fileId = /^(.+)\.png$/.exec(f.name)![1]
  if (md.meta) return { ...md.meta, id: fileId }
  if (md.infotext !== undefined) {
    const r = infotextToParams(md.infotext, { source: f.abs })
    const params = validateGenerationParams({ ...r.params, model: r.model.name ?? '' })
    let created = statSync(f.abs).mtimeMs
    const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})-/.exec(fileId)
    if (m) created = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7])
    return { format: IMAGE_META_FORMAT, schemaVersion: IMAGE_META_SCHEMA_VERSION, id: fileId, params, modelName: r.model.name ?? '', modelHash: r.model.hash ?? null, appVersion: 'unknown', createdAt: new Date(created).toISOString() }
  }
  throw new PngError(md.metaProblem ?? 'it carries no generation settings (no sigma-studio or parameters chunk)')
}

/**
 * Makes a new index from the PNGs alone: every complete PNG under images/ with our metadata (or A1111
 * infotext) becomes a row; groups are restored from the cells' own metadata. Favourites and tags live
 * only in the index, so they are carried over from the old index when it can still be read. The old
 * index is kept as library.sqlite.bak. Other processes must not have the library open.
 */
export async function rebuildLibraryIndex(dir: string): Promise<RebuildReport> {
  const layout = libraryLayout(dir)
  const report: RebuildReport = { indexed: 0, skipped: [], userDataKept: 0, backup: null }
  const user = new Map<string, { favourite: boolean; tags: string[] }>()
  if (existsSync(layout.db)) {
    try {
      const old = new Database(layout.db, { readonly: true, fileMustExist: true })
      try {
        const rows = old.prepare(`SELECT i.id, i.favourite, (SELECT json_group_array(tag) FROM image_tags t WHERE t.image_seq = i.seq) AS tags FROM images i`).all() as Array<{ id: string; favourite: number; tags: string }>
        for (const r of rows) {
          const tags = (JSON.parse(r.tags) as Array<string | null>).filter((t): t is string => !!t)
          if (r.favourite || tags.length) user.set(r.id, { favourite: !!r.favourite, tags })
        }
      } finally {
        old.close()
      }
    } catch {
      /* the old index is unreadable: rebuild from the PNGs alone */
    }
  }
  const fresh = `${layout.db}.rebuild-${process.pid}`
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(fresh + suffix, { force: true })
  {
    const db = new Database(fresh)
    try {
      db.pragma('journal_mode = DELETE')
      db.pragma('foreign_keys = ON')
      migrate(db, fresh)
      const ins = db.prepare(insertImageSql('INSERT OR IGNORE'))
      const insGroup = db.prepare('INSERT OR IGNORE INTO groups(id, kind, title, axes_json, created_at) VALUES (?, ?, ?, ?, ?)')
      const insTag = db.prepare('INSERT OR IGNORE INTO image_tags(image_seq, tag) SELECT seq, ? FROM images WHERE id = ?')
      const writeInputs = inputRowWriter(db)
      const scan = scanTree(layout.images, 'images')
      const tx = db.transaction((items: Array<{ meta: ImageMetadata; rel: string; size: number; sha256: string }>) => {
        for (const { meta, rel, size, sha256 } of items) {
          if (meta.group) insGroup.run(meta.group.id, meta.group.kind, meta.group.title ?? null, JSON.stringify(meta.group.axes), Date.parse(meta.createdAt))
          const u = user.get(meta.id)
          const thumbRel = `thumbs/${meta.id}${THUMB_EXT}`
          const r = ins.run(imageRowValues(meta, { file: rel, size, sha256, favourite: !!u?.favourite, thumb: existsSync(join(dir, ...thumbRel.split('/'))) ? thumbRel : null }))
          if (r.changes === 0) {
            report.skipped.push({ file: join(dir, ...rel.split('/')), reason: `duplicate of image ${meta.id}` })
            continue
          }
          report.indexed++
          // The init image and mask the PNG names stay referenced (and so are never removed as orphans).
          if (meta.inputs) writeInputs(Number(r.lastInsertRowid), meta.inputs)
          if (u) {
            report.userDataKept++
            for (const t of u.tags) insTag.run(t, meta.id)
          }
        }
      })
      const batch: Array<{ meta: ImageMetadata; rel: string; size: number; sha256: string }> = []
      for (const f of scan.pngs) {
        try {
          const bytes = readFileSync(f.abs)
          batch.push({ meta: metadataFromFile(bytes, f), rel: f.rel, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') })
        } catch (e) {
          report.skipped.push({ file: f.abs, reason: (e as Error).message })
        }
      }
      batch.sort((a, b) => Date.parse(a.meta.createdAt) - Date.parse(b.meta.createdAt))
      tx(batch)
    } finally {
      db.close()
    }
  }
  if (existsSync(layout.db)) {
    const backup = `${layout.db}.bak`
    for (const suffix of ['', '-wal', '-shm']) rmSync(backup + suffix, { force: true })
    // Fold the old WAL into the file (when it is readable) so the backup is one self-contained file.
    let old: Database.Database | undefined
    try {
      old = new Database(layout.db)
      old.pragma('wal_checkpoint(TRUNCATE)')
    } catch {
      /* unreadable: back up what is there */
    } finally {
      old?.close()
    }
    renameSync(layout.db, backup)
    for (const suffix of ['-wal', '-shm']) if (existsSync(layout.db + suffix)) renameSync(layout.db + suffix, backup + suffix)
    report.backup = backup
  }
  renameSync(fresh, layout.db)
  fsyncDir(dir)
  return report
}
