/**
 * A minimal ONNX protobuf scanner: finds the graph's nodes (name, op, inputs, integer attributes) and every
 * initializer's dtype, dims and where its bytes are — a byte range of `raw_data` (or packed `float_data`)
 * inside the .onnx file, or a (location, offset, length) in an external data file.
 *
 * Why not decode the model with a protobuf library: merging a LoRA only changes weight values, never their
 * size, so patching those byte ranges in a copy keeps every other byte (and every length prefix) as it
 * was. Nothing is re-encoded, the 2 GB protobuf message limit never applies to us, and a model whose
 * weights live in external data needs only its data file copied and patched.
 *
 * Field numbers are onnx.proto3's (ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto
 * input = 1, output = 2, name = 3, op_type = 4, attribute = 5; AttributeProto name = 1, i = 3, type = 20;
 * TensorProto dims = 1, data_type = 2, float_data = 4, int32_data = 5, name = 8, raw_data = 9,
 * external_data = 13, data_location = 14; StringStringEntryProto key = 1, value = 2).
 */

export class OnnxScanError extends Error {
  constructor(
    readonly path: string,
    problem: string
  ) {
    super(`${path}: ${problem}`)
    this.name = 'OnnxScanError'
  }
}

/** TensorProto.DataType values the merger handles. */
export const ONNX_FLOAT = 1
export const ONNX_FLOAT16 = 10
export const ONNX_BFLOAT16 = 16
export const ONNX_DOUBLE = 11

export interface OnnxNode {
  readonly name: string
  readonly opType: string
  readonly inputs: readonly string[]
  readonly outputs: readonly string[]
  /** Integer attributes (Gemm transA/transB, Cast to, …). */
  readonly ints: Readonly<Record<string, number>>
  /** Integer-list attributes (Transpose perm). */
  readonly intLists: Readonly<Record<string, readonly number[]>>
}

export interface OnnxInitializer {
  readonly name: string
  readonly dataType: number
  readonly dims: readonly number[]
  /** Bytes inside the .onnx file (raw_data, or packed float_data for FLOAT/DOUBLE). */
  readonly inline?: { readonly offset: number; readonly length: number }
  /** Bytes in an external data file, relative to the model's folder. */
  readonly external?: { readonly location: string; readonly offset: number; readonly length: number }
  /** Set when the values are stored in a form whose size would change on edit (int32_data for float16). */
  readonly unpatchable?: string
}

export interface OnnxGraphScan {
  readonly nodes: readonly OnnxNode[]
  readonly initializers: ReadonlyMap<string, OnnxInitializer>
}

class Reader {
  pos: number
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    readonly path: string
  ) {
    this.pos = start
  }

  varint(): number {
    let result = 0
    let mul = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new OnnxScanError(this.path, 'the file ends inside a number (truncated or not an ONNX model)')
      const b = this.buf[this.pos++]
      result += (b & 0x7f) * mul
      if ((b & 0x80) === 0) return result
      mul *= 128
    }
    throw new OnnxScanError(this.path, 'a number is longer than 10 bytes (not an ONNX model)')
  }

  /** Signed int64 varint (dims, attribute ints); negative values are 10-byte two's complement. */
  int64(): number {
    const v = this.varint()
    return v >= 2 ** 63 ? v - 2 ** 64 : v
  }

  bytesRange(): [number, number] {
    const len = this.varint()
    const start = this.pos
    if (start + len > this.end) throw new OnnxScanError(this.path, `a field of ${len} bytes runs past its message (truncated or not an ONNX model)`)
    this.pos += len
    return [start, start + len]
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint()
        return
      case 1:
        this.pos += 8
        break
      case 2:
        this.bytesRange()
        return
      case 5:
        this.pos += 4
        break
      default:
        throw new OnnxScanError(this.path, `unsupported protobuf wire type ${wire} (not an ONNX model, or a damaged one)`)
    }
    if (this.pos > this.end) throw new OnnxScanError(this.path, 'the file ends inside a field (truncated)')
  }
}

const decoder = new TextDecoder()

function text(buf: Uint8Array, [a, b]: [number, number]): string {
  return decoder.decode(buf.subarray(a, b))
}

/** Iterates the fields of a message spanning [start, end). */
function* fields(buf: Uint8Array, start: number, end: number, path: string): Generator<{ field: number; wire: number; r: Reader }> {
  const r = new Reader(buf, start, end, path)
  while (r.pos < end) {
    const key = r.varint()
    const field = Math.floor(key / 8)
    const wire = key & 7
    const before = r.pos
    yield { field, wire, r }
    if (r.pos === before) r.skip(wire) // the consumer did not read it
  }
}

