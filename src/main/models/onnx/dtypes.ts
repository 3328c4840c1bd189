/**
 * Converting host arrays to and from the element types ONNX model I/O uses. Exports differ: fp32 or fp16
 * images and latents, int32 or int64 input_ids, int64 / float32 / float16 timesteps. The session wrapper
 * (runtime.ts) converts every feed to the dtype the session declares and every float output back to
 * float32, so no other code ever sees a float16 bit pattern or a BigInt.
 */

/** Element types we feed and read; anything else in a model's I/O is an unsupported layout. */
export type IoType = 'float32' | 'float16' | 'float64' | 'int32' | 'int64'
export const IO_TYPES: readonly IoType[] = ['float32', 'float16', 'float64', 'int32', 'int64']

export type IoData = Float32Array | Uint16Array | Float64Array | Int32Array | BigInt64Array

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** IEEE 754 binary16 bits of a number, rounded to nearest even (overflow to ±Inf, NaN kept as NaN). */
export function toHalfBits(value: number): number {
  f32[0] = value
  const x = u32[0]
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0) // Inf / NaN
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00 // overflow
  if (e <= 0) {
    if (e < -10) return sign // underflow to zero
    mant |= 0x800000
    const shift = 14 - e
    let half = mant >>> shift
    const rem = mant & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    if (rem > mid || (rem === mid && half & 1)) half++
    return sign | half
  }
  let half = (e << 10) | (mant >>> 13)
  const rem = mant & 0x1fff
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++ // may carry into the exponent: still correct
  return sign | half
}

/** The number a binary16 bit pattern holds. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >>> 10) & 0x1f
  const mant = h & 0x3ff
  if (exp === 0) return sign * mant * 2 ** -24
  if (exp === 0x1f) return mant ? NaN : sign * Infinity
  return sign * (1 + mant / 1024) * 2 ** (exp - 15)
}

/** Host values as the typed array ONNX Runtime wants for `type`. Integers are rounded. */
export function encodeData(type: IoType, values: ArrayLike<number>): IoData {
  const n = values.length
  switch (type) {
    case 'float32':
      return values instanceof Float32Array ? values : Float32Array.from(values)
    case 'float64':
      return Float64Array.from(values)
    case 'float16': {
      const out = new Uint16Array(n)
      for (let i = 0; i < n; i++) out[i] = toHalfBits(values[i])
      return out
    }
    case 'int32': {
      const out = new Int32Array(n)
      for (let i = 0; i < n; i++) out[i] = Math.round(values[i])
      return out
    }
    case 'int64': {
      const out = new BigInt64Array(n)
      for (let i = 0; i < n; i++) out[i] = BigInt(Math.round(values[i]))
      return out
    }
  }
}

/** A float output as float32 (float16 decoded); integer outputs as float32 too (we never read large ones). */
export function decodeData(type: string, data: unknown): Float32Array {
  if (data instanceof Float32Array) return data
  if (type === 'float16' && data instanceof Uint16Array) {
    const out = new Float32Array(data.length)
    for (let i = 0; i < data.length; i++) out[i] = fromHalfBits(data[i])
    return out
  }
  if (data instanceof BigInt64Array) return Float32Array.from(data, (v) => Number(v))
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return Float32Array.from(data as unknown as ArrayLike<number>)
  throw new Error(`cannot read a model output of type ${type}`)
}
