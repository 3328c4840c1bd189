import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_HEADER_BYTES, SafetensorsError, parseSafetensorsBytes, readSafetensorsHeader, readTensorFloat32 } from './safetensors'
import { bf16Bytes, encodeSafetensors, f16Bytes, f32Bytes } from './write'

const dir = mkdtempSync(join(tmpdir(), 'sigma-st-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const values = [0, 1, -2.5, 0.333251953125, 65504, -1e-5]

function sample(): Uint8Array {
  return encodeSafetensors(
    {
      a: { dtype: 'F32', shape: [2, 3], data: f32Bytes(values) },
      b: { dtype: 'F16', shape: [6], data: f16Bytes(values) },
      c: { dtype: 'BF16', shape: [3, 2], data: bf16Bytes(values) }
    },
    { format: 'pt', 'ss_network_dim': '4' }
  )
}

describe('safetensors', () => {
  it('reads the header and every float dtype from disk', () => {
    const p = join(dir, 'ok.safetensors')
    writeFileSync(p, sample())
    const h = readSafetensorsHeader(p)
    expect([...h.tensors.keys()]).toEqual(['a', 'b', 'c'])
    expect(h.tensors.get('a')!.shape).toEqual([2, 3])
    expect(h.metadata).toEqual({ format: 'pt', ss_network_dim: '4' })
    expect(h.dataStart % 8).toBe(0)
    expect([...readTensorFloat32(h, 'a')]).toEqual([...Float32Array.from(values)])
    const f16 = readTensorFloat32(h, 'b')
    values.forEach((v, i) => expect(f16[i]).toBeCloseTo(v, v === -1e-5 ? 7 : 3))
    const bf = readTensorFloat32(h, 'c')
    values.forEach((v, i) => expect(Math.abs(bf[i] - v)).toBeLessThanOrEqual(Math.abs(v) / 128))
  })

  it('names a truncated file', () => {
    const bytes = sample()
    expect(() => parseSafetensorsBytes('t.safetensors', bytes.subarray(0, bytes.length - 3))).toThrow(/t\.safetensors: tensor "c" ends at byte .* past the end/)
    expect(() => parseSafetensorsBytes('t.safetensors', bytes.subarray(0, 20))).toThrow(/header of \d+ bytes runs past the end/)
    expect(() => parseSafetensorsBytes('t.safetensors', bytes.subarray(0, 5))).toThrow(/only 5 bytes long/)
  })

  it('refuses a header over the limit, a non-JSON header and lying offsets', () => {
    const big = Buffer.alloc(16)
    big.writeBigUInt64LE(BigInt(MAX_HEADER_BYTES + 1), 0)
    expect(() => parseSafetensorsBytes('big', big)).toThrow(SafetensorsError)
    expect(() => parseSafetensorsBytes('big', big)).toThrow(/over the 104857600 byte limit/)
    const pickle = Buffer.concat([Buffer.from([0x80, 0x02, 0, 0, 0, 0, 0, 0]), Buffer.alloc(64)])
    expect(() => parseSafetensorsBytes('model.ckpt', pickle)).toThrow(/model\.ckpt/)
    const lie = (tensor: object) => {
      const json = Buffer.from(JSON.stringify({ x: tensor }))
      const out = Buffer.alloc(8 + json.length + 16)
      out.writeBigUInt64LE(BigInt(json.length))
      json.copy(out, 8)
      return out
    }
    expect(() => parseSafetensorsBytes('l', lie({ dtype: 'F32', shape: [2], data_offsets: [0, 12] }))).toThrow(/needs 8 bytes but its offsets \[0, 12\] give 12/)
    expect(() => parseSafetensorsBytes('l', lie({ dtype: 'Q4', shape: [2], data_offsets: [0, 8] }))).toThrow(/unknown dtype "Q4"/)
    expect(() => parseSafetensorsBytes('l', lie({ dtype: 'F32', shape: [-1], data_offsets: [0, 8] }))).toThrow(/bad shape/)
    const json = Buffer.from(JSON.stringify({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }))
    const overlap = Buffer.alloc(8 + json.length + 12)
    overlap.writeBigUInt64LE(BigInt(json.length))
    json.copy(overlap, 8)
    expect(() => parseSafetensorsBytes('o', overlap)).toThrow(/overlap/)
  })

  it('names a missing file', () => {
    expect(() => readSafetensorsHeader(join(dir, 'nope.safetensors'))).toThrow(/nope\.safetensors: cannot be opened \(ENOENT\)/)
  })
})
