import { describe, expect, it } from 'vitest'
import { concatBytes } from './bytes'

describe('concatBytes', () => {
  it('joins the parts in order, views included, and copes with none', () => {
    const big = new Uint8Array([9, 8, 7, 6])
    expect(Array.from(concatBytes([new Uint8Array([1, 2]), big.subarray(1, 3), new Uint8Array(0), new Uint8Array([3])]))).toEqual([1, 2, 8, 7, 3])
    expect(concatBytes([]).length).toBe(0)
  })
})