function scanAttribute(buf: Uint8Array, s: number, e: number, path: string): { name: string; i?: number; ints?: number[] } {
  let name = ''
  let i: number | undefined
  const ints: number[] = []
  for (const { field, wire, r } of fields(buf, s, e, path)) {
    if (field === 1 && wire === 2) name = text(buf, r.bytesRange())
    else if (field === 3 && wire === 0) i = r.int64()
    else if (field === 8 && wire === 0) ints.push(r.int64())
    else if (field === 8 && wire === 2) {
      const [a, b] = r.bytesRange()
      const inner = new Reader(buf, a, b, path)
      while (inner.pos < b) ints.push(inner.int64())
    }
  }
  return { name, i, ints: ints.length ? ints : undefined }
}

function scanNode(buf: Uint8Array, s: number, e: number, path: string): OnnxNode {
  const inputs: string[] = []
  const outputs: string[] = []
  let name = ''
  let opType = ''
  const ints: Record<string, number> = {}
  const intLists: Record<string, number[]> = {}
  for (const { field, wire, r } of fields(buf, s, e, path)) {
    if (wire !== 2) continue
    if (field === 1) inputs.push(text(buf, r.bytesRange()))
    else if (field === 2) outputs.push(text(buf, r.bytesRange()))
    else if (field === 3) name = text(buf, r.bytesRange())
    else if (field === 4) opType = text(buf, r.bytesRange())
    else if (field === 5) {
      const [a, b] = r.bytesRange()
      const at = scanAttribute(buf, a, b, path)
      if (at.i !== undefined) ints[at.name] = at.i
      if (at.ints) intLists[at.name] = at.ints
    }
  }
  return { name, opType, inputs, outputs, ints, intLists }
}

function scanTensor(buf: Uint8Array, s: number, e: number, path: string): OnnxInitializer {
  const dims: number[] = []
  let dataType = 0
  let name = ''
  let inline: { offset: number; length: number } | undefined
  let location = 0
  const ext: Record<string, string> = {}
  let int32Data = false
  for (const { field, wire, r } of fields(buf, s, e, path)) {
    if (field === 1 && wire === 0) dims.push(r.int64())
    else if (field === 1 && wire === 2) {
      const [a, b] = r.bytesRange()
      const inner = new Reader(buf, a, b, path)
      while (inner.pos < b) dims.push(inner.int64())
    } else if (field === 2 && wire === 0) dataType = r.varint()
    else if (field === 8 && wire === 2) name = text(buf, r.bytesRange())
    else if ((field === 9 || field === 4 || field === 10) && wire === 2) {
      const [a, b] = r.bytesRange()
      inline = { offset: a, length: b - a }
    } else if (field === 5) {
      int32Data = true
    } else if (field === 13 && wire === 2) {
      const [a, b] = r.bytesRange()
      let k = ''
      let v = ''
      for (const f of fields(buf, a, b, path)) {
        if (f.field === 1 && f.wire === 2) k = text(buf, f.r.bytesRange())
        else if (f.field === 2 && f.wire === 2) v = text(buf, f.r.bytesRange())
      }
      ext[k] = v
    } else if (field === 14 && wire === 0) location = r.varint()
  }
  if (location === 1) {
    const offset = Number(ext.offset ?? 0)
    const length = ext.length !== undefined ? Number(ext.length) : NaN
    if (!ext.location || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) {
      throw new OnnxScanError(path, `initializer "${name}" has incomplete external-data fields (location "${ext.location ?? ''}", offset ${ext.offset}, length ${ext.length})`)
    }
    return { name, dataType, dims, external: { location: ext.location, offset, length } }
  }
  return { name, dataType, dims, inline, unpatchable: int32Data && !inline ? 'stored as int32_data (varints), which cannot be patched in place' : undefined }
}

/** Scans a serialized ModelProto. Only the top-level graph is read (LoRA targets never sit in subgraphs). */
export function scanOnnxModel(buf: Uint8Array, path = 'model.onnx'): OnnxGraphScan {
  let graph: [number, number] | undefined
  for (const { field, wire, r } of fields(buf, 0, buf.length, path)) {
    if (field === 7 && wire === 2) graph = r.bytesRange()
  }
  if (!graph) throw new OnnxScanError(path, 'has no graph (not an ONNX model)')
  const nodes: OnnxNode[] = []
  const initializers = new Map<string, OnnxInitializer>()
  for (const { field, wire, r } of fields(buf, graph[0], graph[1], path)) {
    if (wire !== 2) continue
    if (field === 1) {
      const [a, b] = r.bytesRange()
      nodes.push(scanNode(buf, a, b, path))
    } else if (field === 5) {
      const [a, b] = r.bytesRange()
      const t = scanTensor(buf, a, b, path)
      initializers.set(t.name, t)
    }
  }
  return { nodes, initializers }
}
