/**
 * The few protobuf wire-format pieces the ONNX byte editors share (checkpoint import's initializer
 * rewrite, textual inversion's table splice): varints and field headers. Each editor walks messages its
 * own way and names its own errors, so reading takes a `fail` that builds the caller's error.
 */

/** A non-negative integer as a base-128 varint (numbers up to 2^53, the ONNX sizes we meet). */
export function encodeVarint(n: number): number[] {
  const out: number[] = []
  while (n >= 128) {
    out.push((n % 128) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/** A varint field (wire type 0), key and value. */
export function varintField(field: number, n: number): Uint8Array {
  return Uint8Array.from([...encodeVarint(field * 8), ...encodeVarint(n)])
}

/** The key and length of a length-delimited field (wire type 2); its payload follows. */
export function lengthHeader(field: number, length: number): Uint8Array {
  return Uint8Array.from([...encodeVarint(field * 8 + 2), ...encodeVarint(length)])
}

/** The varint at `pos`: [value, position after it]. */
export function readVarint(buf: Uint8Array, pos: number, fail: (why: 'truncated' | 'too-long') => Error): [number, number] {
  let v = 0
  let mul = 1
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw fail('truncated')
    const b = buf[pos++]
    v += (b & 0x7f) * mul
    if ((b & 0x80) === 0) return [v, pos]
    mul *= 128
  }
  throw fail('too-long')
}
