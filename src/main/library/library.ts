/**
 * The local library: every generated image as a PNG on the user's disk, with its exact settings in the
 * file (A1111 `parameters` + our `sigma-studio` JSON chunk), and an SQLite index (WAL, FTS5 over the
 * prompts) for browsing and search, fast at a million images (order.ts, queries.ts).
 *
 * Layout of a library folder:
 *
 *     library.sqlite (+ -wal, -shm)   the index; derived data, rebuildable from the PNGs
 *     images/YYYY/MM/<id>.png         the images (the truth)
 *     thumbs/<id>.webp                256-px thumbnails (derived)
 *     inputs/<sha256>.<png|jpg|webp>  init images and masks results were made from (inputs.ts)
 *     presets/<name>.json             presets (see src/main/presets)
 *     quarantine/                     damaged files of ours that reconcile moved aside
 *
 * Nothing is lost, whatever happens to the process: save() journals the file, writes the PNG to a
 * temporary sibling, fsyncs and renames it (a reader never sees a partial image under the final name),
 * then commits the row (which clears the journal record). A kill between the two leaves a complete PNG
 * without a row, which the start-up pass re-indexes from the file's own metadata (reconcile.ts).
 *
 * The modules: this class (open, save, groups, changes); open-index.ts (the SQLite file);
 * index-rows.ts (row inserts, journal); queries.ts (pages, search, counts); order.ts (order and
 * random access); reconcile.ts (start-up pass, verify); export.ts; rebuild.ts; entries.ts; types.ts.
 *
 * Synchronous better-sqlite3 underneath, so it works the same in the main thread or a worker; only
 * the steps that use sharp (encoding pixels, thumbnails) are async. Several processes may open the same
 * library (the app and the CLI): SQLite's WAL locking serialises writers.
 *
 * Under Electron, better-sqlite3 must be rebuilt for Electron's ABI (electron-rebuild / electron-builder
 * install-app-deps); under plain Node (CLI, tests) the installed build is used.
 */
import type Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { validateGenerationParams, type GenerationParams } from '../../shared/params'
import { parseChunks } from '../png/chunks'
import { embedImageMetadata, type GroupAxis, type GroupKind, type GroupRef } from '../formats/image-metadata'
import { writeFileAtomic } from '../util/atomic-write'
import { isDiskFull, LibraryError } from './errors'
import { exportSelection, type ExportResult } from './export'
import { imageMetadataFor, imageRel, newEntryId, normaliseTags, SELECT_ROW, toEntry } from './entries'
import { encodePng, fsyncDir, makeThumbnail, THUMB_EXT, writeDurable } from './files'
import { bulkInsert, journal, rowWriter, type RowInput } from './index-rows'
import { inputMime, inputsOfRow, inputRel, prepareInputs, removeUnreferenced } from './inputs'
import { openIndex, setClean } from './open-index'
import { libraryLayout } from './paths'
import { LibraryQueries } from './queries'
import { reconcile, verify, type LibraryContext, type ReconcileOptions, type ReconcileProgress } from './reconcile'
import { rebuildLibraryIndex, type RebuildReport } from './rebuild'
import type { Group, GroupCells, LibraryEntry, ListQuery, OpenOptions, Page, ReconcileReport, Row, SaveInput, SearchQuery, VerifyReport } from './types'

export { rebuildLibraryIndex, metadataFromFile, type RebuildReport } from './rebuild'
export { APP_VERSION, ftsQuery, imageMetadataFor, modelDisplayName, newEntryId } from './entries'
export type { ReconcileProgress } from './reconcile'
export type { ExportResult } from './export'
export * from './types'

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** One row of an index-only bulk insert (see Library.indexOnly). */
export interface IndexOnlyInput {
  params: GenerationParams | Record<string, unknown>
  createdAt?: Date
  modelName?: string
  modelHash?: string | null
  favourite?: boolean
  tags?: string[]
}

/** An entry's init image or mask as kept in inputs/. */
export interface InputFile {
  name: string
  file: string
  mime: 'image/png' | 'image/jpeg' | 'image/webp'
}

export interface StartOptions {
  /** Await a full reconcile pass instead of the journal pass (the CLI's `library reconcile`, tests). */
  full?: boolean
  onProgress?: (p: ReconcileProgress) => void
}

