/**
 * Encodes a safetensors file in memory. Used by tests to make checkpoints and LoRA files of any shape,
 * and by tools that write small tensor files; the layout is the one `safetensors.ts` reads.
 */
import type { SafetensorsDtype } from './safetensors'

export interface TensorToWrite {
  readonly dtype: SafetensorsDtype
  readonly shape: readonly number[]
  /** Raw little-endian bytes, exactly dtype size × product(shape) long. */
  readonly data: Uint8Array
}

export function encodeSafetensors(tensors: Readonly<Record<string, TensorToWrite>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {}
  if (metadata) header.__metadata__ = metadata
  let offset = 0
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] }
    offset += t.data.byteLength
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8')
  // Pad the header with spaces to a multiple of 8 so tensor data is aligned, as the reference writer does.
  const pad = (8 - (json.length % 8)) % 8
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)])
  const out = Buffer.alloc(8 + json.length + offset)
  out.writeBigUInt64LE(BigInt(json.length), 0)
  json.copy(out, 8)
  let at = 8 + json.length
  for (const t of Object.values(tensors)) {
    out.set(t.data, at)
    at += t.data.byteLength
  }
  return out
}

/** float32 values → little-endian F32 bytes. */
export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = Buffer.alloc(values.length * 4)
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i], i * 4)
  return out
}

/** float32 values → little-endian F16 bytes (round to nearest even). */
export function f16Bytes(values: ArrayLike<number>): Uint8Array {
  const out = Buffer.alloc(values.length * 2)
  const f = new Float32Array(1)
  const u = new Uint32Array(f.buffer)
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i]
    const x = u[0]
    const sign = (x >>> 16) & 0x8000
    const exp = (x >>> 23) & 0xff
    let mant = x & 0x7fffff
    let h: number
    if (exp === 0xff) h = sign | 0x7c00 | (mant ? 0x200 : 0)
    else {
      const e = exp - 127 + 15
      if (e >= 0x1f) h = sign | 0x7c00
      else if (e <= 0) {
        if (e < -10) h = sign
        else {
          mant |= 0x800000
          const shift = 14 - e
          let hm = mant >>> shift
          const rem = mant & ((1 << shift) - 1)
          const half = 1 << (shift - 1)
          if (rem > half || (rem === half && hm & 1)) hm++
          h = sign | hm
        }
      } else {
        let hm = mant >>> 13
        const rem = mant & 0x1fff
        let he = e
        if (rem > 0x1000 || (rem === 0x1000 && hm & 1)) {
          hm++
          if (hm === 0x400) {
            hm = 0
            he++
          }
        }
        h = he >= 0x1f ? sign | 0x7c00 : sign | (he << 10) | hm
      }
    }
    out.writeUInt16LE(h, i * 2)
  }
  return out
}

/** float32 values → little-endian BF16 bytes (round to nearest even). */
export function bf16Bytes(values: ArrayLike<number>): Uint8Array {
  const out = Buffer.alloc(values.length * 2)
  const f = new Float32Array(1)
  const u = new Uint32Array(f.buffer)
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i]
    const x = u[0]
    const rounded = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16
    out.writeUInt16LE(Number.isNaN(values[i]) ? 0x7fc0 : rounded & 0xffff, i * 2)
  }
  return out
}
