/**
 * Keeping the index and the folder in agreement, and checking that they do.
 *
 * reconcile(ctx, { full: false }) — at every start, in milliseconds whatever the size: finishes what the
 * journal (index-rows.ts) says a crash interrupted, and nothing else.
 * reconcile(ctx, { full: true }) — on demand, or in the background after an unclean shutdown: also
 * removes temporary files of dead processes, indexes complete PNGs that have no row, moves damaged
 * PNGs of ours to quarantine/, flags rows whose file has gone (and unflags those whose file is back),
 * remakes missing thumbnails and removes orphan ones. It yields to the event loop between batches and
 * reports progress; every step is atomic on its own, so a kill mid-pass loses nothing and the next
 * pass carries on.
 *
 * Only files the library made are ever moved or removed: those recorded in the index or named by its
 * id scheme (OWN_ID); a user's PNG in the folder is reported as left alone.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { FormatError } from '../formats/errors'
import { parseChunks, PngError } from '../png/chunks'
import type { ImageMetadata } from '../formats/image-metadata'
import { writeFileAtomic } from '../util/atomic-write'
import { DELETING_FILE, OWN_ID, OWN_THUMB, makeThumbnail, processAlive, scanTree, TEMP_FILE, type ScannedFile } from './files'
import { journalRecords, rowWriter } from './index-rows'
import { checkInput, inputsOfRow, listInputFiles, removeUnreferenced } from './inputs'
import type { libraryLayout } from './paths'
import { metadataFromFile } from './rebuild'
import type { ReconcileReport, VerifyReport } from './types'

/** Temporary files of live processes younger than this are left alone by reconcile. */
const TEMP_GRACE_MS = 24 * 3600 * 1000
/**
 * An unreferenced input younger than this is left alone: a save (in this or another process) writes
 * its inputs before its row.
 */
export const INPUT_GRACE_MS = 3600 * 1000
/** Files looked at between yields to the event loop in a full pass. */
const BATCH = 500

/** What reconcile and verify need of a Library. */
export interface LibraryContext {
  readonly dir: string
  readonly layout: ReturnType<typeof libraryLayout>
  readonly readonly: boolean
  readonly openedAt: number
  db(): BetterSqlite3.Database
  abs(rel: string): string
  thumbRel(id: string): string
}

export interface ReconcileProgress {
  phase: 'journal' | 'temporary files' | 'images' | 'rows' | 'thumbnails'
  done: number
  total: number
}

export interface ReconcileOptions {
  full?: boolean
  onProgress?: (p: ReconcileProgress) => void
}

const emptyReport = (scope: ReconcileReport['scope']): ReconcileReport => ({
  scope,
  indexed: [],
  flaggedMissing: [],
  restored: [],
  quarantined: [],
  tempRemoved: [],
  deletionsCompleted: [],
  thumbnailsMade: 0,
  orphanThumbnailsRemoved: 0
})

const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r))

/** A temp file no live writer will finish: its process is gone (or it is a day old). */
export function isStaleTemp(ctx: LibraryContext, f: ScannedFile, sinceOpen = true): boolean {
  const m = TEMP_FILE.exec(f.name)
  if (!m) return false
  const pid = Number(m[1])
  let mtime: number
  try {
    mtime = statSync(f.abs).mtimeMs
  } catch {
    return false
  }
  if (sinceOpen && mtime > ctx.openedAt) return false // written during this run
  if (pid === process.pid) return false
  return !processAlive(pid) || Date.now() - mtime > TEMP_GRACE_MS
}

function quarantine(ctx: LibraryContext, f: ScannedFile, reason: string, report: ReconcileReport): void {
  mkdirSync(ctx.layout.quarantine, { recursive: true })
  const target = join(ctx.layout.quarantine, `${Date.now()}-${f.name}`)
  renameSync(f.abs, target)
  report.quarantined.push({ file: target, reason })
}

/** Finishes a deletion: the row, the PNG (in place or renamed aside) and the thumbnail go. */
function finishDeletion(ctx: LibraryContext, id: string, rel: string | null): void {
  const db = ctx.db()
  const seq = db.prepare('SELECT seq FROM images WHERE id = ?').pluck().get(id) as number | undefined
  const inputs = seq === undefined ? [] : Object.values(inputsOfRow(db, seq))
  db.transaction(() => {
    db.prepare('DELETE FROM images WHERE id = ?').run(id)
    db.prepare("DELETE FROM journal WHERE id = ? AND op = 'delete'").run(id)
  })()
  if (rel) {
    rmSync(`${ctx.abs(rel)}.deleting`, { force: true })
    rmSync(ctx.abs(rel), { force: true })
  }
  rmSync(ctx.abs(ctx.thumbRel(id)), { force: true })
  if (inputs.length) removeUnreferenced(db, ctx.layout.inputs, inputs)
}

