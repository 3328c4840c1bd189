/**
 * The library, preset and settings calls of the contract: their request and result shapes and their
 * runtime validators. Merged into `Invoke` by src/shared/api.ts (which re-exports everything here, so
 * callers import from './api' as for any other call) and into `VALIDATORS` by api-validators.ts. This
 * module imports neither, so there is no import circle.
 */
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from './catalogue'
import { LIMITS, type GenerationParams } from './params'
import { generationParams, id, obj, RequestError } from './validate'
import type { ExtraNetworks } from './lora-tags'
import type { Img2ImgPresetSettings } from './inpaint'


/** A page of the library: newest first; `text` searches the prompts (every word must match; "word*" = prefix). */
export interface LibraryQuery {
  offset?: number
  /** 1..MAX_LIBRARY_PAGE; default 60. */
  limit?: number
  text?: string
  model?: string
  sampler?: string
  schedule?: string
  /** true = favourites only. */
  favourite?: boolean
  /** Inclusive bounds as ISO dates or times ("2026-11-24" for `to` means the whole of that day, UTC). */
  from?: string
  to?: string
}
export const MAX_LIBRARY_PAGE = 200
/** Images one export call may copy. */
export const MAX_EXPORT_IDS = 10_000

/** One library image as the renderer sees it (no file paths except in LibraryDetail). */
export interface LibraryItem {
  id: string
  /** ISO 8601. */
  createdAt: string
  model: string
  modelHash: string | null
  params: GenerationParams
  favourite: boolean
  tags: string[]
  /** Membership of a gallery or sweep, with this cell's axis values. */
  group: { id: string; cellIndex: number | null; cell: Record<string, string | number> | null } | null
  /** The PNG has gone from disk (found by the start-up check); only its row is left. */
  missing: boolean
}

/** The library's background reconcile pass: while it runs (phase, done of total), then once `running: false`. */
export interface LibraryReconcileEvent {
  running: boolean
  /** 'journal' | 'temporary files' | 'images' | 'rows' | 'thumbnails', or null when not known / over. */
  phase: string | null
  done: number
  total: number
}

export interface LibraryPage {
  items: LibraryItem[]
  /** Entries matching; an estimate when totalExact is false (a search for a very common word). */
  total: number
  totalExact: boolean
  offset: number
  limit: number
}

export interface LibraryDetail {
  entry: LibraryItem
  /** Where the PNG is on the studio's disk. */
  file: string
  /** The A1111 `parameters` text the PNG carries (null when the file is missing or has none). */
  infotext: string | null
  /** Which of the init image and mask it was made from the library keeps (fetch them with studio:library:input). */
  inputs: { init: boolean; mask: boolean }
  /** LoRA and embedding files it was made with (name, A1111 short hash), from the PNG's metadata. */
  networks?: ExtraNetworks
}

/** An input an image was made from: its img2img init image or its inpainting mask. */
export type LibraryInputRole = 'init' | 'mask'

/** Generation parameters a preset may set (never the model or an img2img input: those are per machine). */
export type PresetParamsDoc = Partial<Omit<GenerationParams, 'model' | 'img2img'>>

/** A preset as stored (our versioned JSON; see src/main/presets/schema.ts). */
export interface PresetDoc {
  format: 'sigma-studio-preset'
  schemaVersion: number
  name: string
  /** The version of the parameters' shape (src/shared/params-version.ts). */
  paramsVersion: number
  params: PresetParamsDoc
  createdAt: string
  notes?: string
  /** Denoising strength and inpainting options, without the images (schema 2). */
  img2img?: Img2ImgPresetSettings
}

export type PresetExportFormat = 'json' | 'a1111' | 'comfy'
export const PRESET_EXPORT_FORMATS: readonly PresetExportFormat[] = ['json', 'a1111', 'comfy']
/** What to do when an imported or saved preset's name is taken: refuse, keep both ("Name (2)"), or replace. */
export type PresetConflictMode = 'error' | 'rename' | 'overwrite'

/** An exported preset file, for the renderer to offer as a download. */
export interface PresetFile {
  filename: string
  mime: string
  text: string
  /** Settings the target format cannot carry, said in words. */
  warnings: string[]
}

