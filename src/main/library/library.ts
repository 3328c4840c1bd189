/**
 * The local library: every generated image as a PNG on the user's disk, with its exact settings in the
 * file (A1111 `parameters` + our `sigma-studio` JSON chunk), and an SQLite index (WAL, FTS5 over the
 * prompts) for browsing and search.
 *
 * Layout of a library folder:
 *
 *     library.sqlite (+ -wal, -shm)   the index; derived data, rebuildable from the PNGs
 *     images/YYYY/MM/<id>.png         the images (the truth)
 *     thumbs/<id>.webp                256-px thumbnails (derived)
 *     presets/<name>.json             presets (see src/main/presets)
 *     quarantine/                     damaged or unrecognised files reconcile moved aside
 *
 * Nothing is lost, whatever happens to the process: save() writes the PNG to a temporary sibling,
 * fsyncs and renames it (a reader never sees a partial image under the final name), then commits the
 * row. A kill between the two leaves a complete PNG without a row, which reconcile() — run at start —
 * re-indexes from the file's own metadata; it also removes temporary files of dead processes, flags
 * rows whose file has gone, finishes interrupted deletions and remakes missing thumbnails.
 *
 * Synchronous better-sqlite3 underneath, so it works the same in the main thread or a worker; only
 * the steps that use sharp (encoding pixels, thumbnails) are async. Several processes may open the same
 * library (the app and the CLI): SQLite's WAL locking serialises writers.
 *
 * Under Electron, better-sqlite3 must be rebuilt for Electron's ABI (electron-rebuild / electron-builder
 * install-app-deps); under plain Node (CLI, tests) the installed build is used.
 */
import type { ExtraNetworks } from '../../shared/lora-tags'
import Database from 'better-sqlite3'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { validateGenerationParams, type GenerationParams } from '../../shared/params'
import { FormatError } from '../formats/errors'
import { parseChunks, PngError } from '../png/chunks'
import {
  embedImageMetadata,
  IMAGE_META_FORMAT,
  IMAGE_META_SCHEMA_VERSION,
  type GroupAxis,
  type GroupKind,
  type GroupRef,
  type ImageMetadata
} from '../formats/image-metadata'
import { writeFileAtomic } from '../util/atomic-write'
import { ensureFolderSync, FolderError } from '../util/folders'
import { isDiskFull, LibraryError } from './errors'
import { DELETING_FILE, OWN_ID, OWN_THUMB, encodePng, fsyncDir, makeThumbnail, processAlive, scanTree, TEMP_FILE, THUMB_EXT, writeDurable, type RawPixels, type ScannedFile } from './files'
import { LibrarySchemaError, migrate } from './migrations'
import { metadataFromFile, rebuildLibraryIndex, type RebuildReport } from './rebuild'
import { libraryLayout } from './paths'

export { rebuildLibraryIndex, metadataFromFile, type RebuildReport } from './rebuild'

export const APP_VERSION = '0.1.0'
/** Temporary files of live processes younger than this are left alone by reconcile. */
const TEMP_GRACE_MS = 24 * 3600 * 1000

export interface LibraryEntry {
  id: string
  /** ISO 8601. */
  createdAt: string
  /** Absolute path of the PNG. */
  file: string
  /** Absolute path of the thumbnail, or null when there is none yet. */
  thumb: string | null
  model: string
  modelHash: string | null
  params: GenerationParams
  favourite: boolean
  tags: string[]
  group: { id: string; cellIndex: number | null; cell: Record<string, string | number> | null } | null
  appVersion: string
  /** Set when reconcile found the file gone (ISO time it was noticed). */
  missingSince: string | null
}

export interface SaveInput {
  /** A PNG (any chunks; ours are added or replaced) … */
  png?: Uint8Array
  /** … or raw 8-bit pixels to encode. */
  pixels?: RawPixels
  params: GenerationParams | Record<string, unknown>
  /**
   * A1111-style short model hash: the first 10 hex digits of SHA-256 of the model file; for an ONNX
   * model folder, of `unet/model.onnx`. Computed by the pipeline; null when unknown.
   */
  modelHash?: string | null
  /** Model name to show and filter by; defaults to the base name of params.model. */
  modelName?: string
  /** LoRA / embedding files the image used (infotext "Lora hashes", library detail). */
  networks?: ExtraNetworks
  /** Membership of a gallery or sweep created with createGroup(). */
  group?: { id: string; cell: { index: number; values: Record<string, string | number> } }
  favourite?: boolean
  tags?: string[]
  /** For imports and tests; defaults to now. */
  createdAt?: Date
  /** Skip the thumbnail (a bulk import makes them later). */
  noThumbnail?: boolean
}

