/**
 * What a Sigma Studio PNG carries about itself, in two text chunks:
 *
 * - `parameters`: A1111 infotext (tEXt when the text is Latin-1, otherwise iTXt in UTF-8 — the same
 *   choice PIL's PngInfo.add_text makes, and PIL reads both into `image.info["parameters"]`), so other
 *   tools show and reuse the settings;
 * - `sigma-studio`: iTXt (UTF-8) JSON with the exact parameters, `ImageMetadata` below. This is what
 *   the library re-indexes from and what makes `library rebuild` possible from the PNGs alone.
 *   Beside `params` it records `paramsVersion` (src/shared/params-version.ts; absent = 1), so parameters
 *   written by an older version are migrated, with notes, before they are validated.
 */
import { type ExtraNetworks, validExtraNetworks } from '../../shared/lora-tags'
import { validateGenerationParams, type GenerationParams } from '../../shared/params'
import { migrateParams, PARAMS_VERSION, storedParamsVersion } from '../../shared/params-version'
import { formatInfotext } from './infotext'
import { encodeTextChunk, parseChunks, decodeTextChunk, textChunkKeyword, withTextChunks, PngError } from '../png/chunks'

export const PARAMETERS_KEYWORD = 'parameters'
export const SIGMA_KEYWORD = 'sigma-studio'
export const IMAGE_META_FORMAT = 'sigma-studio-image'
export const IMAGE_META_SCHEMA_VERSION = 1

export type GroupKind = 'gallery' | 'sweep'

/** One axis of a gallery or sweep: the parameter it varies and the values, in display order. */
export interface GroupAxis {
  /** A GenerationParams field ("sampler", "schedule", "cfg", "steps", "seed", …) or a dotted path. */
  name: string
  values: Array<string | number>
}

export interface GroupRef {
  id: string
  kind: GroupKind
  axes: GroupAxis[]
  /** The cell's position in the grid (row-major over the axes) and its value on each axis. */
  cell: { index: number; values: Record<string, string | number> }
  title?: string
}

export interface ImageMetadata {
  format: typeof IMAGE_META_FORMAT
  schemaVersion: typeof IMAGE_META_SCHEMA_VERSION
  /** Library entry id; also the file's base name. */
  id: string
  params: GenerationParams
  /** Model folder name as shown to people. */
  modelName: string
  /** First 10 hex digits of SHA-256 of the model (see the library's save()); null when unknown. */
  modelHash: string | null
  appVersion: string
  /** ISO 8601. */
  createdAt: string
  group?: GroupRef
  /** LoRA / embedding files the image used (by A1111 short hash). */
  networks?: ExtraNetworks
  /**
   * The init image and mask the image was made from, as file names in the library's inputs/ folder
   * (`<sha256 of the bytes>.<png|jpg|webp>`, content-addressed; src/main/library/inputs.ts).
   */
  inputs?: ImageInputs
}

/** Which inputs an image was made from (file names under the library's inputs/). */
export interface ImageInputs {
  init?: string
  mask?: string
}

/** A content-addressed input file: SHA-256 of its bytes (hex) and the format's extension. */
export const INPUT_FILE_NAME = /^([0-9a-f]{64})\.(png|jpg|webp)$/

/** The inputs of a parsed chunk; names that are not ours are dropped (never read as paths). */
function validInputs(v: unknown): ImageInputs | undefined {
  if (!isObj(v)) return undefined
  const out: ImageInputs = {}
  for (const role of ['init', 'mask'] as const) if (typeof v[role] === 'string' && INPUT_FILE_NAME.test(v[role] as string)) out[role] = v[role] as string
  return out.init || out.mask ? out : undefined
}

export class ImageMetadataError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ImageMetadataError'
  }
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Ordered upgrades of the JSON chunk: entry n turns version n into n+1 (none yet). */
const META_MIGRATIONS: ReadonlyArray<{ from: number; up: (m: Obj) => Obj }> = []

/**
 * Validates (and upgrades) a parsed `sigma-studio` chunk. What the upgrade of older parameters changed
 * goes into `migrationNotes`, one sentence each.
 */
