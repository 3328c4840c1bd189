/**
 * The one edit checkpoint import makes to a template graph: point each initializer at bytes inside the
 * checkpoint file (ONNX external data: location, offset, length) and give it the file's dtype. Done on the
 * protobuf wire format directly — every other byte of the template (nodes, inputs, outputs, value infos)
 * is copied as it is — so no ONNX library is needed and a 1 MB template is rewritten in milliseconds.
 *
 * Wire format: ModelProto.graph = field 7; GraphProto.initializer = field 5; TensorProto: dims 1,
 * data_type 2, name 8, external_data 13 (StringStringEntryProto key 1 / value 2), data_location 14.
 */

import { concatBytes } from '../../../shared/bytes'
import { lengthHeader, readVarint as readWireVarint, varintField } from '../onnx/protobuf-wire'

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16 } as const

interface Field {
  field: number
  wire: number
  /** Whole field (tag included), for copying as is. */
  start: number
  end: number
  /** Varint value (wire 0) or payload bounds (wire 2). */
  value: number
  payloadStart: number
}

const varintError = (why: 'truncated' | 'too-long'): Error => new Error(why === 'truncated' ? 'protobuf varint runs past the end of the message' : 'protobuf varint is longer than 10 bytes')
const readVarint = (buf: Uint8Array, pos: number): [number, number] => readWireVarint(buf, pos, varintError)

function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0
  while (pos < buf.length) {
    const start = pos
    const [tag, p1] = readVarint(buf, pos)
    const field = Math.floor(tag / 8)
    const wire = tag & 7
    let value = 0
    let payloadStart = p1
    if (wire === 0) [value, pos] = readVarint(buf, p1)
    else if (wire === 1) pos = p1 + 8
    else if (wire === 5) pos = p1 + 4
    else if (wire === 2) {
      const [len, p2] = readVarint(buf, p1)
      payloadStart = p2
      value = len
      pos = p2 + len
    } else throw new Error(`protobuf wire type ${wire} is not supported (field ${field})`)
    if (pos > buf.length) throw new Error(`protobuf field ${field} runs past the end of the message`)
    yield { field, wire, start, end: pos, value, payloadStart }
  }
}

function lenField(field: number, payload: Uint8Array): Uint8Array {
  return concatBytes([lengthHeader(field, payload.length), payload])
}

const utf8 = new TextEncoder()
const utf8d = new TextDecoder()

export interface TemplateInitializer {
  readonly name: string
  readonly dims: readonly number[]
  readonly dataType: number
}

/** Where an initializer's bytes are; `undefined` leaves it as the template has it. */
export interface ExternalPlacement {
  readonly dataType: number
  readonly location: string
  readonly offset: number
  readonly length: number
}

function parseTensor(buf: Uint8Array): TemplateInitializer {
  let name = ''
  const dims: number[] = []
  let dataType = 0
  for (const f of fields(buf)) {
    if (f.field === 8 && f.wire === 2) name = utf8d.decode(buf.subarray(f.payloadStart, f.end))
    else if (f.field === 2 && f.wire === 0) dataType = f.value
    else if (f.field === 1 && f.wire === 0) dims.push(f.value)
    else if (f.field === 1 && f.wire === 2) {
      let p = f.payloadStart
      while (p < f.end) {
        const [v, next] = readVarint(buf, p)
        dims.push(v)
        p = next
      }
    }
  }
  return { name, dims, dataType }
}

function externalTensor(t: TemplateInitializer, place: ExternalPlacement): Uint8Array {
  const entry = (k: string, v: string): Uint8Array => lenField(13, Buffer.concat([lenField(1, utf8.encode(k)), lenField(2, utf8.encode(v))]))
  return Buffer.concat([
    ...t.dims.map((d) => varintField(1, d)),
    varintField(2, place.dataType),
    lenField(8, utf8.encode(t.name)),
    entry('location', place.location),
    entry('offset', String(place.offset)),
    entry('length', String(place.length)),
    varintField(14, 1) // data_location = EXTERNAL
  ])
}

function graphOf(model: Uint8Array): Field {
  for (const f of fields(model)) if (f.field === 7 && f.wire === 2) return f
  throw new Error('the ONNX file has no graph')
}

/** The initializers of an ONNX model (names, dims, dtypes), read from its bytes. */
export function listInitializers(model: Uint8Array): TemplateInitializer[] {
  const g = graphOf(model)
  const graph = model.subarray(g.payloadStart, g.end)
  const out: TemplateInitializer[] = []
  for (const f of fields(graph)) if (f.field === 5 && f.wire === 2) out.push(parseTensor(graph.subarray(f.payloadStart, f.end)))
  return out
}

/** A copy of `model` whose initializers are placed as `place(initializer)` says. */
export function placeInitializers(model: Uint8Array, place: (t: TemplateInitializer) => ExternalPlacement | undefined): Uint8Array {
  const g = graphOf(model)
  const graph = model.subarray(g.payloadStart, g.end)
  const parts: Uint8Array[] = []
  for (const f of fields(graph)) {
    if (f.field === 5 && f.wire === 2) {
      const t = parseTensor(graph.subarray(f.payloadStart, f.end))
      const p = place(t)
      parts.push(p ? lenField(5, externalTensor(t, p)) : graph.subarray(f.start, f.end))
    } else parts.push(graph.subarray(f.start, f.end))
  }
  return Buffer.concat([model.subarray(0, g.start), lenField(7, Buffer.concat(parts)), model.subarray(g.end)])
}
