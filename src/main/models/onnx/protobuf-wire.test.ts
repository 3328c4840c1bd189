import { describe, expect, it } from 'vitest'
import { encodeVarint, lengthHeader, readVarint, varintField } from './protobuf-wire'

const fail = (why: string): Error => new Error(why)

describe('protobuf wire pieces', () => {
  it('varints round trip, including sizes past 2^32', () => {
    for (const n of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 3_000_000_000_123]) {
      const bytes = Uint8Array.from(encodeVarint(n))
      expect(readVarint(bytes, 0, fail)).toEqual([n, bytes.length])
    }
    expect(encodeVarint(300)).toEqual([0xac, 0x02])
  })
  it('field headers carry the key (field × 8 + wire type)', () => {
    expect([...varintField(2, 10)]).toEqual([0x10, 10])
    expect([...lengthHeader(7, 300)]).toEqual([0x3a, 0xac, 0x02])
  })
  it('a cut or endless varint is the caller’s error', () => {
    expect(() => readVarint(Uint8Array.from([0x80]), 0, fail)).toThrow('truncated')
    expect(() => readVarint(new Uint8Array(11).fill(0x80), 0, fail)).toThrow('too-long')
  })
})
