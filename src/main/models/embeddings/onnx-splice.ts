/**
 * Appending rows to a text encoder's token-embedding table in the ONNX protobuf bytes, without decoding
 * and re-encoding the model: the table's TensorProto is replaced by a new one (same name, dtype; more rows)
 * and the two length prefixes that enclose it (GraphProto.initializer, ModelProto.graph) are rewritten.
 * Every other byte is copied as it was, so the 2 GB protobuf limit never bites. A table stored in external
 * data stays external: its grown copy goes to ONNX Runtime as an in-memory external file.
 *
 * Row layout. CLIP encoders pool (pooler_output, SDXL's text_embeds) at `argmax(input_ids)`, relying on the
 * end token being the largest id. Appending rows after it would make an embedding's ids win the argmax,
 * so when the end token is the table's last row it is moved behind the new rows:
 *
 *   [ rows 0 … V-2 | embedding rows (ids V-1 …) | end-token row (id V-1+N) ]
 *
 * and the tokenizer side (embedding-tokenizer.ts) maps the end token to its new id. The rows themselves
 * are copied bit for bit, so a prompt without embeddings encodes exactly as before.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { f16Bytes, bf16Bytes, f32Bytes } from '../safetensors/write'
import { scanOnnxModel, ONNX_BFLOAT16, ONNX_FLOAT, ONNX_FLOAT16, type OnnxInitializer } from '../lora/onnx-scan'
import type { InMemoryModel } from '../onnx/runtime'
import { lengthHeader, readVarint, varintField } from '../onnx/protobuf-wire'
import { concatBytes } from '../../../shared/bytes'
import { EmbeddingError } from './embedding-file'

/** Where the rows of one component's new table go. */
export interface RowLayout {
  /** Rows of the base table (the tokenizer's vocabulary size). */
  readonly vocab: number
  /** Id of the end token after the splice (vocab-1 when nothing moved). */
  readonly eosId: number
  /** First id of each spliced embedding, in the order given. */
  readonly firstIds: readonly number[]
}

/** The ids each embedding gets: after the base rows but before the (moved) end token. */
export function rowLayout(vocab: number, eosId: number, counts: readonly number[]): RowLayout {
  const moveEos = eosId === vocab - 1
  let next = moveEos ? vocab - 1 : vocab
  const firstIds = counts.map((n) => {
    const id = next
    next += n
    return id
  })
  return { vocab, eosId: moveEos ? next : eosId, firstIds }
}

// --- minimal protobuf reading -----------------------------------------------------------------------

function varintAt(buf: Uint8Array, pos: number, path: string): [number, number] {
  return readVarint(buf, pos, (why) => new EmbeddingError(path, why === 'truncated' ? 'the model ends inside a number (truncated?)' : 'a protobuf number is longer than 10 bytes (not an ONNX model)'))
}

interface FieldSpan {
  field: number
  /** Where the field's key starts, its payload starts and ends. */
  keyStart: number
  start: number
  end: number
}

/** The length-delimited fields of a message spanning [start, end). */
function* lengthFields(buf: Uint8Array, start: number, end: number, path: string): Generator<FieldSpan> {
  let pos = start
  while (pos < end) {
    const keyStart = pos
    const [key, p1] = varintAt(buf, pos, path)
    const wire = key & 7
    const field = Math.floor(key / 8)
    pos = p1
    if (wire === 0) pos = varintAt(buf, pos, path)[1]
    else if (wire === 1) pos += 8
    else if (wire === 5) pos += 4
    else if (wire === 2) {
      const [len, p2] = varintAt(buf, pos, path)
      if (p2 + len > end) throw new EmbeddingError(path, 'a protobuf field runs past its message (truncated?)')
      yield { field, keyStart, start: p2, end: p2 + len }
      pos = p2 + len
    } else throw new EmbeddingError(path, `unsupported protobuf wire type ${wire} (not an ONNX model)`)
  }
}

function lengthField(field: number, payload: Uint8Array): Uint8Array[] {
  return [lengthHeader(field, payload.byteLength), payload]
}

const utf8 = new TextEncoder()

/** A TensorProto: dims, data_type, name, and raw_data or external-data entries. */
function encodeTensor(name: string, dataType: number, dims: readonly number[], data: { raw: Uint8Array } | { location: string; length: number }): Uint8Array {
  const parts: Uint8Array[] = []
  for (const d of dims) parts.push(varintField(1, d))
  parts.push(varintField(2, dataType))
  parts.push(...lengthField(8, utf8.encode(name)))
  if ('raw' in data) parts.push(...lengthField(9, data.raw))
  else {
    const entry = (k: string, v: string): Uint8Array => concatBytes([...lengthField(1, utf8.encode(k)), ...lengthField(2, utf8.encode(v))])
    parts.push(...lengthField(13, entry('location', data.location)))
    parts.push(...lengthField(13, entry('offset', '0')))
    parts.push(...lengthField(13, entry('length', String(data.length))))
    parts.push(varintField(14, 1))
  }
  return concatBytes(parts)
}

// --- the table ----------------------------------------------------------------------------------------