/**
 * Indexes one PNG found on disk (a save a crash interrupted, or a file found by the full scan); moves
 * a damaged file of ours to quarantine/ and leaves anything else alone.
 */
function indexFile(
  ctx: LibraryContext,
  f: ScannedFile,
  row: { id: string; file: string; file_size: number } | undefined,
  report: ReconcileReport,
  write: ReturnType<typeof rowWriter>
): void {
  let bytes: Buffer
  try {
    bytes = readFileSync(f.abs)
  } catch {
    return
  }
  if (row && row.file_size === bytes.length) return
  const db = ctx.db()
  // Ours: recorded in the index or named by our own scheme. Anything else is the user's.
  const ours = !!row || OWN_ID.test(f.name.slice(0, -'.png'.length))
  let meta: ImageMetadata
  try {
    meta = metadataFromFile(bytes, f)
  } catch (e) {
    if (e instanceof PngError || e instanceof FormatError || (e as Error).name === 'ParamsError') {
      if (!ours) {
        ;(report.leftAlone ??= []).push({ file: f.abs, reason: (e as Error).message })
        return
      }
      if (row) db.prepare('UPDATE images SET missing_since = COALESCE(missing_since, ?) WHERE id = ?').run(Date.now(), row.id)
      db.prepare('DELETE FROM journal WHERE file = ?').run(f.rel)
      quarantine(ctx, f, (e as Error).message, report)
      return
    }
    throw e
  }
  const existing = db.prepare('SELECT file FROM images WHERE id = ?').get(meta.id) as { file: string } | undefined
  if (existing && existing.file !== f.rel && existsSync(ctx.abs(existing.file))) {
    // The same image twice (a copy dropped in by hand): keep the indexed one.
    if (ours) quarantine(ctx, f, `duplicate of ${existing.file}`, report)
    else (report.leftAlone ??= []).push({ file: f.abs, reason: `same id as ${existing.file}` })
    return
  }
  const thumb = existsSync(ctx.abs(ctx.thumbRel(meta.id))) ? ctx.thumbRel(meta.id) : null
  db.transaction(() => write({ meta, file: f.rel, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), thumb, favourite: false, tags: [] })).immediate()
  if (!row) report.indexed.push(meta.id)
}

/** The journal pass: only the saves and deletions a crash interrupted. */
function replayJournal(ctx: LibraryContext, report: ReconcileReport, write: ReturnType<typeof rowWriter>): void {
  const db = ctx.db()
  for (const j of journalRecords(db)) {
    // Another process (the CLI while the app runs) may be saving right now: its record is not ours to finish.
    if (j.pid !== process.pid && processAlive(j.pid) && Date.now() - j.at < TEMP_GRACE_MS) continue
    if (j.op === 'delete') {
      finishDeletion(ctx, j.id, j.file)
      report.deletionsCompleted.push(j.id)
      continue
    }
    const abs = ctx.abs(j.file)
    const row = db.prepare('SELECT id, file, file_size FROM images WHERE file = ?').get(j.file) as { id: string; file: string; file_size: number } | undefined
    if (existsSync(abs)) indexFile(ctx, { rel: j.file, abs, name: basename(abs) }, row, report, write)
    db.prepare("DELETE FROM journal WHERE file = ? AND op = 'save'").run(j.file)
    // The interrupted writer's temporary sibling, if the kill came before its rename.
    const folder = dirname(abs)
    let names: string[] = []
    try {
      names = readdirSync(folder).filter((n) => n.startsWith(`.${basename(abs)}.${j.pid}.`))
    } catch {
      /* folder never made */
    }
    for (const n of names) {
      const f = { rel: `${dirname(j.file)}/${n}`, abs: join(folder, n), name: n }
      if (isStaleTemp(ctx, f)) {
        rmSync(f.abs, { force: true })
        report.tempRemoved.push(f.rel)
      }
    }
  }
}