/** One thing wrong in an imported file: the field path inside it (null = the file as a whole) and why. */
export interface PresetProblem {
  field: string | null
  message: string
}

export interface PresetImportRequest {
  /** Our JSON (a preset or a bundle) or A1111 infotext … */
  text?: string
  /** … or a file's bytes (JSON, infotext, or a PNG carrying settings). Exactly one of the two. */
  bytes?: Uint8Array
  /** The file's name, for messages and as the preset name of infotext/PNG imports. */
  filename?: string
  /** Name for a preset read from infotext or a PNG (they carry none). */
  name?: string
  mode?: PresetConflictMode
}

export interface PresetImportResult {
  imported: Array<{ name: string; renamedFrom?: string; overwrote?: boolean }>
  /** Names already taken (mode 'error'); nothing was imported when this is not empty. */
  conflicts: Array<{ name: string; existing: string }>
  warnings: string[]
  /** Why the file cannot be imported, field by field; nothing was imported when this is not empty. */
  problems: PresetProblem[]
}

/** A file or text to read settings from without saving a preset (the Generate view's drop and paste). */
export type SettingsReadRequest = Pick<PresetImportRequest, 'text' | 'bytes' | 'filename'>

/** The settings a file or text holds, read by the same code as a preset import. */
export interface SettingsReadResult {
  /** Only what the source sets (never the model or an init image); lay it over the form. */
  params: PresetParamsDoc
  /** The format it was read as: 'preset-json', 'sigma-png', 'a1111', 'comfy-api', 'invokeai', … */
  format: string
  /** The model the source names, when it names one (the form keeps its own model). */
  model: { name?: string; hash?: string | null } | null
  /** What was read but not carried over, one sentence each (the warnings a preset import shows). */
  warnings: string[]
}

/** Where the library folder in use came from. */
export type LibrarySource = 'option' | 'env' | 'setting' | 'default' | 'off'

export interface SettingsState {
  /** The library folder in use; null = the library is off in this run (results in memory only). */
  libraryDir: string | null
  librarySource: LibrarySource
  /** The folder the settings file holds (null = none chosen). */
  savedLibraryDir: string | null
  defaultLibraryDir: string
  /** A command-line option or environment variable that wins over the setting at start, when one is in force. */
  override: { kind: 'option' | 'env'; name: string; dir: string } | null
  /** Where settings are saved; null = this run does not save settings. */
  settingsFile: string | null
}

const MAX_PATH_CHARS = 4096
const MAX_IMPORT_TEXT = 1 << 20
const MAX_IMPORT_BYTES = 32 << 20

function optString(v: unknown, field: string, max: number): string | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw new RequestError(field, `must be text, got ${JSON.stringify(v)}`)
  if (v.length > max) throw new RequestError(field, `is ${v.length} characters long; the limit is ${max}`)
  return v
}

function reqString(v: unknown, field: string, max: number, what: string): string {
  const s = optString(v, field, max)
  if (s === undefined || s.trim() === '') throw new RequestError(field, `is missing; give ${what}`)
  return s
}

function optBool(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'boolean') throw new RequestError(field, `must be true or false, got ${JSON.stringify(v)}`)
  return v
}