export class Library implements LibraryContext {
  readonly layout: ReturnType<typeof libraryLayout>
  private conn: Database.Database
  /** When this process opened the library: temp files older than this belong to an earlier run. */
  readonly openedAt = Date.now()
  readonly readonly: boolean
  /** False when the last process to use the library did not close it (a crash): a full pass is due. */
  readonly lastShutdownClean: boolean
  private readonly queries: LibraryQueries
  /** The full reconcile pass running in the background (see start), and how far it has got. */
  background: Promise<ReconcileReport> | null = null
  progress: ReconcileProgress | null = null

  private constructor(
    readonly dir: string,
    opts: OpenOptions
  ) {
    this.layout = libraryLayout(dir)
    this.readonly = !!opts.readonly
    const { db, lastShutdownClean } = openIndex(dir, this.layout, this.readonly)
    this.conn = db
    this.lastShutdownClean = lastShutdownClean
    this.queries = new LibraryQueries(
      () => this.conn,
      (rel) => this.abs(rel)
    )
  }

  /** Opens (creating if needed) the library in `dir`. Call reconcile() once at start. */
  static open(dir: string, opts: OpenOptions = {}): Library {
    return new Library(dir, opts)
  }

  /**
   * Opens the library and runs the start-up pass: the journal of interrupted saves and deletions, in
   * milliseconds whatever the size. After an unclean shutdown a full pass follows in the background
   * (`background`, `progress`); with `full` the full pass is awaited instead.
   */
  static async start(dir: string, opts: StartOptions = {}): Promise<{ library: Library; report: ReconcileReport }> {
    const library = Library.open(dir)
    if (opts.full) return { library, report: await library.reconcile({ full: true, onProgress: opts.onProgress }) }
    const report = await library.reconcile({ full: false })
    if (!library.lastShutdownClean) library.reconcileInBackground(opts.onProgress)
    return { library, report }
  }

  /** Starts a full pass in the background (one at a time); its failures are kept in its report promise. */
  reconcileInBackground(onProgress?: (p: ReconcileProgress) => void): Promise<ReconcileReport> {
    if (this.background) return this.background
    const run = this.reconcile({
      full: true,
      onProgress: (p) => {
        this.progress = p
        onProgress?.(p)
      }
    })
    this.background = run.finally(() => {
      this.background = null
      this.progress = null
    })
    this.background.catch(() => {})
    return this.background
  }

  db(): Database.Database {
    if (!this.conn.open) throw new LibraryError('io', `${this.dir}: the library is closed`)
    return this.conn
  }

  /** Closes the index, marking the shutdown as clean unless a full pass was still running. */
  close(): void {
    if (!this.conn.open) return
    if (!this.readonly && !this.background) {
      try {
        setClean(this.conn, true)
      } catch {
        /* busy: the next start simply runs a full pass */
      }
    }
    this.conn.close()
  }

  // ---- paths ----

  abs(rel: string): string {
    return join(this.dir, ...rel.split('/'))
  }

  thumbRel(id: string): string {
    return `thumbs/${id}${THUMB_EXT}`
  }

  // ---- groups ----

  /** Creates a gallery or sweep group; pass its id to save() for each cell. */
  createGroup(input: { kind: GroupKind; axes: GroupAxis[]; title?: string; id?: string }): Group {
    if (input.kind !== 'gallery' && input.kind !== 'sweep') throw new LibraryError('invalid', `group kind must be "gallery" or "sweep", got ${JSON.stringify(input.kind)}`)
    if (!Array.isArray(input.axes) || input.axes.length === 0) throw new LibraryError('invalid', 'a group needs at least one axis, e.g. { name: "sampler", values: ["euler", "dpmpp_2m"] }')
    input.axes.forEach((a, i) => {
      if (!isObj(a) || typeof a.name !== 'string' || !a.name || !Array.isArray(a.values) || a.values.length === 0) {
        throw new LibraryError('invalid', `axes[${i}] must be { name, values: [at least one] }`)
      }
    })
    const g: Group = { id: input.id ?? `g-${newEntryId()}`, kind: input.kind, title: input.title ?? null, axes: input.axes, createdAt: new Date().toISOString() }
    this.db().prepare('INSERT INTO groups(id, kind, title, axes_json, created_at) VALUES (?, ?, ?, ?, ?)').run(g.id, g.kind, g.title, JSON.stringify(g.axes), Date.parse(g.createdAt))
    return g
  }

