/**
 * How an image's metadata becomes a row of the `images` table — one mapping, used by every writer
 * (save, reconcile, bulk import, `library rebuild`), derived from GenerationParams:
 *
 * - PARAM_COLUMNS: the parameters that have their own column (filters, sort, full-text search), by
 *   column name; the column's type is the parameter's type;
 * - PARAMS_ONLY_IN_JSON: the parameters kept only in `params_json`, each with the reason.
 *
 * Every GenerationParams field is in exactly one of the two (checked when this compiles, and by
 * image-row.test.ts), so a new parameter cannot be silently left out of the library. `params_json`
 * always holds all of them, with their version (src/shared/params-version.ts).
 */
import type { GenerationParams } from '../../shared/params'
import { readVersionedParams, withParamsVersion } from '../../shared/params-version'
import type { ImageMetadata } from '../formats/image-metadata'

export const PARAM_COLUMNS = {
  prompt: 'prompt',
  negativePrompt: 'negative_prompt',
  sampler: 'sampler',
  schedule: 'schedule',
  steps: 'steps',
  cfg: 'cfg',
  seed: 'seed',
  width: 'width',
  height: 'height'
} as const satisfies { readonly [K in keyof GenerationParams]?: string }

export const PARAMS_ONLY_IN_JSON = {
  model: 'the model column holds the name people see (the metadata\'s modelName), not the folder or path the job named',
  samplerOptions: 'per-sampler values, read with the whole parameters',
  scheduleParams: 'per-schedule values, read with the whole parameters',
  batchSize: 'each image of a batch is its own row',
  guidance: 'read with the whole parameters',
  noise: 'read with the whole parameters',
  img2img: 'names the init image by hash; read with the whole parameters',
  hires: 'the second pass\'s settings; the stored width and height are the first pass\'s, the file has the final size'
} as const satisfies { readonly [K in keyof GenerationParams]?: string }

// A GenerationParams field in neither list does not compile here (its key would be required).
type Listed = keyof typeof PARAM_COLUMNS | keyof typeof PARAMS_ONLY_IN_JSON
const _everyFieldListed: Record<Exclude<keyof GenerationParams, Listed>, never> = {}
void _everyFieldListed

type ParamColumnField = keyof typeof PARAM_COLUMNS

/** The parameter columns of a row, typed from GenerationParams. */
export type ParamColumnValues = { [K in ParamColumnField as (typeof PARAM_COLUMNS)[K]]: GenerationParams[K] }

export const PARAM_COLUMN_NAMES = Object.values(PARAM_COLUMNS) as Array<(typeof PARAM_COLUMNS)[ParamColumnField]>

/** The parameter columns' values of one image. */
export function paramColumnValues(p: GenerationParams): ParamColumnValues {
  const out: Record<string, unknown> = {}
  for (const [field, column] of Object.entries(PARAM_COLUMNS)) out[column] = p[field as ParamColumnField]
  return out as ParamColumnValues
}

/** What a row holds beside the metadata: where the file is and what only the index keeps. */
export interface RowFileFacts {
  /** Library-relative path of the PNG. */
  file: string
  size: number
  sha256: string | null
  thumb: string | null
  favourite: boolean
}

/** Every column an image row is written with, in order. */
export const IMAGE_ROW_COLUMNS = [
  'id',
  'file',
  'file_size',
  'created_at',
  'model',
  'model_hash',
  ...PARAM_COLUMN_NAMES,
  'params_json',
  'app_version',
  'favourite',
  'group_id',
  'cell_index',
  'cell_json',
  'thumb',
  'sha256'
] as const

/** The named values for IMAGE_ROW_COLUMNS (better-sqlite3 binds `@column`). */
export function imageRowValues(meta: ImageMetadata, f: RowFileFacts): Record<(typeof IMAGE_ROW_COLUMNS)[number], string | number | null> {
  return {
    id: meta.id,
    file: f.file,
    file_size: f.size,
    created_at: Date.parse(meta.createdAt),
    model: meta.modelName,
    model_hash: meta.modelHash,
    ...paramColumnValues(meta.params),
    params_json: JSON.stringify(withParamsVersion(meta.params)),
    app_version: meta.appVersion,
    favourite: f.favourite ? 1 : 0,
    group_id: meta.group?.id ?? null,
    cell_index: meta.group?.cell.index ?? null,
    cell_json: meta.group ? JSON.stringify(meta.group.cell.values) : null,
    thumb: f.thumb,
    sha256: f.sha256
  }
}

/** `INSERT` (or `INSERT OR IGNORE`) of one image row, with `tail` (an ON CONFLICT clause) after it. */
export function insertImageSql(verb: 'INSERT' | 'INSERT OR IGNORE', tail = ''): string {
  return `${verb} INTO images (${IMAGE_ROW_COLUMNS.join(', ')}) VALUES (${IMAGE_ROW_COLUMNS.map((c) => `@${c}`).join(', ')}) ${tail}`.trim()
}

/** A row's parameters: `params_json` read back and brought up to the current version. */
export function rowParams(paramsJson: string): GenerationParams {
  return readVersionedParams(JSON.parse(paramsJson)).params as GenerationParams
}