/** The token-embedding table: the initializer feeding the Gather with the most rows (positions have 77). */
export function findTokenTable(bytes: Uint8Array, path: string): OnnxInitializer {
  const scan = scanOnnxModel(bytes, path)
  const castOf = new Map<string, string>()
  for (const n of scan.nodes) if (n.opType === 'Cast' && n.inputs[0] && n.outputs[0]) castOf.set(n.outputs[0], n.inputs[0])
  let best: OnnxInitializer | undefined
  for (const n of scan.nodes) {
    if (n.opType !== 'Gather') continue
    const init = scan.initializers.get(n.inputs[0]) ?? scan.initializers.get(castOf.get(n.inputs[0]) ?? '')
    if (!init || init.dims.length !== 2) continue
    if (!best || init.dims[0] > best.dims[0]) best = init
  }
  if (!best) throw new EmbeddingError(path, `no token-embedding table ([vocabulary, width] feeding a Gather) was found`, 'the text encoder export is not one the studio can add embeddings to')
  return best
}

const ROW_BYTES: Record<number, number> = { [ONNX_FLOAT]: 4, [ONNX_FLOAT16]: 2, [ONNX_BFLOAT16]: 2 }

function encodeRows(dataType: number, values: Float32Array): Uint8Array {
  return dataType === ONNX_FLOAT ? f32Bytes(values) : dataType === ONNX_FLOAT16 ? f16Bytes(values) : bf16Bytes(values)
}

/** The name of the in-memory external file a grown external table is handed to ONNX Runtime as. */
export const SPLICED_TABLE_FILE = 'sigma_studio_embeddings.bin'

/**
 * A copy of `model` (the .onnx bytes and any in-memory external data, e.g. a LoRA merge) whose token table
 * has `rows` appended as `layout` says. `rows` are float32 [sum of counts, width] in layout order.
 */
export function spliceTokenRows(model: InMemoryModel, path: string, table: OnnxInitializer, layout: RowLayout, rows: Float32Array): InMemoryModel {
  const { bytes } = model
  const width = table.dims[1]
  const rowBytes = ROW_BYTES[table.dataType]
  if (!rowBytes) throw new EmbeddingError(path, `the token table "${table.name}" has ONNX data type ${table.dataType}`, 'embeddings need a float32, float16 or bfloat16 table')
  if (table.dims[0] !== layout.vocab) {
    throw new EmbeddingError(path, `the token table has ${table.dims[0]} rows but the tokenizer has ${layout.vocab} ids`, 'the tokenizer and text encoder come from different models')
  }
  let old: Uint8Array
  if (table.inline) old = bytes.subarray(table.inline.offset, table.inline.offset + table.inline.length)
  else if (table.external) {
    const ext = table.external
    const mem = model.externalData.find((f) => f.path === ext.location)
    const data = mem ? mem.data : readFileSync(join(model.folder, ext.location))
    old = data.subarray(ext.offset, ext.offset + ext.length)
  } else throw new EmbeddingError(path, `the token table "${table.name}" ${table.unpatchable ?? 'has no stored values'}`)
  const tableBytes = table.dims[0] * width * rowBytes
  if (old.byteLength !== tableBytes) throw new EmbeddingError(path, `the token table holds ${old.byteLength} bytes, expected ${tableBytes}`)
  const added = rows.length / width
  const grown = new Uint8Array(tableBytes + added * width * rowBytes)
  const moveEos = layout.eosId !== layout.vocab - 1
  const keep = moveEos ? (layout.vocab - 1) * width * rowBytes : tableBytes
  grown.set(old.subarray(0, keep), 0)
  grown.set(encodeRows(table.dataType, rows), keep)
  if (moveEos) grown.set(old.subarray(keep), keep + added * width * rowBytes)
  const dims = [table.dims[0] + added, width]
  const external = table.external !== undefined
  const tensor = encodeTensor(table.name, table.dataType, dims, external ? { location: SPLICED_TABLE_FILE, length: grown.byteLength } : { raw: grown })

  // Locate ModelProto.graph (7) and, inside it, the initializer (5) named like the table.
  const graph = [...lengthFields(bytes, 0, bytes.byteLength, path)].find((f) => f.field === 7)
  if (!graph) throw new EmbeddingError(path, 'has no graph (not an ONNX model)')
  let init: FieldSpan | undefined
  for (const f of lengthFields(bytes, graph.start, graph.end, path)) {
    if (f.field !== 5) continue
    for (const g of lengthFields(bytes, f.start, f.end, path)) {
      if (g.field === 8 && new TextDecoder().decode(bytes.subarray(g.start, g.end)) === table.name) init = f
    }
    if (init) break
  }
  if (!init) throw new EmbeddingError(path, `the initializer "${table.name}" was not found again`)
  const newGraph = concatBytes([bytes.subarray(graph.start, init.keyStart), ...lengthField(5, tensor), bytes.subarray(init.end, graph.end)])
  const newModel = concatBytes([bytes.subarray(0, graph.keyStart), ...lengthField(7, newGraph), bytes.subarray(graph.end)])
  const externalData = external ? [...model.externalData, { path: SPLICED_TABLE_FILE, data: grown }] : model.externalData
  return { bytes: newModel, externalData, folder: model.folder }
}