export interface ListQuery {
  offset?: number
  limit?: number
  model?: string
  sampler?: string
  schedule?: string
  favourite?: boolean
  tag?: string
  groupId?: string
  /** Inclusive bounds; Date, ISO text or ms since the epoch. */
  from?: Date | string | number
  to?: Date | string | number
  /** true: only rows whose file has gone; false: only rows with their file. Default: both. */
  missing?: boolean
}

export interface SearchQuery extends ListQuery {
  /** Also match negative prompts. */
  includeNegative?: boolean
  /** Order by FTS relevance instead of newest first. */
  order?: 'newest' | 'relevance'
}

export interface Page {
  items: LibraryEntry[]
  total: number
  offset: number
  limit: number
}

export interface Group {
  id: string
  kind: GroupKind
  title: string | null
  axes: GroupAxis[]
  createdAt: string
}

export interface GroupCells {
  group: Group
  cells: Array<{ index: number | null; values: Record<string, string | number> | null; entry: LibraryEntry }>
}

export interface ReconcileReport {
  /** Ids indexed from PNGs that had no row. */
  indexed: string[]
  /** Ids whose file has gone (newly flagged). */
  flaggedMissing: string[]
  /** Ids whose file is back (flag cleared). */
  restored: string[]
  /** Files moved to quarantine/, with the reason. */
  quarantined: Array<{ file: string; reason: string }>
  /** PNGs the library did not make and could not index: left where they are, untouched. */
  leftAlone?: Array<{ file: string; reason: string }>
  /** Temporary files of dead processes removed. */
  tempRemoved: string[]
  /** Deletions a crash interrupted, now finished. */
  deletionsCompleted: string[]
  thumbnailsMade: number
  orphanThumbnailsRemoved: number
}

export interface VerifyReport {
  ok: boolean
  rows: number
  files: number
  /** Rows whose PNG is not there. */
  missingFiles: Array<{ id: string; file: string }>
  /** Complete PNGs with no row. */
  unindexed: string[]
  /** PNGs that are truncated, damaged, or differ from what the row recorded. */
  damaged: Array<{ file: string; reason: string }>
  tempFiles: string[]
  pendingDeletions: string[]
  /** SQLite's own check ("ok" when fine). */
  integrity: string
  /** Not failures: thumbnails are derived and remade on demand. */
  missingThumbnails: number
}


