/**
 * Reads `.safetensors` files: an 8-byte little-endian header length N, N bytes of JSON
 * (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, …, "__metadata__": {string: string}}`),
 * then the raw tensor bytes, little-endian, offsets relative to the end of the header.
 *
 * Only the header is read up front (a few kB even for a 7 GB checkpoint); tensors are read one at a time
 * by offset, so checkpoint import can point ONNX external data at the file as it is and LoRA merging reads
 * only the tensors it needs. Every way a file can lie (a header past the end, overlapping or out-of-range
 * offsets, sizes that disagree with dtype × shape) is an error naming the file and the tensor.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

/** Largest header we parse: the format's own reference limit (100 MB); real checkpoints have < 1 MB. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL' | 'F8_E4M3' | 'F8_E5M2'

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1
}

export interface TensorInfo {
  readonly name: string
  readonly dtype: SafetensorsDtype
  readonly shape: readonly number[]
  /** Absolute byte offset of the tensor's data in the file. */
  readonly offset: number
  readonly byteLength: number
}

export interface SafetensorsHeader {
  readonly path: string
  readonly fileSize: number
  /** 8 + header length: where tensor data starts. */
  readonly dataStart: number
  readonly tensors: ReadonlyMap<string, TensorInfo>
  readonly metadata: Readonly<Record<string, string>>
}

/** A file that is not a usable safetensors file; `message` names the file and what is wrong. */
export class SafetensorsError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string
  ) {
    super(`${path}: ${problem}`)
    this.name = 'SafetensorsError'
  }
}

export function dtypeBytes(dtype: SafetensorsDtype): number {
  return DTYPE_BYTES[dtype]
}

function readExactly(fd: number, length: number, position: number, path: string, what: string): Buffer {
  const buf = Buffer.alloc(length)
  let got = 0
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got)
    if (n === 0) throw new SafetensorsError(path, `the file ends inside ${what} (truncated download?)`)
    got += n
  }
  return buf
}

/** Parses and checks a header given the file's first bytes' source. Exposed for tests on in-memory files. */
export function parseHeader(path: string, fileSize: number, readAt: (length: number, position: number, what: string) => Buffer): SafetensorsHeader {
  if (fileSize < 8) throw new SafetensorsError(path, `only ${fileSize} bytes long; not a safetensors file`)
  const lenBuf = readAt(8, 0, 'the header length')
  const headerLen = lenBuf.readBigUInt64LE(0)
  if (headerLen > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(path, `claims a ${headerLen} byte header, over the ${MAX_HEADER_BYTES} byte limit; not a safetensors file, or a damaged one`)
  }
  const n = Number(headerLen)
  if (n < 2) throw new SafetensorsError(path, 'header is empty; not a safetensors file')
  if (8 + n > fileSize) throw new SafetensorsError(path, `header of ${n} bytes runs past the end of the ${fileSize} byte file (truncated, or not a safetensors file)`)
  const headerBytes = readAt(n, 8, 'the header')
  if (headerBytes[0] !== 0x7b /* { */) throw new SafetensorsError(path, 'header is not a JSON object; not a safetensors file (a .ckpt or .pt file is a Python pickle, which the studio does not open)')
  let json: unknown
  try {
    json = JSON.parse(headerBytes.toString('utf8').replace(/[\s\u0000]+$/, ''))
  } catch (e) {
    throw new SafetensorsError(path, `header is not valid JSON (${(e as Error).message})`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SafetensorsError(path, 'header is not a JSON object')
  const dataStart = 8 + n
  const dataLength = fileSize - dataStart
  const tensors = new Map<string, TensorInfo>()
  let metadata: Record<string, string> = {}
  const spans: [number, number, string][] = []
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SafetensorsError(path, '__metadata__ is not an object of strings')
      metadata = Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>
      continue
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown }
    if (typeof t !== 'object' || t === null) throw new SafetensorsError(path, `tensor "${name}" has no description in the header`)
    if (typeof t.dtype !== 'string' || !(t.dtype in DTYPE_BYTES)) throw new SafetensorsError(path, `tensor "${name}" has unknown dtype ${JSON.stringify(t.dtype)}`)
    const dtype = t.dtype as SafetensorsDtype
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw new SafetensorsError(path, `tensor "${name}" has a bad shape ${JSON.stringify(t.shape)}`)
    }
    const shape = t.shape as number[]
    const off = t.data_offsets
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw new SafetensorsError(path, `tensor "${name}" has bad data_offsets ${JSON.stringify(off)}`)
    }
    const [begin, end] = off as [number, number]
    const count = shape.reduce((a, b) => a * b, 1)
    const expected = count * DTYPE_BYTES[dtype]
    if (end < begin || end - begin !== expected) {
      throw new SafetensorsError(path, `tensor "${name}" (${dtype} ${JSON.stringify(shape)}) needs ${expected} bytes but its offsets [${begin}, ${end}] give ${end - begin}`)
    }
    if (end > dataLength) {
      throw new SafetensorsError(path, `tensor "${name}" ends at byte ${dataStart + end}, past the end of the ${fileSize} byte file (truncated download?)`)
    }
    tensors.set(name, { name, dtype, shape, offset: dataStart + begin, byteLength: expected })
    if (expected > 0) spans.push([begin, end, name])
  }
  spans.sort((a, b) => a[0] - b[0])
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) throw new SafetensorsError(path, `tensors "${spans[i - 1][2]}" and "${spans[i][2]}" overlap in the file; the header is damaged`)
  }
  return { path, fileSize, dataStart, tensors, metadata }
}