  getGroup(id: string): Group | undefined {
    const r = this.db().prepare('SELECT * FROM groups WHERE id = ?').get(id) as { id: string; kind: GroupKind; title: string | null; axes_json: string; created_at: number } | undefined
    if (!r) return undefined
    return { id: r.id, kind: r.kind, title: r.title, axes: JSON.parse(r.axes_json), createdAt: new Date(r.created_at).toISOString() }
  }

  listGroups(): Group[] {
    const rows = this.db().prepare('SELECT id FROM groups ORDER BY created_at DESC').all() as Array<{ id: string }>
    return rows.map((r) => this.getGroup(r.id)!)
  }

  /** A group's cells in grid order, with their axis values. */
  groupCells(groupId: string): GroupCells {
    const group = this.getGroup(groupId)
    if (!group) throw new LibraryError('not-found', `there is no group "${groupId}" in ${this.dir}`)
    const rows = this.db().prepare(`${SELECT_ROW} WHERE i.group_id = ? ORDER BY i.cell_index, i.created_at`).all(groupId) as Row[]
    return { group, cells: rows.map((r) => ({ index: r.cell_index, values: r.cell_json ? JSON.parse(r.cell_json) : null, entry: toEntry(r, (rel) => this.abs(rel)) })) }
  }

  // ---- saving ----

  /**
   * Saves one finished image: PNG with both metadata chunks written atomically, a thumbnail, then the
   * row. Returns the entry. The image is safe on disk before the row exists; see the file comment.
   */
  async save(input: SaveInput): Promise<LibraryEntry> {
    if (this.readonly) throw new LibraryError('invalid', 'the library was opened read-only')
    let params: GenerationParams
    try {
      params = validateGenerationParams(input.params)
    } catch (e) {
      throw new LibraryError('invalid', `cannot save the image: ${(e as Error).message}`)
    }
    const createdAt = input.createdAt ?? new Date()
    const id = newEntryId(createdAt)
    let png: Buffer
    if (input.png) {
      try {
        parseChunks(input.png, 'the image to save')
      } catch (e) {
        throw new LibraryError('invalid', (e as Error).message)
      }
      png = Buffer.from(input.png)
    } else if (input.pixels) png = await encodePng(input.pixels)
    else throw new LibraryError('invalid', 'save() needs png (an encoded PNG) or pixels (raw RGB/RGBA)')

    let groupRef: GroupRef | undefined
    if (input.group) {
      const g = this.getGroup(input.group.id)
      if (!g) throw new LibraryError('not-found', `there is no group "${input.group.id}"; create it with createGroup() first`)
      groupRef = { id: g.id, kind: g.kind, axes: g.axes, cell: input.group.cell }
      if (g.title) groupRef.title = g.title
    }
    // Inputs first: a row must never name an input that is not on disk (a crash here leaves an
    // unreferenced input, which a full reconcile removes).
    const inputs = prepareInputs(this.layout.inputs, input.inputs)
    inputs.ensure()
    const meta = imageMetadataFor(params, { id, createdAt, modelName: input.modelName, modelHash: input.modelHash, group: groupRef, networks: input.networks, inputs: inputs.names })
    const finalPng = embedImageMetadata(png, meta)

    const rel = imageRel(id, createdAt)
    const abs = this.abs(rel)
    const folder = join(abs, '..')
    try {
      journal(this.db(), 'save', rel, id)
      mkdirSync(folder, { recursive: true })
      writeDurable(abs, finalPng, folder)
    } catch (e) {
      if (isDiskFull(e)) throw new LibraryError('disk-full', `disk full: the image could not be written to ${this.dir} (no space left on its disk); free some space`)
      throw new LibraryError('io', `${abs}: cannot write the image (${(e as Error).message}); check free space and permissions of the library folder`)
    }
    let thumb: string | null = null
    if (!input.noThumbnail) {
      try {
        const t = await makeThumbnail(finalPng)
        writeFileAtomic(this.abs(this.thumbRel(id)), t)
        thumb = this.thumbRel(id)
      } catch {
        thumb = null // a thumbnail is derived: reconcile makes it later
      }
    }
    const sha256 = createHash('sha256').update(finalPng).digest('hex')
    try {
      // ensure() again inside the row's transaction: a deletion in another process may have removed a
      // shared input since (it checks references under the same write lock; inputs.ts).
      this.insertRows([{ meta, file: rel, size: finalPng.length, sha256, thumb, favourite: input.favourite ?? false, tags: normaliseTags(input.tags ?? []) }], inputs.ensure)
    } catch (e) {
      if (!isDiskFull(e)) throw e
      // The index could not grow: take the image back out so that saving it again later (when there is
      // room) makes one entry, not a second file beside an orphan. (A journal record left behind names
      // a file that is gone: the next start drops it.)
      rmSync(abs, { force: true })
      if (thumb) rmSync(this.abs(thumb), { force: true })
      throw new LibraryError('disk-full', `disk full: the library index in ${this.dir} could not grow (no space left on its disk); free some space`)
    }
    return this.get(id)!
  }