export async function reconcile(ctx: LibraryContext, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
  const report = emptyReport(opts.full ? 'full' : 'journal')
  const db = ctx.db()
  const write = rowWriter(db)
  const progress = opts.onProgress ?? (() => {})
  progress({ phase: 'journal', done: 0, total: 1 })
  replayJournal(ctx, report, write)
  progress({ phase: 'journal', done: 1, total: 1 })
  if (!opts.full) return report

  const scan = scanTree(ctx.layout.images, 'images')
  for (const f of scan.deleting) {
    const id = DELETING_FILE.exec(f.name)![1]
    finishDeletion(ctx, id, null)
    rmSync(f.abs, { force: true })
    report.deletionsCompleted.push(id)
  }
  const temps = [...scan.temps, ...scanTree(ctx.layout.thumbs, 'thumbs').temps, ...scanTree(ctx.layout.presets, 'presets').temps, ...scanTree(ctx.layout.inputs, 'inputs').temps]
  progress({ phase: 'temporary files', done: 0, total: temps.length })
  for (const f of temps) {
    if (isStaleTemp(ctx, f)) {
      rmSync(f.abs, { force: true })
      report.tempRemoved.push(f.rel)
    }
  }

  const byFile = db.prepare('SELECT id, file, file_size FROM images WHERE file = ?')
  for (let i = 0; i < scan.pngs.length; i++) {
    const f = scan.pngs[i]
    const row = byFile.get(f.rel) as { id: string; file: string; file_size: number } | undefined
    let size: number
    try {
      size = statSync(f.abs).size
    } catch {
      continue
    }
    if (!row || row.file_size !== size) indexFile(ctx, f, row, report, write)
    if (i % BATCH === BATCH - 1) {
      progress({ phase: 'images', done: i + 1, total: scan.pngs.length })
      await yieldNow()
    }
  }

  // Rows in batches by seq, so a million rows are never all in memory and the service stays responsive.
  const total = (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n
  const batch = db.prepare('SELECT seq, id, file, missing_since FROM images WHERE seq > ? ORDER BY seq LIMIT ?')
  let after = 0
  let done = 0
  const now = Date.now()
  for (;;) {
    const rows = batch.all(after, BATCH) as Array<{ seq: number; id: string; file: string; missing_since: number | null }>
    if (rows.length === 0) break
    after = rows[rows.length - 1].seq
    for (const r of rows) {
      const present = existsSync(ctx.abs(r.file))
      if (!present && r.missing_since === null) {
        db.prepare('UPDATE images SET missing_since = ? WHERE id = ?').run(now, r.id)
        report.flaggedMissing.push(r.id)
      } else if (present && r.missing_since !== null) {
        db.prepare('UPDATE images SET missing_since = NULL WHERE id = ?').run(r.id)
        report.restored.push(r.id)
      }
      const thumbRel = ctx.thumbRel(r.id)
      if (present && !existsSync(ctx.abs(thumbRel))) {
        try {
          writeFileAtomic(ctx.abs(thumbRel), await makeThumbnail(readFileSync(ctx.abs(r.file))))
          db.prepare('UPDATE images SET thumb = ? WHERE id = ?').run(thumbRel, r.id)
          report.thumbnailsMade++
        } catch {
          /* left for the next pass; the image itself is fine */
        }
      }
    }
    done += rows.length
    progress({ phase: 'rows', done, total })
    await yieldNow()
  }

  const thumbs = listThumbs(ctx.layout.thumbs)
  const hasId = db.prepare('SELECT 1 FROM images WHERE id = ?').pluck()
  for (let i = 0; i < thumbs.length; i++) {
    const t = thumbs[i]
    const id = t.name.replace(/\.(webp|png|jpg)$/, '')
    // Only our own thumbnails are removed: a file of the user's that happens to sit in thumbs/ stays.
    if (OWN_THUMB.test(t.name) && !hasId.get(id)) {
      rmSync(t.abs, { force: true })
      report.orphanThumbnailsRemoved++
    }
    if (i % BATCH === BATCH - 1) {
      progress({ phase: 'thumbnails', done: i + 1, total: thumbs.length })
      await yieldNow()
    }
  }

  // Inputs no entry names (a crash between a row's deletion and its input's), older than a save in flight.
  const names = listInputFiles(ctx.layout.inputs)
  for (let i = 0; i < names.length; i += BATCH) {
    const removed = removeUnreferenced(db, ctx.layout.inputs, names.slice(i, i + BATCH), Math.min(ctx.openedAt, Date.now() - INPUT_GRACE_MS))
    if (removed.length) report.orphanInputsRemoved = (report.orphanInputsRemoved ?? 0) + removed.length
    await yieldNow()
  }
  return report
}

/**
 * Reports the state without changing anything; `ok` is false when anything is inconsistent. Checks
 * each file's size against the row; `deep` also reads every PNG in full, parses its chunks and compares
 * its SHA-256 with the one recorded at save.
 */
export function verify(ctx: LibraryContext, opts: { deep?: boolean } = {}): VerifyReport {
  const db = ctx.db()
  const scan = scanTree(ctx.layout.images, 'images')
  const rep: VerifyReport = {
    ok: true,
    rows: 0,
    files: scan.pngs.length,
    missingFiles: [],
    unindexed: [],
    damaged: [],
    // a temp file of a live writer (the app saving right now) is work in progress, not damage
    tempFiles: [...scan.temps, ...scanTree(ctx.layout.thumbs, 'thumbs').temps, ...scanTree(ctx.layout.inputs, 'inputs').temps].filter((t) => isStaleTemp(ctx, t, false)).map((t) => t.rel),
    pendingDeletions: scan.deleting.map((d) => d.rel),
    integrity: 'ok',
    missingThumbnails: 0,
    deep: !!opts.deep
  }
  const files = new Set<string>()
  for (const r of db.prepare('SELECT id, file, file_size, sha256 FROM images').iterate() as IterableIterator<{ id: string; file: string; file_size: number; sha256: string | null }>) {
    rep.rows++
    files.add(r.file)
    const abs = ctx.abs(r.file)
    let size: number
    try {
      size = statSync(abs).size
    } catch {
      rep.missingFiles.push({ id: r.id, file: abs })
      continue
    }
    if (!existsSync(ctx.abs(ctx.thumbRel(r.id)))) rep.missingThumbnails++
    if (size !== r.file_size) {
      rep.damaged.push({ file: abs, reason: `is ${size} bytes; the index recorded ${r.file_size}` })
      continue
    }
    if (!opts.deep) continue
    let bytes: Buffer
    try {
      bytes = readFileSync(abs)
    } catch (e) {
      rep.damaged.push({ file: abs, reason: `cannot be read (${(e as Error).message})` })
      continue
    }
    try {
      parseChunks(bytes, abs)
    } catch (e) {
      rep.damaged.push({ file: abs, reason: (e as Error).message })
      continue
    }
    if (r.sha256 && createHash('sha256').update(bytes).digest('hex') !== r.sha256) rep.damaged.push({ file: abs, reason: 'its bytes differ from those saved (SHA-256 mismatch)' })
  }
  // Each input once, however many entries share it (a sweep over one init image).
  const inputProblems: NonNullable<VerifyReport['inputProblems']> = []
  const checked = new Map<string, string | null>()
  for (const r of db.prepare('SELECT i.id, n.name FROM image_inputs n JOIN images i ON i.seq = n.image_seq').iterate() as IterableIterator<{ id: string; name: string }>) {
    if (!checked.has(r.name)) checked.set(r.name, checkInput(ctx.layout.inputs, r.name, !!opts.deep))
    const reason = checked.get(r.name)
    if (reason) inputProblems.push({ id: r.id, file: join(ctx.layout.inputs, r.name), reason })
  }
  if (inputProblems.length) rep.inputProblems = inputProblems
  for (const f of scan.pngs) {
    if (files.has(f.rel)) continue
    if (!OWN_ID.test(f.name.slice(0, -'.png'.length))) continue // the user's file, not ours
    rep.unindexed.push(f.abs)
  }
  try {
    const res = db.pragma('quick_check') as Array<{ quick_check: string }>
    rep.integrity = res.map((r) => r.quick_check).join('; ')
    if (!ctx.readonly) db.prepare("INSERT INTO images_fts(images_fts, rank) VALUES ('integrity-check', 1)").run()
  } catch (e) {
    rep.integrity = (e as Error).message
  }
  rep.ok = rep.missingFiles.length === 0 && rep.unindexed.length === 0 && rep.damaged.length === 0 && rep.tempFiles.length === 0 && rep.pendingDeletions.length === 0 && inputProblems.length === 0 && rep.integrity === 'ok'
  return rep
}

function listThumbs(dir: string): ScannedFile[] {
  const out: ScannedFile[] = []
  try {
    for (const name of readdirSync(dir)) if (/^[A-Za-z0-9_-]{1,64}\.(webp|jpg|png)$/.test(name)) out.push({ rel: `thumbs/${name}`, abs: join(dir, name), name })
  } catch {
    /* no thumbs folder yet */
  }
  return out
}
