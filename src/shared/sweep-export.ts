/**
 * The export request that turns a finished sweep into one labelled PNG ('studio:sweep:export'); the
 * image is composed in src/main/sweep/grid-image.ts.
 */
import { ParamsError } from './params'
import { MAX_AXIS_VALUES } from './sweep'
import { MAX_GRID_CELLS } from './sweep-grid'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

//#region grid image export

/** One axis of an exported grid: its name and one label per value, as shown. */
export interface SweepExportAxis {
  label: string
  values: string[]
}

/** A cell without an image, and why; drawn as a grey box saying so. null means 'failed'. */
export type MissingCell = { missing: 'failed' | 'cancelled' } | null

/**
 * 'studio:sweep:export': compose the cells of a sweep into one labelled PNG. Cells are row-major (Y
 * outer, X inner), each a result id or a {@link MissingCell}.
 */
export interface SweepExportRequest {
  title?: string
  x: SweepExportAxis
  y: SweepExportAxis
  cells: Array<string | MissingCell>
}

export interface SweepExportResult {
  mime: 'image/png'
  data: Uint8Array
  width: number
  height: number
  /** Where the PNG was saved (the library's exports folder), or null when the studio keeps no library. */
  path: string | null
  fileName: string
}

export const MAX_EXPORT_LABEL = 200
export const MAX_EXPORT_TITLE = 500
/** The largest grid a job can make. */
export const MAX_EXPORT_CELLS = MAX_GRID_CELLS
const RESULT_ID = /^[A-Za-z0-9_-]{1,64}$/

function label(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string') throw new ParamsError(field, `must be text, got ${JSON.stringify(v)}`)
  if (v.length > max) throw new ParamsError(field, `is ${v.length} characters long; the limit is ${max}`)
  return v
}

function exportAxis(raw: unknown, field: string): SweepExportAxis {
  if (!isObj(raw)) throw new ParamsError(field, 'must be { label, values }')
  for (const k of Object.keys(raw)) if (k !== 'label' && k !== 'values') throw new ParamsError(`${field}.${k}`, 'is not accepted here; expected label, values')
  if (!Array.isArray(raw.values) || raw.values.length === 0) throw new ParamsError(`${field}.values`, 'must be a list of at least one label')
  if (raw.values.length > MAX_AXIS_VALUES) throw new ParamsError(`${field}.values`, `has ${raw.values.length} labels; the limit is ${MAX_AXIS_VALUES}`)
  return { label: label(raw.label, `${field}.label`, MAX_EXPORT_LABEL), values: raw.values.map((v, i) => label(v, `${field}.values[${i}]`, MAX_EXPORT_LABEL)) }
}

export function validateSweepExportRequest(raw: unknown): SweepExportRequest {
  if (!isObj(raw)) throw new ParamsError('(request)', 'must be an object')
  for (const k of Object.keys(raw)) if (!['title', 'x', 'y', 'cells'].includes(k)) throw new ParamsError(k, 'is not accepted here; expected title, x, y, cells')
  const x = exportAxis(raw.x, 'x')
  const y = exportAxis(raw.y, 'y')
  const n = x.values.length * y.values.length
  if (n > MAX_EXPORT_CELLS) throw new ParamsError('cells', `a grid of ${n} cells is too large to export; the limit is ${MAX_EXPORT_CELLS}`)
  if (!Array.isArray(raw.cells) || raw.cells.length !== n) {
    throw new ParamsError('cells', `must list ${n} cells (${y.values.length} rows x ${x.values.length} columns, row by row), got ${Array.isArray(raw.cells) ? raw.cells.length : JSON.stringify(raw.cells)}`)
  }
  const cells = raw.cells.map((c, i): string | MissingCell => {
    if (c === null) return null
    if (isObj(c) && Object.keys(c).length === 1 && (c.missing === 'failed' || c.missing === 'cancelled')) return { missing: c.missing }
    if (typeof c !== 'string' || !RESULT_ID.test(c)) throw new ParamsError(`cells[${i}]`, `must be a result id, null or { missing: "failed" | "cancelled" }, got ${JSON.stringify(c)}`)
    return c
  })
  if (cells.every((c) => typeof c !== 'string')) throw new ParamsError('cells', 'has no finished image to export; run the sweep first')
  const out: SweepExportRequest = { x, y, cells }
  if (raw.title !== undefined) out.title = label(raw.title, 'title', MAX_EXPORT_TITLE)
  return out
}

//#endregion