  private insertRows(rows: RowInput[], before?: () => void): void {
    const db = this.db()
    const write = rowWriter(db)
    try {
      db.transaction(() => {
        before?.()
        rows.forEach(write)
      }).immediate()
    } catch (e) {
      if (isDiskFull(e)) throw e
      const what = rows.length === 1 ? `the image ${this.abs(rows[0].file)} is saved, but its index row` : `${rows.length} index rows`
      throw new LibraryError('io', `${what} could not be written (${(e as Error).message}); it will be indexed at the next start`)
    }
  }

  /**
   * Index-only bulk insert, in one transaction (in creation order): rows are recorded, but no PNG and
   * no thumbnail is written. For imports whose files are put in place separately, and for the
   * benchmark, which measures the index alone (a full reconcile would flag these rows as missing).
   * Returns the new ids.
   */
  indexOnly(inputs: IndexOnlyInput[]): string[] {
    if (this.readonly) throw new LibraryError('invalid', 'the library was opened read-only')
    const rows = inputs.map((input, i): RowInput => {
      let params: GenerationParams
      try {
        params = validateGenerationParams(input.params)
      } catch (e) {
        throw new LibraryError('invalid', `item ${i}: ${(e as Error).message}`)
      }
      const createdAt = input.createdAt ?? new Date()
      const meta = imageMetadataFor(params, { createdAt, modelName: input.modelName, modelHash: input.modelHash })
      return { meta, file: imageRel(meta.id, createdAt), size: 0, sha256: null, thumb: null, favourite: !!input.favourite, tags: normaliseTags(input.tags ?? []) }
    })
    rows.sort((a, b) => Date.parse(a.meta.createdAt) - Date.parse(b.meta.createdAt))
    try {
      bulkInsert(this.db(), rows)
    } catch (e) {
      if (isDiskFull(e)) throw new LibraryError('disk-full', `disk full: ${rows.length} index rows could not be written to ${this.dir} (no space left on its disk); free some space`)
      throw new LibraryError('io', `${rows.length} index rows could not be written (${(e as Error).message})`)
    }
    return rows.map((r) => r.meta.id)
  }

  // ---- reading (queries.ts) ----

  get(id: string): LibraryEntry | undefined {
    const r = this.db().prepare(`${SELECT_ROW} WHERE i.id = ?`).get(id) as Row | undefined
    return r ? toEntry(r, (rel) => this.abs(rel)) : undefined
  }

  /** The init image and mask an entry was made from: file names in inputs/ and absolute paths. */
  inputs(id: string): { init?: InputFile; mask?: InputFile } {
    const names = inputsOfRow(this.db(), this.seqOf(id))
    const out: { init?: InputFile; mask?: InputFile } = {}
    for (const role of ['init', 'mask'] as const) {
      const name = names[role]
      if (name) out[role] = { name, file: this.abs(inputRel(name)), mime: inputMime(name) }
    }
    return out
  }

  /** Newest first, with filters and paging (any offset is as fast as the first). */
  list(q: ListQuery = {}): Page {
    return this.queries.list(q)
  }

  /** Full-text search over prompts; see LibraryQueries.search. */
  search(text: string, q: SearchQuery = {}): Page {
    return this.queries.search(text, q)
  }

  /** Distinct models in the library, for the filter picker. */
  models(): string[] {
    return this.queries.models()
  }

  count(): number {
    return this.queries.count()
  }

  // ---- changing ----