export function validateImageMetadata(raw: unknown, what = 'the image', migrationNotes?: string[]): ImageMetadata {
  if (!isObj(raw) || raw.format !== IMAGE_META_FORMAT) throw new ImageMetadataError(`${what}: its sigma-studio chunk is not "${IMAGE_META_FORMAT}" JSON`)
  let v = raw.schemaVersion
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ImageMetadataError(`${what}: its sigma-studio chunk has no valid schemaVersion`)
  if (v > IMAGE_META_SCHEMA_VERSION) throw new ImageMetadataError(`${what} was saved by a newer Sigma Studio (image schema ${v}); update the app to read it`)
  let m: Obj = raw
  for (; v < IMAGE_META_SCHEMA_VERSION; v++) m = { ...META_MIGRATIONS.find((x) => x.from === v)!.up(m), schemaVersion: v + 1 }
  if (typeof m.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(m.id)) throw new ImageMetadataError(`${what}: its sigma-studio chunk has no valid id`)
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt))) throw new ImageMetadataError(`${what}: its sigma-studio chunk has no valid createdAt`)
  let params: GenerationParams
  try {
    const migrated = migrateParams(m.params, storedParamsVersion(m.paramsVersion))
    params = validateGenerationParams(migrated.params)
    migrationNotes?.push(...migrated.notes)
  } catch (e) {
    throw new ImageMetadataError(`${what}: its stored parameters are invalid (${e instanceof Error ? e.message : String(e)})`)
  }
  const out: ImageMetadata = {
    format: IMAGE_META_FORMAT,
    schemaVersion: IMAGE_META_SCHEMA_VERSION,
    id: m.id,
    params,
    modelName: typeof m.modelName === 'string' ? m.modelName : params.model,
    modelHash: typeof m.modelHash === 'string' ? m.modelHash : null,
    appVersion: typeof m.appVersion === 'string' ? m.appVersion : 'unknown',
    createdAt: m.createdAt
  }
  const networks = validExtraNetworks(m.networks)
  if (networks) out.networks = networks
  const inputs = validInputs(m.inputs)
  if (inputs) out.inputs = inputs
  if (isObj(m.group)) {
    const g = m.group
    if (typeof g.id === 'string' && (g.kind === 'gallery' || g.kind === 'sweep') && Array.isArray(g.axes) && isObj(g.cell)) {
      out.group = { id: g.id, kind: g.kind, axes: g.axes as GroupAxis[], cell: g.cell as GroupRef['cell'] }
      if (typeof g.title === 'string') out.group.title = g.title
    }
  }
  return out
}

/** Returns the PNG with our two chunks (replacing any earlier ones of the same keywords). */
export function embedImageMetadata(png: Uint8Array, meta: ImageMetadata): Buffer {
  const infotext = formatInfotext(meta.params, { model: { name: meta.modelName, hash: meta.modelHash }, appVersion: meta.appVersion, networks: meta.networks })
  return withTextChunks(png, [encodeTextChunk(PARAMETERS_KEYWORD, infotext), encodeTextChunk(SIGMA_KEYWORD, JSON.stringify({ ...meta, paramsVersion: PARAMS_VERSION }), { forceItxt: true })])
}

export interface ReadMetadata {
  /** The A1111 infotext, if the PNG carries one. */
  infotext?: string
  /** Our exact metadata, if the PNG carries a valid sigma-studio chunk. */
  meta?: ImageMetadata
  /** Why the sigma-studio chunk could not be used, when it is present but bad. */
  metaProblem?: string
}

/**
 * Reads both chunks from a complete PNG. Throws a PngError when the file is not a whole, valid PNG
 * (truncated, damaged); a bad sigma-studio chunk is reported in `metaProblem` instead.
 */
export function readImageMetadata(png: Uint8Array, what = 'the image'): ReadMetadata {
  const out: ReadMetadata = {}
  for (const c of parseChunks(png, what)) {
    // Only our two keywords are ever decoded, so text of any other kind is never inflated at all.
    const keyword = textChunkKeyword(c)
    if (keyword !== PARAMETERS_KEYWORD && keyword !== SIGMA_KEYWORD) continue
    let t
    try {
      t = decodeTextChunk(c)
    } catch (e) {
      if (e instanceof PngError) {
        if (keyword === SIGMA_KEYWORD) out.metaProblem = e.message
        continue
      }
      throw e
    }
    if (!t) continue
    if (t.keyword === PARAMETERS_KEYWORD) out.infotext = t.text
    else if (t.keyword === SIGMA_KEYWORD) {
      try {
        out.meta = validateImageMetadata(JSON.parse(t.text), what)
      } catch (e) {
        out.metaProblem = e instanceof Error ? e.message : String(e)
      }
    }
  }
  return out
}
