/**
 * The library's data shapes: entries, save input, queries and pages, groups, and the reports of
 * reconcile and verify. Shared by the modules of src/main/library; the contract the renderer sees is
 * src/shared/library-api.ts.
 */
import type { ExtraNetworks } from '../../shared/lora-tags'
import type { GenerationParams } from '../../shared/params'
import type { GroupAxis, GroupKind } from '../formats/image-metadata'
import type { RawPixels } from './files'
import type { ParamColumnValues } from './image-row'
import type { InputBytes } from './inputs'

export interface OpenOptions {
  /** Open the index read-only (verify); no migration is run. */
  readonly?: boolean
}

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
  /** The init image and mask the image was made from (encoded bytes), kept in inputs/ (inputs.ts). */
  inputs?: InputBytes
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
  /** Entries matching the query; an estimate when `totalExact` is false (a very common search word). */
  total: number
  totalExact: boolean
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
  /** 'journal': only the saves and deletions a crash interrupted; 'full': every file was looked at. */
  scope: 'journal' | 'full'
  /** Init images and masks no entry referenced any more (left by a crash mid-deletion), removed. */
  orphanInputsRemoved?: number
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
  /** Whether every PNG was read in full and checked against the checksum recorded at save (--deep). */
  deep: boolean
  /** Init images and masks entries reference that are missing or (deep) damaged. */
  inputProblems?: Array<{ id: string; file: string; reason: string }>
}


/**
 * A row of the images table with its tags (JSON list) as the queries select it; the parameter columns
 * (prompt, sampler, steps, …) and their types come from GenerationParams (image-row.ts).
 */
export interface Row extends ParamColumnValues {
  seq: number
  id: string
  file: string
  file_size: number
  created_at: number
  model: string
  model_hash: string | null
  params_json: string
  app_version: string
  favourite: number
  group_id: string | null
  cell_index: number | null
  cell_json: string | null
  missing_since: number | null
  thumb: string | null
  tags: string | null
  /** SHA-256 (hex) of the PNG as saved; null for rows indexed before schema 3. */
  sha256: string | null
}