  private seqOf(id: string): number {
    const r = this.db().prepare('SELECT seq FROM images WHERE id = ?').get(id) as { seq: number } | undefined
    if (!r) throw new LibraryError('not-found', `there is no image "${id}" in ${this.dir}`)
    return r.seq
  }

  setFavourite(id: string, favourite: boolean): void {
    this.seqOf(id)
    this.db().prepare('UPDATE images SET favourite = ? WHERE id = ?').run(favourite ? 1 : 0, id)
  }

  /** Sets the favourite flag of many images in one transaction; unknown ids are refused before any change. */
  setFavouriteMany(ids: string[], favourite: boolean): void {
    const db = this.db()
    db.transaction(() => {
      for (const id of ids) this.seqOf(id)
      const upd = db.prepare('UPDATE images SET favourite = ? WHERE id = ?')
      for (const id of ids) upd.run(favourite ? 1 : 0, id)
    })()
  }

  setTags(id: string, tags: string[]): void {
    const seq = this.seqOf(id)
    const clean = normaliseTags(tags)
    const db = this.db()
    db.transaction(() => {
      db.prepare('DELETE FROM image_tags WHERE image_seq = ?').run(seq)
      const ins = db.prepare('INSERT INTO image_tags(image_seq, tag) VALUES (?, ?)')
      for (const t of clean) ins.run(seq, t)
    })()
  }

  /**
   * Deletes an image: the deletion is journaled, its PNG renamed to "<id>.png.deleting", then the row
   * goes (with the journal record), then the files. A crash at any point leaves something the start-up
   * pass finishes (never a row without its file, never an image resurrected).
   */
  delete(id: string): void {
    const db = this.db()
    const r = db.prepare('SELECT seq, file, thumb FROM images WHERE id = ?').get(id) as { seq: number; file: string; thumb: string | null } | undefined
    if (!r) throw new LibraryError('not-found', `there is no image "${id}" in ${this.dir}`)
    const inputs = Object.values(inputsOfRow(db, r.seq))
    const abs = this.abs(r.file)
    const aside = `${abs}.deleting`
    journal(db, 'delete', r.file, id)
    if (existsSync(abs)) {
      try {
        renameSync(abs, aside)
        fsyncDir(join(abs, '..'))
      } catch (e) {
        db.prepare("DELETE FROM journal WHERE file = ? AND op = 'delete'").run(r.file)
        throw new LibraryError('io', `${abs}: cannot delete the image (${(e as Error).message})`)
      }
    }
    db.transaction(() => {
      db.prepare('DELETE FROM images WHERE id = ?').run(id)
      db.prepare("DELETE FROM journal WHERE file = ? AND op = 'delete'").run(r.file)
    })()
    rmSync(aside, { force: true })
    rmSync(this.abs(this.thumbRel(id)), { force: true })
    if (r.thumb) rmSync(this.abs(r.thumb), { force: true })
    // The row's input references went with it (ON DELETE CASCADE): an input no other entry names goes too.
    if (inputs.length) {
      try {
        removeUnreferenced(db, this.layout.inputs, inputs)
      } catch {
        /* busy: the file stays until a full reconcile removes it */
      }
    }
  }

  /** Copies the chosen images into `dir` (as <id>.png, metadata intact) with a manifest.json (export.ts). */
  exportSelection(ids: string[], dir: string): ExportResult {
    return exportSelection(ids, dir, this)
  }

  // ---- consistency (reconcile.ts) ----

  /** The full pass by default; `{ full: false }` is the journal pass the start runs. */
  async reconcile(opts: ReconcileOptions = { full: true }): Promise<ReconcileReport> {
    if (this.readonly) throw new LibraryError('invalid', 'reconcile needs the library opened for writing')
    return reconcile(this, opts)
  }

  /** Reports the state without changing anything; `deep` reads every PNG in full and checks its checksum. */
  verify(opts: { deep?: boolean } = {}): VerifyReport {
    return verify(this, opts)
  }

  /** Rebuilds the index from the PNGs alone (see rebuildLibraryIndex), then reopens it. */
  async rebuild(): Promise<RebuildReport> {
    this.close()
    try {
      return await rebuildLibraryIndex(this.dir)
    } finally {
      this.conn = openIndex(this.dir, this.layout, this.readonly).db
    }
  }
}