/** Reads the header of a safetensors file on disk (only the header's bytes are read). */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (e) {
    throw new SafetensorsError(path, `cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new SafetensorsError(path, 'is not a regular file')
    return parseHeader(path, st.size, (length, position, what) => readExactly(fd, length, position, path, what))
  } finally {
    closeSync(fd)
  }
}

/** Parses a whole safetensors file held in memory. */
export function parseSafetensorsBytes(path: string, bytes: Uint8Array): SafetensorsHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return parseHeader(path, buf.length, (length, position, what) => {
    if (position + length > buf.length) throw new SafetensorsError(path, `the file ends inside ${what} (truncated download?)`)
    return buf.subarray(position, position + length)
  })
}

/** The raw bytes of one tensor, read from disk. */
export function readTensorBytes(header: SafetensorsHeader, name: string): Buffer {
  const t = header.tensors.get(name)
  if (!t) throw new SafetensorsError(header.path, `has no tensor "${name}"`)
  const fd = openSync(header.path, 'r')
  try {
    return readExactly(fd, t.byteLength, t.offset, header.path, `tensor "${name}"`)
  } finally {
    closeSync(fd)
  }
}

const f16Table = (() => {
  // float16 → float32 for all 65536 bit patterns: cheaper than decoding per element for big tensors.
  const out = new Float32Array(65536)
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1
    const e = (h >> 10) & 0x1f
    const m = h & 0x3ff
    out[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15)
  }
  return out
})()

/** Decodes raw little-endian tensor bytes of a floating dtype to float32 values. */
export function decodeFloats(bytes: Uint8Array, dtype: SafetensorsDtype, what = 'tensor'): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(bytes.byteLength / 4)
      for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true)
      return out
    }
    case 'F64': {
      const out = new Float32Array(bytes.byteLength / 8)
      for (let i = 0; i < out.length; i++) out[i] = dv.getFloat64(i * 8, true)
      return out
    }
    case 'F16': {
      const out = new Float32Array(bytes.byteLength / 2)
      for (let i = 0; i < out.length; i++) out[i] = f16Table[dv.getUint16(i * 2, true)]
      return out
    }
    case 'BF16': {
      const out = new Float32Array(bytes.byteLength / 2)
      const u = new Uint32Array(out.buffer)
      for (let i = 0; i < out.length; i++) u[i] = dv.getUint16(i * 2, true) << 16
      return out
    }
    default:
      throw new Error(`${what}: dtype ${dtype} is not a floating-point type`)
  }
}

/** Reads one floating-point tensor from disk as float32. */
export function readTensorFloat32(header: SafetensorsHeader, name: string): Float32Array {
  const t = header.tensors.get(name)
  if (!t) throw new SafetensorsError(header.path, `has no tensor "${name}"`)
  return decodeFloats(readTensorBytes(header, name), t.dtype, `${header.path}: tensor "${name}"`)
}