function optInt(v: unknown, field: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new RequestError(field, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`)
  return v
}

function optDate(v: unknown, field: string): string | undefined {
  const s = optString(v, field, 64)
  if (s === undefined || s === '') return undefined
  if (!Number.isFinite(Date.parse(s))) throw new RequestError(field, `${JSON.stringify(s)} is not a date; use an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z`)
  return s
}

export function validateLibraryQuery(raw: unknown): LibraryQuery {
  const o = obj(raw, '(request)', ['offset', 'limit', 'text', 'model', 'sampler', 'schedule', 'favourite', 'from', 'to'])
  const q: LibraryQuery = {}
  const offset = optInt(o.offset, 'offset', 0, 1_000_000_000)
  if (offset !== undefined) q.offset = offset
  const limit = optInt(o.limit, 'limit', 1, MAX_LIBRARY_PAGE)
  if (limit !== undefined) q.limit = limit
  const text = optString(o.text, 'text', LIMITS.maxPromptChars)
  if (text !== undefined && text.trim() !== '') q.text = text
  const model = optString(o.model, 'model', MAX_PATH_CHARS)
  if (model) q.model = model
  const sampler = optString(o.sampler, 'sampler', 64)
  if (sampler) {
    if (!SAMPLER_BY_ID.has(sampler)) throw new RequestError('sampler', `unknown sampler ${JSON.stringify(sampler)}; pick one from the list`)
    q.sampler = sampler
  }
  const schedule = optString(o.schedule, 'schedule', 64)
  if (schedule) {
    if (!SCHEDULE_BY_ID.has(schedule)) throw new RequestError('schedule', `unknown schedule ${JSON.stringify(schedule)}; pick one from the list`)
    q.schedule = schedule
  }
  const favourite = optBool(o.favourite, 'favourite')
  if (favourite !== undefined) q.favourite = favourite
  const from = optDate(o.from, 'from')
  if (from !== undefined) q.from = from
  const to = optDate(o.to, 'to')
  if (to !== undefined) q.to = to
  if (from !== undefined && to !== undefined && Date.parse(from) > Date.parse(to)) throw new RequestError('to', 'is before "from"; swap the two dates')
  return q
}

const presetName = (v: unknown, field = 'name'): string => reqString(v, field, 256, 'the preset a name')

function conflictMode(v: unknown): PresetConflictMode {
  if (v === undefined) return 'error'
  if (v !== 'error' && v !== 'rename' && v !== 'overwrite') throw new RequestError('mode', `must be error, rename or overwrite, got ${JSON.stringify(v)}`)
  return v
}

export function validatePresetImport(raw: unknown): PresetImportRequest {
  const o = obj(raw, '(request)', ['text', 'bytes', 'filename', 'name', 'mode'])
  const r: PresetImportRequest = { mode: conflictMode(o.mode) }
  if ((o.text === undefined) === (o.bytes === undefined)) throw new RequestError('text', 'give either the text to import or a file (bytes), not both or neither')
  if (o.text !== undefined) {
    const text = optString(o.text, 'text', MAX_IMPORT_TEXT)!
    if (text.trim() === '') throw new RequestError('text', 'is empty; paste a preset (JSON) or A1111 infotext')
    r.text = text
  } else {
    if (!(o.bytes instanceof Uint8Array)) throw new RequestError('bytes', 'must be the bytes of a file')
    if (o.bytes.length === 0) throw new RequestError('bytes', 'the file is empty; choose another')
    if (o.bytes.length > MAX_IMPORT_BYTES) throw new RequestError('bytes', `the file is ${o.bytes.length} bytes; the limit is ${MAX_IMPORT_BYTES >> 20} MiB`)
    r.bytes = o.bytes
  }
  const filename = optString(o.filename, 'filename', 255)
  if (filename) r.filename = filename
  const name = optString(o.name, 'name', 256)
  if (name !== undefined && name !== '') r.name = name
  return r
}

export function validateSettingsRead(raw: unknown): SettingsReadRequest {
  const o = obj(raw, '(request)', ['text', 'bytes', 'filename'])
  const { text, bytes, filename } = validatePresetImport(o)
  return { ...(text !== undefined ? { text } : {}), ...(bytes !== undefined ? { bytes } : {}), ...(filename ? { filename } : {}) }
}

export function validatePresetExport(raw: unknown): { name: string | null; format: PresetExportFormat; model?: string } {
  const o = obj(raw, '(request)', ['name', 'format', 'model'])
  const format = o.format ?? 'json'
  if (typeof format !== 'string' || !(PRESET_EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new RequestError('format', `must be json (ours), a1111 (infotext) or comfy (ComfyUI API workflow), got ${JSON.stringify(format)}`)
  }
  const name = o.name === null || o.name === undefined ? null : presetName(o.name)
  if (name === null && format !== 'json') throw new RequestError('format', 'all presets export together only as our JSON bundle; export them one at a time for A1111 or ComfyUI')
  const model = optString(o.model, 'model', MAX_PATH_CHARS)
  return { name, format: format as PresetExportFormat, ...(model ? { model } : {}) }
}

/** The error field of a settings:set that needs the user's yes to make a new library. */
export const CONFIRM_NEW_LIBRARY_FIELD = 'libraryDir.create'

export function validateSettingsSet(raw: unknown): { libraryDir: string; create?: boolean } {
  const o = obj(raw, '(request)', ['libraryDir', 'create'])
  const dir = reqString(o.libraryDir, 'libraryDir', MAX_PATH_CHARS, 'the full path of a folder')
  if (dir.includes('\u0000')) throw new RequestError('libraryDir', 'contains a NUL character; type a real folder path')
  if (o.create !== undefined && typeof o.create !== 'boolean') throw new RequestError('create', 'must be true or false')
  return { libraryDir: dir.trim(), ...(o.create ? { create: true } : {}) }
}

/** The validators of these calls (merged into VALIDATORS in api.ts). */
export function libraryValidators() {
  return {
  'studio:library:list': validateLibraryQuery,
  'studio:library:models': (raw: unknown) => (obj(raw, '(request)', []), {}),
  'studio:library:get': (raw: unknown) => ({ id: id(obj(raw, '(request)', ['id']).id, 'id') }),
  'studio:library:thumb': (raw: unknown) => ({ id: id(obj(raw, '(request)', ['id']).id, 'id') }),
  'studio:library:image': (raw: unknown) => ({ id: id(obj(raw, '(request)', ['id']).id, 'id') }),
  'studio:library:reveal': (raw: unknown) => ({ id: id(obj(raw, '(request)', ['id']).id, 'id') }),
  'studio:library:favourite': (raw: unknown) => {
    const o = obj(raw, '(request)', ['id', 'favourite'])
    const favourite = optBool(o.favourite, 'favourite')
    if (favourite === undefined) throw new RequestError('favourite', 'is missing; say true or false')
    return { id: id(o.id, 'id'), favourite }
  },
  'studio:library:delete': (raw: unknown) => ({ id: id(obj(raw, '(request)', ['id']).id, 'id') }),
  'studio:library:input': (raw: unknown) => {
    const o = obj(raw, '(request)', ['id', 'role'])
    if (o.role !== 'init' && o.role !== 'mask') throw new RequestError('role', `must be init (the init image) or mask, got ${JSON.stringify(o.role)}`)
    return { id: id(o.id, 'id'), role: o.role as LibraryInputRole }
  },
  'studio:library:export': (raw: unknown) => {
    const o = obj(raw, '(request)', ['ids'])
    if (!Array.isArray(o.ids) || o.ids.length === 0) throw new RequestError('ids', 'must be a list of at least one image id')
    if (o.ids.length > MAX_EXPORT_IDS) throw new RequestError('ids', `lists ${o.ids.length} images; export at most ${MAX_EXPORT_IDS} at a time`)
    return { ids: o.ids.map((v, i) => id(v, `ids[${i}]`)) }
  },
  'studio:presets:list': (raw: unknown) => (obj(raw, '(request)', []), {}),
  'studio:presets:save': (raw: unknown) => {
    const o = obj(raw, '(request)', ['name', 'params', 'notes', 'overwrite'])
    const name = presetName(o.name)
    if (o.params === undefined) throw new RequestError('params', 'is missing; send the settings to save')
    const notes = optString(o.notes, 'notes', 4000)
    const overwrite = optBool(o.overwrite, 'overwrite')
    return { name, params: generationParams(o.params), ...(notes ? { notes } : {}), ...(overwrite ? { overwrite } : {}) }
  },
  'studio:presets:apply': (raw: unknown) => {
    const o = obj(raw, '(request)', ['name', 'base'])
    return { name: presetName(o.name), base: o.base === undefined ? undefined : generationParams(o.base) }
  },
  'studio:presets:rename': (raw: unknown) => {
    const o = obj(raw, '(request)', ['from', 'to'])
    return { from: presetName(o.from, 'from'), to: presetName(o.to, 'to') }
  },
  'studio:presets:delete': (raw: unknown) => ({ name: presetName(obj(raw, '(request)', ['name']).name) }),
  'studio:presets:export': validatePresetExport,
  'studio:presets:import': validatePresetImport,
  'studio:presets:read': validateSettingsRead,
  'studio:settings:get': (raw: unknown) => (obj(raw, '(request)', []), {}),
  'studio:settings:set': validateSettingsSet
  } satisfies { [K in LibraryCallName]: (raw: unknown) => Parameters<LibraryInvoke[K]>[0] }
}

/** The library, preset and settings calls (merged into Invoke). */
export interface LibraryInvoke {
  /** A page of the library, newest first, filtered; with `text`, a full-text prompt search. */
  'studio:library:list': (p: LibraryQuery) => LibraryPage
  /** The models the library holds images of, for the filter picker. */
  'studio:library:models': (p: Record<string, never>) => { models: string[] }
  'studio:library:get': (p: { id: string }) => LibraryDetail
  /** The entry's thumbnail (WebP; the PNG itself when no thumbnail could be made). */
  'studio:library:thumb': (p: { id: string }) => { mime: 'image/webp' | 'image/png'; data: Uint8Array }
  'studio:library:image': (p: { id: string }) => { mime: 'image/png'; data: Uint8Array }
  /** "Show in folder": the desktop app opens the file manager at the PNG (shown: true); the web host cannot, and says the path. */
  'studio:library:reveal': (p: { id: string }) => { shown: boolean; file: string }
  'studio:library:favourite': (p: { id: string; favourite: boolean }) => { id: string; favourite: boolean }
  /** Deletes the image file and its row together. */
  'studio:library:delete': (p: { id: string }) => { deleted: string }
  /** The init image or mask the image was made from, the bytes exactly as they were sent. */
  'studio:library:input': (p: { id: string; role: LibraryInputRole }) => { mime: 'image/png' | 'image/jpeg' | 'image/webp'; data: Uint8Array }
  /** Copies the images (PNG with their metadata, and a manifest.json) into a new folder under the library's exports/. */
  'studio:library:export': (p: { ids: string[] }) => { dir: string; files: number; skipped: number }
  /** The saved presets by name, and files in the presets folder that are not valid presets. */
  'studio:presets:list': (p: Record<string, never>) => { presets: PresetDoc[]; problems: Array<{ file: string; message: string }> }
  /** Saves the preset part of `params` (all but the model and img2img) under `name`; a taken name is refused unless `overwrite`. */
  'studio:presets:save': (p: { name: string; params: GenerationParams; notes?: string; overwrite?: boolean }) => { preset: PresetDoc; overwrote: boolean }
  /** The preset's settings laid over `base` (the current form), validated. */
  'studio:presets:apply': (p: { name: string; base?: GenerationParams }) => { preset: PresetDoc; params: GenerationParams }
  'studio:presets:rename': (p: { from: string; to: string }) => { preset: PresetDoc }
  'studio:presets:delete': (p: { name: string }) => { deleted: string }
  /** One preset (or, with name null, all as one bundle) as a file; `model` names the checkpoint in A1111/ComfyUI exports. */
  'studio:presets:export': (p: { name: string | null; format: PresetExportFormat; model?: string }) => PresetFile
  'studio:presets:import': (p: PresetImportRequest) => PresetImportResult
  /** Reads the settings a file or text holds (as an import would), saving nothing. */
  'studio:presets:read': (p: SettingsReadRequest) => SettingsReadResult
  'studio:settings:get': (p: Record<string, never>) => SettingsState
  /** Switches the library to another folder now (opening and checking it) and saves the choice. */
  /**
   * Switches the library to an existing library folder, or (with `create`, which the user confirmed) makes
   * a new one in an empty folder or a new folder whose parent exists; refused otherwise with the field
   * CONFIRM_NEW_LIBRARY_FIELD, so the view can ask.
   */
  'studio:settings:set': (p: { libraryDir: string; create?: boolean }) => SettingsState
}
type LibraryCallName = keyof LibraryInvoke
