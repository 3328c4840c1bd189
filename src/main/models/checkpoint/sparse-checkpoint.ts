/**
 * A full-size checkpoint that costs no disk: the published header of a real checkpoint (keys, dtypes,
 * shapes) followed by a hole of zeros (a sparse file). For tests and the import benchmark.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs'
import { dtypeBytes, type SafetensorsDtype } from '../safetensors/safetensors'

export interface KeyList {
  readonly tensors: Readonly<Record<string, { readonly shape: readonly number[]; readonly dtype: SafetensorsDtype }>>
}

/** Writes `path` with `keys`' header and zero-filled data (a hole where the file system allows). Returns its size. */
export function writeSparseCheckpoint(path: string, keys: KeyList, metadata: Record<string, string> = { format: 'pt' }): number {
  const header: Record<string, unknown> = { __metadata__: metadata }
  let offset = 0
  for (const [name, t] of Object.entries(keys.tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1) * dtypeBytes(t.dtype)
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] }
    offset += n
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8')
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)])
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(json.length))
  const fd = openSync(path, 'w')
  try {
    writeSync(fd, len, 0, 8, 0)
    writeSync(fd, json, 0, json.length, 8)
    ftruncateSync(fd, 8 + json.length + offset)
  } finally {
    closeSync(fd)
  }
  return 8 + json.length + offset
}
