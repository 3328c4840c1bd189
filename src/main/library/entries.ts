/**
 * Entry ids, the metadata written into each PNG, tag and search-text normalisation, and the mapping of
 * an index row to a LibraryEntry.
 */
import { basename } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { ExtraNetworks } from '../../shared/lora-tags'
import type { GenerationParams } from '../../shared/params'
import { IMAGE_META_FORMAT, IMAGE_META_SCHEMA_VERSION, type GroupRef, type ImageInputs, type ImageMetadata } from '../formats/image-metadata'
import { LibraryError } from './errors'
import { rowParams } from './image-row'
import type { LibraryEntry, Row } from './types'

export const APP_VERSION = '0.1.0'

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** The model name people see: the model folder's base name. */
export const modelDisplayName = (model: string): string => (model ? basename(model.replace(/[\\/]+$/, '')) : '')

/** A time-ordered, collision-safe id: "20261124-190152-123-a1b2c3d4". */
export function newEntryId(at: Date = new Date()): string {
  const d = at
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}-${pad(d.getUTCMilliseconds(), 3)}-${randomBytes(4).toString('hex')}`
}

/** images/YYYY/MM/<id>.png, relative to the library folder. */
export const imageRel = (id: string, at: Date): string => `images/${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${id}.png`

/** The sigma-studio metadata for an image (also for images written outside a library, e.g. --no-library --out). */
export function imageMetadataFor(
  params: GenerationParams,
  opts: { id?: string; createdAt?: Date; modelName?: string; modelHash?: string | null; group?: GroupRef; networks?: ExtraNetworks; inputs?: ImageInputs } = {}
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
  if (opts.inputs && (opts.inputs.init || opts.inputs.mask)) meta.inputs = opts.inputs
  return meta
}

export function toMs(v: Date | string | number, field: string): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v)
  if (!Number.isFinite(ms)) throw new LibraryError('invalid', `${field}: ${JSON.stringify(v)} is not a date; use an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z`)
  return ms
}

export function normaliseTags(tags: unknown): string[] {
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

/**
 * FTS5 query from what a person typed: every word must match (prefix with a trailing *). `expand` may
 * replace a prefix word by an equivalent query (queries.ts: the few whole words it stands for).
 */
export function ftsQuery(text: string, expand?: (prefix: string) => string | null): string {
  const words = text.split(/\s+/).filter(Boolean)
  const terms = words
    .map((w) => {
      const prefix = w.endsWith('*')
      const bare = (prefix ? w.slice(0, -1) : w).replace(/"/g, '""')
      if (!bare) return ''
      return (prefix && expand?.(bare)) || `"${bare}"${prefix ? '*' : ''}`
    })
    .filter(Boolean)
  // Explicit AND: FTS5 allows the implicit one only between phrases, not beside a (… OR …) group.
  return terms.join(' AND ')
}

/** The entry for a row; `abs` turns the row's library-relative paths into absolute ones. */
export function toEntry(r: Row, abs: (rel: string) => string): LibraryEntry {
  return {
    id: r.id,
    createdAt: new Date(r.created_at).toISOString(),
    file: abs(r.file),
    thumb: r.thumb ? abs(r.thumb) : null,
    model: r.model,
    modelHash: r.model_hash,
    params: rowParams(r.params_json),
    favourite: r.favourite === 1,
    tags: r.tags ? (JSON.parse(r.tags) as string[]).sort() : [],
    group: r.group_id ? { id: r.group_id, cellIndex: r.cell_index, cell: r.cell_json ? JSON.parse(r.cell_json) : null } : null,
    appVersion: r.app_version,
    missingSince: r.missing_since === null ? null : new Date(r.missing_since).toISOString()
  }
}

export const SELECT_COLUMNS = `SELECT i.*, (SELECT json_group_array(tag) FROM image_tags t WHERE t.image_seq = i.seq) AS tags`
export const SELECT_ROW = `${SELECT_COLUMNS} FROM images i`
