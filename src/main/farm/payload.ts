/**
 * What travels through Redis for one cell, and its checks. A cell's job data is written by a studio and
 * read by nodes on other machines, so a node trusts it no more than main trusts the renderer: the
 * request goes through the very validator of the `studio:generate` IPC call (VALIDATORS), and the model
 * is named by hash only (the node resolves the hash to its own folder, never a path from the payload).
 * Results come back as metadata plus a PNG under its own key (CellOutcome), checked by the studio.
 */
import type { CellMetrics, CellTimings, ErrorCode, GenerateRequest } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import type { ScoreOptimalUse } from '../../shared/calibration'
import type { GenerationParams } from '../../shared/params'
import { RequestError, isObj, obj, id } from '../../shared/validate'
import type { JobTimings, WorkerJob } from '../worker/protocol'

export const PAYLOAD_VERSION = 1

/** A cell's BullMQ job data (JSON: bytes travel as base64). */
export interface CellPayload {
  v: typeof PAYLOAD_VERSION
  /** The studio's job id (a grid, batch or single image); cancel works per grid job. */
  gridJobId: string
  cell: number
  cells: number
  /** modelShortHash of the model folder (src/main/library/model-hash.ts): the queue is chosen by it. */
  modelHash: string
  /** One cell: `params` is the cell's full GenerationParams, `grid` is null. */
  request: { params: GenerationParams; preview: GenerateRequest['preview']; grid: null; initImage?: string; maskImage?: string }
  reference?: boolean
  scoreOptimal?: WorkerJob['scoreOptimal']
}

/** A validated payload, with the init image as bytes. */
export interface CheckedCell {
  gridJobId: string
  cell: number
  cells: number
  modelHash: string
  request: GenerateRequest
  reference: boolean
  scoreOptimal: WorkerJob['scoreOptimal']
}

const HASH_RE = /^[0-9a-f]{10}$/
/** BullMQ job ids may not contain ':' (Redis key separator); ours are "<gridJobId>-<cell>". */
export const cellId = (gridJobId: string, cell: number): string => `${gridJobId}-${cell}`

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new RequestError(field, `must be a whole number ${min}…${max}, got ${JSON.stringify(v)}`)
  return v
}

/** Checks a cell's job data as a node receives it; throws RequestError naming the bad field. */
export function validateCellPayload(raw: unknown): CheckedCell {
  const o = obj(raw, '(cell)', ['v', 'gridJobId', 'cell', 'cells', 'modelHash', 'request', 'reference', 'scoreOptimal'])
  if (o.v !== PAYLOAD_VERSION) throw new RequestError('v', `is payload version ${JSON.stringify(o.v)}; this node reads version ${PAYLOAD_VERSION}: run the same studio version on the studio and the nodes`)
  const gridJobId = id(o.gridJobId, 'gridJobId')
  const cells = int(o.cells, 'cells', 1, 1_000_000)
  const cell = int(o.cell, 'cell', 0, cells - 1)
  if (typeof o.modelHash !== 'string' || !HASH_RE.test(o.modelHash)) throw new RequestError('modelHash', 'must be a 10-digit hex model hash')
  const r = obj(o.request, 'request', ['params', 'preview', 'grid', 'initImage', 'maskImage'])
  if (r.grid !== null) throw new RequestError('request.grid', 'must be null: a farm cell is one image')
  for (const k of ['initImage', 'maskImage'] as const) if (r[k] !== undefined && typeof r[k] !== 'string') throw new RequestError(`request.${k}`, 'must be base64 text')
  const bytes = (v: unknown): Buffer | undefined => (typeof v === 'string' ? Buffer.from(v, 'base64') : undefined)
  // The same validator as the IPC call: bounds, ids, sizes, the init image's format and size.
  const request = VALIDATORS['studio:generate']({ ...r, initImage: bytes(r.initImage), maskImage: bytes(r.maskImage) })
  if (request.params.batchSize !== 1) throw new RequestError('request.params.batchSize', 'must be 1: a farm cell is one image')
  if (o.reference !== undefined && typeof o.reference !== 'boolean') throw new RequestError('reference', 'must be true or false')
  // The profile's numbers are checked again by the worker (validateProfile), as for a local job.
  const so = o.scoreOptimal
  if (so !== undefined && so !== null && !(isObj(so) && isObj(so.use) && so.use.profile === 'calibrated')) throw new RequestError('scoreOptimal', 'must be a calibrated profile or null')
  return { gridJobId, cell, cells, modelHash: o.modelHash, request, reference: o.reference === true, scoreOptimal: (so ?? null) as WorkerJob['scoreOptimal'] }
}

/** What a node returns for a cell (BullMQ's return value); the PNG itself waits under keys.png(cellId). */
export type CellOutcome =
  | {
      status: 'done'
      node: string
      width: number
      height: number
      timings: CellTimings
      jobTimings: JobTimings
      metrics?: CellMetrics
      scoreOptimal?: ScoreOptimalUse
    }
  | { status: 'cancelled'; node: string }

/** A cell that failed on a node for a reason a retry cannot fix (BullMQ failedReason, as JSON). */
export interface CellFailure {
  code: ErrorCode
  message: string
  field?: string
}

export function parseFailure(reason: string | undefined): CellFailure {
  try {
    const f = JSON.parse(reason ?? '') as unknown
    if (isObj(f) && typeof f.code === 'string' && typeof f.message === 'string') return { code: f.code as ErrorCode, message: f.message, ...(typeof f.field === 'string' ? { field: f.field } : {}) }
  } catch {
    // not ours: BullMQ's own reasons (stalled too often, …) are plain text
  }
  return { code: 'model-error', message: reason || 'the cell failed on a farm node without a reason' }
}

/** Checks a node's outcome as the studio receives it (Redis is shared; nothing from it is trusted blindly). */
export function validateOutcome(raw: unknown): CellOutcome {
  if (!isObj(raw) || typeof raw.node !== 'string') throw new Error('a farm node returned a cell result without its node name')
  if (raw.status === 'cancelled') return { status: 'cancelled', node: raw.node }
  if (raw.status !== 'done') throw new Error(`a farm node returned a cell result with status ${JSON.stringify(raw.status)}`)
  const n = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0
  if (!n(raw.width) || !n(raw.height) || !isObj(raw.timings) || !isObj(raw.jobTimings)) throw new Error('a farm node returned a cell result without its size or timings')
  const t = raw.timings
  if (![t.wallMs, t.modelMs, t.modelCalls, t.previewMs].every(n)) throw new Error('a farm node returned malformed cell timings')
  return raw as CellOutcome
}

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** The width and height in a PNG's IHDR, or null when the bytes are not a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } | null {
  if (png.length < 33 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) return null
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength)
  return { width: dv.getUint32(16), height: dv.getUint32(20) }
}