interface Row {
  seq: number
  id: string
  file: string
  file_size: number
  created_at: number
  model: string
  model_hash: string | null
  sampler: string
  schedule: string
  steps: number
  cfg: number
  seed: string
  width: number
  height: number
  prompt: string
  negative_prompt: string
  params_json: string
  app_version: string
  favourite: number
  group_id: string | null
  cell_index: number | null
  cell_json: string | null
  missing_since: number | null
  thumb: string | null
  tags: string | null
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** The model name people see: the model folder's base name. */
export const modelDisplayName = (model: string): string => (model ? basename(model.replace(/[\\/]+$/, '')) : '')

/** The sigma-studio metadata for an image (also for images written outside a library, e.g. --no-library --out). */
export function imageMetadataFor(
  params: GenerationParams,
  opts: { id?: string; createdAt?: Date; modelName?: string; modelHash?: string | null; group?: GroupRef; networks?: ExtraNetworks } = {}
): ImageMetadata {
  const createdAt = opts.createdAt ?? new Date()
  const meta: ImageMetadata = {
    format: IMAGE_META_FORMAT,
    schemaVersion: IMAGE_META_SCHEMA_VERSION,
    id: opts.id ?? newEntryId(createdAt),
    params,
    modelName: opts.modelName ?? modelDisplayName(params.model),
    modelHash: opts.modelHash ?? null,
    appVersion: APP_VERSION,
    createdAt: createdAt.toISOString()
  }
  if (opts.group) meta.group = opts.group
  if (opts.networks && (opts.networks.loras?.length || opts.networks.embeddings?.length)) meta.networks = opts.networks
  return meta
}

/** A time-ordered, collision-safe id: "20261124-190152-123-a1b2c3d4". */
export function newEntryId(at: Date = new Date()): string {
  const d = at
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}-${pad(d.getUTCMilliseconds(), 3)}-${randomBytes(4).toString('hex')}`
}

function toMs(v: Date | string | number, field: string): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v)
  if (!Number.isFinite(ms)) throw new LibraryError('invalid', `${field}: ${JSON.stringify(v)} is not a date; use an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z`)
  return ms
}

function normaliseTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw new LibraryError('invalid', 'tags must be a list of words')
  const out = new Set<string>()
  for (const t of tags) {
    if (typeof t !== 'string') throw new LibraryError('invalid', `tag ${JSON.stringify(t)} is not text`)
    const s = t.trim()
    if (!s) continue
    if (s.length > 64) throw new LibraryError('invalid', `tag "${s.slice(0, 20)}…" is longer than 64 characters`)
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(s)) throw new LibraryError('invalid', 'a tag contains a control character')
    out.add(s)
  }
  return [...out]
}

/** FTS5 query from what a person typed: every word must match (prefix with a trailing *). */
export function ftsQuery(text: string): string {
  const words = text.split(/\s+/).filter(Boolean)
  const terms = words
    .map((w) => {
      const prefix = w.endsWith('*')
      const bare = (prefix ? w.slice(0, -1) : w).replace(/"/g, '""')
      if (!bare) return ''
      return `"${bare}"${prefix ? '*' : ''}`
    })
    .filter(Boolean)
  return terms.join(' ')
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export interface OpenOptions {
  /** Open the index read-only (verify); no migration is run. */
  readonly?: boolean
}

export class Library {
  readonly layout: ReturnType<typeof libraryLayout>
  private db: Database.Database
  /** When this process opened the library: temp files older than this belong to an earlier run. */
  readonly openedAt = Date.now()

  private constructor(
    readonly dir: string,
    private readonly opts: OpenOptions
  ) {
    this.layout = libraryLayout(dir)
    this.db = this.openDb()
  }

  /** Opens (creating if needed) the library in `dir`. Call reconcile() once at start. */
  static open(dir: string, opts: OpenOptions = {}): Library {
    return new Library(dir, opts)
  }

  /** Opens the library and runs the start-up reconcile pass. */
  static async start(dir: string): Promise<{ library: Library; report: ReconcileReport }> {
    const library = Library.open(dir)
    const report = await library.reconcile()
    return { library, report }
  }

  private openDb(): Database.Database {
    const { db: file } = this.layout
    if (this.opts.readonly) {
      if (!existsSync(file)) throw new LibraryError('not-found', `${file}: there is no library index here; check --library or ${'SIGMA_STUDIO_LIBRARY'}`)
    } else {
      try {
        ensureFolderSync(this.dir)
      } catch (e) {
        if (e instanceof FolderError) throw new LibraryError('io', `${e.message} (library folder; choose another with --library or the app's settings)`)
        throw e
      }
      refuseForeignFolder(this.dir, file)
      try {
        mkdirSync(this.layout.images, { recursive: true })
        mkdirSync(this.layout.thumbs, { recursive: true })
      } catch (e) {
        throw new LibraryError('io', `${this.dir}: cannot create the library folder (${(e as Error).message}); choose another with --library or the app's settings`)
      }
    }
    let db: Database.Database
    try {
      db = new Database(file, { readonly: !!this.opts.readonly, fileMustExist: !!this.opts.readonly })
    } catch (e) {
      throw new LibraryError('io', `${file}: cannot open the library index (${(e as Error).message}); \`studio library rebuild\` makes a new one from the images`)
    }
    try {
      db.pragma('busy_timeout = 10000')
      if (!this.opts.readonly) {
        db.pragma('journal_mode = WAL')
        db.pragma('synchronous = FULL')
        db.pragma('foreign_keys = ON')
        migrate(db, file)
      }
    } catch (e) {
      db.close()
      if (e instanceof LibrarySchemaError) throw new LibraryError('schema', e.message)
      throw new LibraryError('io', `${file}: the library index cannot be used (${(e as Error).message}); \`studio library rebuild\` makes a new one from the images`)
    }
    return db
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  // ---- paths ----

  private abs(rel: string): string {
    return join(this.dir, ...rel.split('/'))
  }

  private thumbRel(id: string): string {
    return `thumbs/${id}${THUMB_EXT}`
  }

  private imageRel(id: string, at: Date): string {
    return `images/${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${id}.png`
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
    this.db.prepare('INSERT INTO groups(id, kind, title, axes_json, created_at) VALUES (?, ?, ?, ?, ?)').run(g.id, g.kind, g.title, JSON.stringify(g.axes), Date.parse(g.createdAt))
    return g
  }

  getGroup(id: string): Group | undefined {
    const r = this.db.prepare('SELECT * FROM groups WHERE id = ?').get(id) as { id: string; kind: GroupKind; title: string | null; axes_json: string; created_at: number } | undefined
    if (!r) return undefined
    return { id: r.id, kind: r.kind, title: r.title, axes: JSON.parse(r.axes_json), createdAt: new Date(r.created_at).toISOString() }
  }

  listGroups(): Group[] {
    const rows = this.db.prepare('SELECT id FROM groups ORDER BY created_at DESC').all() as Array<{ id: string }>
    return rows.map((r) => this.getGroup(r.id)!)
  }

  /** A group's cells in grid order, with their axis values. */
  groupCells(groupId: string): GroupCells {
    const group = this.getGroup(groupId)
    if (!group) throw new LibraryError('not-found', `there is no group "${groupId}" in ${this.dir}`)
    const rows = this.db.prepare(`${SELECT_ROW} WHERE i.group_id = ? ORDER BY i.cell_index, i.created_at`).all(groupId) as Row[]
    return { group, cells: rows.map((r) => ({ index: r.cell_index, values: r.cell_json ? JSON.parse(r.cell_json) : null, entry: this.toEntry(r) })) }
  }

  // ---- saving ----

  /**
   * Saves one finished image: PNG with both metadata chunks written atomically, a thumbnail, then the
   * row. Returns the entry. The image is safe on disk before the row exists; see the file comment.
   */
  async save(input: SaveInput): Promise<LibraryEntry> {
    if (this.opts.readonly) throw new LibraryError('invalid', 'the library was opened read-only')
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
    const meta = imageMetadataFor(params, { id, createdAt, modelName: input.modelName, modelHash: input.modelHash, group: groupRef, networks: input.networks })
    const finalPng = embedImageMetadata(png, meta)

    const rel = this.imageRel(id, createdAt)
    const abs = this.abs(rel)
    const folder = join(abs, '..')
    try {
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
    try {
      this.insertRow(meta, rel, finalPng.length, thumb, { favourite: input.favourite ?? false, tags: normaliseTags(input.tags ?? []) })
    } catch (e) {
      if (!isDiskFull(e)) throw e
      // The index could not grow: take the image back out so that saving it again later (when there is
      // room) makes one entry, not a second file beside an orphan.
      rmSync(abs, { force: true })
      if (thumb) rmSync(this.abs(thumb), { force: true })
      throw new LibraryError('disk-full', `disk full: the library index in ${this.dir} could not grow (no space left on its disk); free some space`)
    }
    return this.get(id)!
  }

  private insertRow(meta: ImageMetadata, rel: string, size: number, thumb: string | null, user: { favourite: boolean; tags: string[] }): void {
    const p = meta.params
    const tx = this.db.transaction(() => {
      // A group rebuilt from a cell's own metadata (reconcile after a lost group row).
      if (meta.group && !this.getGroup(meta.group.id)) {
        this.db
          .prepare('INSERT OR IGNORE INTO groups(id, kind, title, axes_json, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(meta.group.id, meta.group.kind, meta.group.title ?? null, JSON.stringify(meta.group.axes), Date.parse(meta.createdAt))
      }
      // Another process's reconcile may have indexed the file between our rename and this insert.
      this.db
        .prepare(
          `INSERT INTO images (id, file, file_size, created_at, model, model_hash, sampler, schedule, steps, cfg, seed, width, height,
             prompt, negative_prompt, params_json, app_version, favourite, group_id, cell_index, cell_json, thumb)
           VALUES (@id, @file, @size, @created, @model, @hash, @sampler, @schedule, @steps, @cfg, @seed, @width, @height,
             @prompt, @neg, @params, @app, @fav, @group, @cellIndex, @cell, @thumb)
           ON CONFLICT(id) DO UPDATE SET file = excluded.file, file_size = excluded.file_size, missing_since = NULL,
             favourite = MAX(favourite, excluded.favourite), thumb = COALESCE(excluded.thumb, thumb)`
        )
        .run({
          id: meta.id,
          file: rel,
          size,
          created: Date.parse(meta.createdAt),
          model: meta.modelName,
          hash: meta.modelHash,
          sampler: p.sampler,
          schedule: p.schedule,
          steps: p.steps,
          cfg: p.cfg,
          seed: p.seed,
          width: p.width,
          height: p.height,
          prompt: p.prompt,
          neg: p.negativePrompt,
          params: JSON.stringify(p),
          app: meta.appVersion,
          fav: user.favourite ? 1 : 0,
          group: meta.group?.id ?? null,
          cellIndex: meta.group?.cell.index ?? null,
          cell: meta.group ? JSON.stringify(meta.group.cell.values) : null,
          thumb
        })
      if (user.tags.length) {
        const seq = (this.db.prepare('SELECT seq FROM images WHERE id = ?').get(meta.id) as { seq: number }).seq
        const ins = this.db.prepare('INSERT OR IGNORE INTO image_tags(image_seq, tag) VALUES (?, ?)')
        for (const t of user.tags) ins.run(seq, t)
      }
    })
    try {
      tx.immediate()
    } catch (e) {
      throw new LibraryError('io', `the image ${this.abs(rel)} is saved, but its index row could not be written (${(e as Error).message}); it will be indexed at the next start`)
    }
  }

  // ---- reading ----

  private toEntry(r: Row): LibraryEntry {
    return {
      id: r.id,
      createdAt: new Date(r.created_at).toISOString(),
      file: this.abs(r.file),
      thumb: r.thumb ? this.abs(r.thumb) : null,
      model: r.model,
      modelHash: r.model_hash,
      params: JSON.parse(r.params_json),
      favourite: r.favourite === 1,
      tags: r.tags ? (JSON.parse(r.tags) as string[]).sort() : [],
      group: r.group_id ? { id: r.group_id, cellIndex: r.cell_index, cell: r.cell_json ? JSON.parse(r.cell_json) : null } : null,
      appVersion: r.app_version,
      missingSince: r.missing_since === null ? null : new Date(r.missing_since).toISOString()
    }
  }

  get(id: string): LibraryEntry | undefined {
    const r = this.db.prepare(`${SELECT_ROW} WHERE i.id = ?`).get(id) as Row | undefined
    return r ? this.toEntry(r) : undefined
  }

  private where(q: ListQuery): { sql: string; args: Record<string, unknown> } {
    const c: string[] = []
    const args: Record<string, unknown> = {}
    if (q.model !== undefined) (c.push('i.model = @model'), (args.model = q.model))
    if (q.sampler !== undefined) (c.push('i.sampler = @sampler'), (args.sampler = q.sampler))
    if (q.schedule !== undefined) (c.push('i.schedule = @schedule'), (args.schedule = q.schedule))
    if (q.favourite !== undefined) (c.push('i.favourite = @fav'), (args.fav = q.favourite ? 1 : 0))
    if (q.groupId !== undefined) (c.push('i.group_id = @group'), (args.group = q.groupId))
    if (q.tag !== undefined) (c.push('EXISTS (SELECT 1 FROM image_tags t WHERE t.image_seq = i.seq AND t.tag = @tag)'), (args.tag = q.tag))
    if (q.from !== undefined) (c.push('i.created_at >= @from'), (args.from = toMs(q.from, 'from')))
    if (q.to !== undefined) (c.push('i.created_at <= @to'), (args.to = toMs(q.to, 'to')))
    if (q.missing !== undefined) c.push(q.missing ? 'i.missing_since IS NOT NULL' : 'i.missing_since IS NULL')
    return { sql: c.length ? c.join(' AND ') : '1', args }
  }

  private paging(q: ListQuery): { offset: number; limit: number } {
    const offset = q.offset ?? 0
    const limit = q.limit ?? 50
    if (!Number.isInteger(offset) || offset < 0) throw new LibraryError('invalid', `offset must be a whole number from 0 up, got ${offset}`)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new LibraryError('invalid', `limit must be a whole number from 1 to 10000, got ${limit}`)
    return { offset, limit }
  }

  /** Newest first, with filters and paging. */
  list(q: ListQuery = {}): Page {
    const { offset, limit } = this.paging(q)
    const w = this.where(q)
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM images i WHERE ${w.sql}`).get(w.args) as { n: number }).n
    const rows = this.db.prepare(`${SELECT_ROW} WHERE ${w.sql} ORDER BY i.created_at DESC, i.seq DESC LIMIT @limit OFFSET @offset`).all({ ...w.args, limit, offset }) as Row[]
    return { items: rows.map((r) => this.toEntry(r)), total, offset, limit }
  }

  /**
   * Full-text search over prompts (every word must match; "word*" matches a prefix), with the same
   * filters as list(). Newest first unless order is "relevance".
   */
  search(text: string, q: SearchQuery = {}): Page {
    const match = ftsQuery(text)
    if (!match) return this.list(q)
    const { offset, limit } = this.paging(q)
    const w = this.where(q)
    const expr = q.includeNegative ? match : `prompt : (${match})`
    const from = `images_fts f JOIN images i ON i.seq = f.rowid WHERE images_fts MATCH @match AND ${w.sql}`
    const args = { ...w.args, match: expr }
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM ${from}`).get(args) as { n: number }).n
    const order = q.order === 'relevance' ? 'f.rank, i.created_at DESC' : 'i.created_at DESC, i.seq DESC'
    const rows = this.db.prepare(`${SELECT_COLUMNS} FROM ${from} ORDER BY ${order} LIMIT @limit OFFSET @offset`).all({ ...args, limit, offset }) as Row[]
    return { items: rows.map((r) => this.toEntry(r)), total, offset, limit }
  }

  /** Distinct models in the library, for the filter picker. */
  models(): string[] {
    return (this.db.prepare('SELECT DISTINCT model FROM images ORDER BY model').all() as Array<{ model: string }>).map((r) => r.model)
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n
  }

  // ---- changing ----

  private seqOf(id: string): number {
    const r = this.db.prepare('SELECT seq FROM images WHERE id = ?').get(id) as { seq: number } | undefined
    if (!r) throw new LibraryError('not-found', `there is no image "${id}" in ${this.dir}`)
    return r.seq
  }

  setFavourite(id: string, favourite: boolean): void {
    this.seqOf(id)
    this.db.prepare('UPDATE images SET favourite = ? WHERE id = ?').run(favourite ? 1 : 0, id)
  }

  setTags(id: string, tags: string[]): void {
    const seq = this.seqOf(id)
    const clean = normaliseTags(tags)
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM image_tags WHERE image_seq = ?').run(seq)
      const ins = this.db.prepare('INSERT INTO image_tags(image_seq, tag) VALUES (?, ?)')
      for (const t of clean) ins.run(seq, t)
    })()
  }

  /**
   * Deletes an image: its PNG is first renamed to "<id>.png.deleting", then the row goes, then the
   * files. A crash at any point leaves something reconcile finishes (never a row without its file,
   * never an image resurrected).
   */
  delete(id: string): void {
    const r = this.db.prepare('SELECT file, thumb FROM images WHERE id = ?').get(id) as { file: string; thumb: string | null } | undefined
    if (!r) throw new LibraryError('not-found', `there is no image "${id}" in ${this.dir}`)
    const abs = this.abs(r.file)
    const aside = `${abs}.deleting`
    if (existsSync(abs)) {
      try {
        renameSync(abs, aside)
        fsyncDir(join(abs, '..'))
      } catch (e) {
        throw new LibraryError('io', `${abs}: cannot delete the image (${(e as Error).message})`)
      }
    }
    this.db.prepare('DELETE FROM images WHERE id = ?').run(id)
    rmSync(aside, { force: true })
    rmSync(this.abs(this.thumbRel(id)), { force: true })
    if (r.thumb) rmSync(this.abs(r.thumb), { force: true })
  }

  /**
   * Copies the chosen images into `dir` (as <id>.png, metadata intact) and writes manifest.json
   * describing them. Ids that are unknown or whose file is missing are listed in `skipped`.
   */
  exportSelection(ids: string[], dir: string): { files: string[]; manifest: string; skipped: Array<{ id: string; reason: string }> } {
    mkdirSync(dir, { recursive: true })
    const files: string[] = []
    const skipped: Array<{ id: string; reason: string }> = []
    const items: unknown[] = []
    for (const id of ids) {
      const e = this.get(id)
      if (!e) {
        skipped.push({ id, reason: 'no such image in the library' })
        continue
      }
      if (!existsSync(e.file)) {
        skipped.push({ id, reason: `its file ${e.file} is missing` })
        continue
      }
      const target = join(dir, `${id}.png`)
      const tmp = join(dir, `.${id}.png.${process.pid}.export.tmp`)
      copyFileSync(e.file, tmp)
      renameSync(tmp, target)
      files.push(target)
      items.push({ id, file: `${id}.png`, createdAt: e.createdAt, model: e.model, modelHash: e.modelHash, params: e.params, favourite: e.favourite, tags: e.tags, group: e.group })
    }
    const manifest = join(dir, 'manifest.json')
    const groups = [...new Set(items.map((i) => (i as { group: { id: string } | null }).group?.id).filter((g): g is string => !!g))].map((g) => this.getGroup(g)).filter(Boolean)
    writeFileAtomic(manifest, `${JSON.stringify({ format: 'sigma-studio-export', schemaVersion: 1, exportedAt: new Date().toISOString(), appVersion: APP_VERSION, items, groups }, null, 2)}\n`)
    return { files, manifest, skipped }
  }

  // ---- consistency ----

  private allRows(): Array<{ id: string; file: string; file_size: number; missing_since: number | null; thumb: string | null }> {
    return this.db.prepare('SELECT id, file, file_size, missing_since, thumb FROM images').all() as Array<{ id: string; file: string; file_size: number; missing_since: number | null; thumb: string | null }>
  }

  /** A temp file no live writer will finish: its process is gone (or it is a day old). */
  private isStaleTemp(f: ScannedFile, sinceOpen = true): boolean {
    const m = TEMP_FILE.exec(f.name)
    if (!m) return false
    const pid = Number(m[1])
    let mtime: number
    try {
      mtime = statSync(f.abs).mtimeMs
    } catch {
      return false
    }
    if (sinceOpen && mtime > this.openedAt) return false // written during this run
    if (pid === process.pid) return false
    return !processAlive(pid) || Date.now() - mtime > TEMP_GRACE_MS
  }

  private quarantine(f: ScannedFile, reason: string, report: ReconcileReport): void {
    mkdirSync(this.layout.quarantine, { recursive: true })
    const target = join(this.layout.quarantine, `${Date.now()}-${f.name}`)
    renameSync(f.abs, target)
    report.quarantined.push({ file: target, reason })
  }



  /**
   * The start-up pass: finishes interrupted deletions, removes temporary files of dead processes,
   * indexes complete PNGs that have no row, moves damaged or unrecognised PNGs to quarantine/, flags
   * rows whose file has gone (and unflags those whose file is back), remakes missing thumbnails and
   * removes orphan ones.
   */
  async reconcile(): Promise<ReconcileReport> {
    if (this.opts.readonly) throw new LibraryError('invalid', 'reconcile needs the library opened for writing')
    const report: ReconcileReport = { indexed: [], flaggedMissing: [], restored: [], quarantined: [], tempRemoved: [], deletionsCompleted: [], thumbnailsMade: 0, orphanThumbnailsRemoved: 0 }
    const scan = scanTree(this.layout.images, 'images')
    const thumbScan = scanTree(this.layout.thumbs, 'thumbs')

    for (const f of scan.deleting) {
      const id = DELETING_FILE.exec(f.name)![1]
      this.db.prepare('DELETE FROM images WHERE id = ?').run(id)
      rmSync(f.abs, { force: true })
      rmSync(this.abs(this.thumbRel(id)), { force: true })
      report.deletionsCompleted.push(id)
    }
    const presetTemps = scanTree(this.layout.presets, 'presets').temps
    for (const f of [...scan.temps, ...thumbScan.temps, ...presetTemps]) {
      if (this.isStaleTemp(f)) {
        rmSync(f.abs, { force: true })
        report.tempRemoved.push(f.rel)
      }
    }

    const rows = this.allRows()
    const byFile = new Map(rows.map((r) => [r.file, r]))
    const byId = new Map(rows.map((r) => [r.id, r]))
    for (const f of scan.pngs) {
      const row = byFile.get(f.rel)
      let size: number
      try {
        size = statSync(f.abs).size
      } catch {
        continue
      }
      if (row && row.file_size === size) continue
      let bytes: Buffer
      try {
        bytes = readFileSync(f.abs)
      } catch {
        continue
      }
      let meta: ImageMetadata
      // Ours: recorded in the index or named by our own scheme. Anything else is the user's.
      const ours = !!row || OWN_ID.test(f.name.slice(0, -'.png'.length))
      try {
        meta = metadataFromFile(bytes, f)
      } catch (e) {
        if (e instanceof PngError || e instanceof FormatError || (e as Error).name === 'ParamsError') {
          if (!ours) {
            ;(report.leftAlone ??= []).push({ file: f.abs, reason: (e as Error).message })
            continue
          }
          if (row) this.db.prepare('UPDATE images SET missing_since = COALESCE(missing_since, ?) WHERE id = ?').run(Date.now(), row.id)
          this.quarantine(f, (e as Error).message, report)
          continue
        }
        throw e
      }
      const existing = byId.get(meta.id)
      if (existing && existing.file !== f.rel && existsSync(this.abs(existing.file))) {
        // The same image twice (a copy dropped in by hand): keep the indexed one.
        if (ours) this.quarantine(f, `duplicate of ${existing.file}`, report)
        else (report.leftAlone ??= []).push({ file: f.abs, reason: `same id as ${existing.file}` })
        continue
      }
      this.insertRow(meta, f.rel, size, existsSync(this.abs(this.thumbRel(meta.id))) ? this.thumbRel(meta.id) : null, { favourite: false, tags: [] })
      if (!row) report.indexed.push(meta.id)
    }

    const now = Date.now()
    for (const r of this.allRows()) {
      const present = existsSync(this.abs(r.file))
      if (!present && r.missing_since === null) {
        this.db.prepare('UPDATE images SET missing_since = ? WHERE id = ?').run(now, r.id)
        report.flaggedMissing.push(r.id)
      } else if (present && r.missing_since !== null) {
        this.db.prepare('UPDATE images SET missing_since = NULL WHERE id = ?').run(r.id)
        report.restored.push(r.id)
      }
      const thumbRel = this.thumbRel(r.id)
      if (present && !existsSync(this.abs(thumbRel))) {
        try {
          writeFileAtomic(this.abs(thumbRel), await makeThumbnail(readFileSync(this.abs(r.file))))
          this.db.prepare('UPDATE images SET thumb = ? WHERE id = ?').run(thumbRel, r.id)
          report.thumbnailsMade++
        } catch {
          /* left for the next pass; the image itself is fine */
        }
      }
    }
    const ids = new Set(this.allRows().map((r) => r.id))
    for (const t of listThumbs(this.layout.thumbs)) {
      const id = t.name.replace(/\.(webp|png|jpg)$/, '')
      // Only our own thumbnails are removed: a file of the user's that happens to sit in thumbs/ stays.
      if (!ids.has(id) && OWN_THUMB.test(t.name)) {
        rmSync(t.abs, { force: true })
        report.orphanThumbnailsRemoved++
      }
    }
    return report
  }

  /** Reports the state without changing anything; `ok` is false when anything is inconsistent. */
  verify(): VerifyReport {
    const scan = scanTree(this.layout.images, 'images')
    const rows = this.allRows()
    const byFile = new Map(rows.map((r) => [r.file, r]))
    const rep: VerifyReport = {
      ok: true,
      rows: rows.length,
      files: scan.pngs.length,
      missingFiles: [],
      unindexed: [],
      damaged: [],
      // a temp file of a live writer (the app saving right now) is work in progress, not damage
      tempFiles: [...scan.temps, ...scanTree(this.layout.thumbs, 'thumbs').temps].filter((t) => this.isStaleTemp(t, false)).map((t) => t.rel),
      pendingDeletions: scan.deleting.map((d) => d.rel),
      integrity: 'ok',
      missingThumbnails: 0
    }
    for (const r of rows) {
      if (!existsSync(this.abs(r.file))) rep.missingFiles.push({ id: r.id, file: this.abs(r.file) })
      else if (!existsSync(this.abs(this.thumbRel(r.id)))) rep.missingThumbnails++
    }
    for (const f of scan.pngs) {
      let bytes: Buffer
      try {
        bytes = readFileSync(f.abs)
      } catch (e) {
        rep.damaged.push({ file: f.abs, reason: `cannot be read (${(e as Error).message})` })
        continue
      }
      try {
        parseChunks(bytes, f.abs)
      } catch (e) {
        rep.damaged.push({ file: f.abs, reason: (e as Error).message })
        continue
      }
      const row = byFile.get(f.rel)
      if (!row && !OWN_ID.test(f.name.slice(0, -'.png'.length))) continue // the user's file, not ours
      if (!row) rep.unindexed.push(f.abs)
      else if (row.file_size !== bytes.length) rep.damaged.push({ file: f.abs, reason: `is ${bytes.length} bytes; the index recorded ${row.file_size}` })
    }
    try {
      const res = this.db.pragma('quick_check') as Array<{ quick_check: string }>
      rep.integrity = res.map((r) => r.quick_check).join('; ')
      if (!this.opts.readonly) this.db.prepare("INSERT INTO images_fts(images_fts, rank) VALUES ('integrity-check', 1)").run()
    } catch (e) {
      rep.integrity = (e as Error).message
    }
    rep.ok = rep.missingFiles.length === 0 && rep.unindexed.length === 0 && rep.damaged.length === 0 && rep.tempFiles.length === 0 && rep.pendingDeletions.length === 0 && rep.integrity === 'ok'
    return rep
  }

  /** Rebuilds the index from the PNGs alone (see rebuildLibraryIndex), then reopens it. */
  async rebuild(): Promise<RebuildReport> {
    this.close()
    try {
      return await rebuildLibraryIndex(this.dir)
    } finally {
      this.db = this.openDb()
    }
  }
}

/** What a library folder holds of its own (anything else means the folder is someone else's). */
const LIBRARY_ENTRIES = /^(library\.sqlite(-wal|-shm|-journal|\.bak(-wal|-shm)?|\.rebuild-\d+.*)?|images|thumbs|presets|quarantine|score-optimal|exports|settings\.json|\..*\.tmp|\.sigma-studio-.*)$/

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

function listThumbs(dir: string): ScannedFile[] {
  const out: ScannedFile[] = []
  try {
    for (const name of readdirSync(dir)) if (/^[A-Za-z0-9_-]{1,64}\.(webp|jpg|png)$/.test(name)) out.push({ rel: `thumbs/${name}`, abs: join(dir, name), name })
  } catch {
    /* no thumbs folder yet */
  }
  return out
}

const SELECT_COLUMNS = `SELECT i.*, (SELECT json_group_array(tag) FROM image_tags t WHERE t.image_seq = i.seq) AS tags`
const SELECT_ROW = `${SELECT_COLUMNS} FROM images i`
