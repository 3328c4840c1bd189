/**
 * Writing rows into the index: one image (save, reconcile) or many in one transaction (bulk import,
 * benchmarks), and the journal of saves and deletions in flight.
 *
 * The journal makes the start after a crash cheap: save() records "save <file>" before it writes the
 * PNG and the row insert removes that record in the same transaction; delete() records "delete <file>"
 * before it renames the PNG aside and the row delete removes it. Whatever a kill interrupts is
 * therefore named in the journal, and the start-up pass looks at those files alone (reconcile.ts);
 * a full scan of the folder is only needed for files put there by hand, and runs on demand.
 */
import type BetterSqlite3 from 'better-sqlite3'
import type { ImageMetadata } from '../formats/image-metadata'
import { imageRowValues, insertImageSql } from './image-row'
import { inputRowWriter } from './inputs'
import { comboRowsSql } from './combos'
import { singleRowsSql } from './order'

export interface RowInput {
  meta: ImageMetadata
  /** Library-relative path of the PNG. */
  file: string
  size: number
  sha256: string | null
  thumb: string | null
  favourite: boolean
  tags: string[]
}

const INSERT_SQL = insertImageSql(
  'INSERT',
  `ON CONFLICT(id) DO UPDATE SET file = excluded.file, file_size = excluded.file_size, missing_since = NULL,
     favourite = MAX(favourite, excluded.favourite), thumb = COALESCE(excluded.thumb, thumb), sha256 = COALESCE(excluded.sha256, sha256)`
)

/** Prepared statements for inserting rows on one connection. */
export function rowWriter(db: BetterSqlite3.Database): (r: RowInput) => void {
  const hasGroup = db.prepare('SELECT 1 FROM groups WHERE id = ?')
  const insGroup = db.prepare('INSERT OR IGNORE INTO groups(id, kind, title, axes_json, created_at) VALUES (?, ?, ?, ?, ?)')
  const ins = db.prepare(INSERT_SQL)
  const seqOf = db.prepare('SELECT seq FROM images WHERE id = ?').pluck()
  const insTag = db.prepare('INSERT OR IGNORE INTO image_tags(image_seq, tag) VALUES (?, ?)')
  const unjournal = db.prepare("DELETE FROM journal WHERE file = ? AND op = 'save'")
  const writeInputs = inputRowWriter(db)
  return ({ meta, file, size, sha256, thumb, favourite, tags }) => {
    // A group rebuilt from a cell's own metadata (reconcile after a lost group row).
    if (meta.group && !hasGroup.get(meta.group.id)) insGroup.run(meta.group.id, meta.group.kind, meta.group.title ?? null, JSON.stringify(meta.group.axes), Date.parse(meta.createdAt))
    // ON CONFLICT: another process's reconcile may have indexed the file between our rename and this insert.
    ins.run(imageRowValues(meta, { file, size, sha256, thumb, favourite }))
    if (tags.length || meta.inputs) {
      const seq = seqOf.get(meta.id) as number
      for (const t of tags) insTag.run(seq, t)
      // The init image and mask the PNG's own metadata names (so a rebuilt index references them too).
      if (meta.inputs) writeInputs(seq, meta.inputs)
    }
    unjournal.run(file)
  }
}

/** The insert triggers a bulk insert replaces by one statement each (full-text index, order buckets). */
const BULK_TRIGGERS = ['images_fts_ai', 'images_order_ai', 'images_combo_ai']

/**
 * Inserts many rows in one transaction, about ten times faster than one by one: FTS5 flushes its
 * pending terms at every statement's savepoint, so a trigger per row writes a tiny segment per row
 * (and merges them); the bucket triggers upsert ten counters per row. Here the insert triggers are
 * set aside inside the transaction, the rows go in, then the full-text index and the buckets are
 * filled for the new seqs by one statement each, and the triggers are put back from their own stored
 * text. Other connections never see the triggers missing (the transaction holds the write lock).
 */
export function bulkInsert(db: BetterSqlite3.Database, rows: RowInput[]): void {
  const write = rowWriter(db)
  db.transaction(() => {
    const before = db.prepare('SELECT coalesce(max(seq), 0) FROM images').pluck().get() as number
    const seqFloor = Math.max(before, (db.prepare("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'images'").pluck().get() as number) ?? 0)
    const saved = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (${BULK_TRIGGERS.map(() => '?').join(', ')})`).all(...BULK_TRIGGERS) as Array<{ name: string; sql: string }>
    for (const t of saved) db.exec(`DROP TRIGGER ${t.name}`)
    for (const r of rows) write(r)
    const fresh = `i.seq > ${Number(seqFloor)}`
    db.exec(`INSERT INTO images_fts(rowid, prompt, negative_prompt, facets) SELECT i.seq, i.prompt, i.negative_prompt, i.facets FROM images i WHERE ${fresh}`)
    db.exec(`INSERT INTO order_buckets(facet, b, n) SELECT f, b, count(*) FROM (${singleRowsSql(fresh)} UNION ALL ${comboRowsSql(fresh)}) WHERE true GROUP BY f, b
      ON CONFLICT(facet, b) DO UPDATE SET n = n + excluded.n`)
    for (const t of saved) db.exec(t.sql)
  }).immediate()
}

/** Records a save or deletion about to touch `file` (see the file comment). */
export function journal(db: BetterSqlite3.Database, op: 'save' | 'delete', file: string, id: string): void {
  db.prepare('INSERT OR REPLACE INTO journal(file, id, op, pid, at) VALUES (?, ?, ?, ?, ?)').run(file, id, op, process.pid, Date.now())
}

export interface JournalRecord {
  file: string
  id: string
  op: 'save' | 'delete'
  pid: number
  at: number
}

export function journalRecords(db: BetterSqlite3.Database): JournalRecord[] {
  return db.prepare('SELECT file, id, op, pid, at FROM journal ORDER BY at').all() as JournalRecord[]
}
