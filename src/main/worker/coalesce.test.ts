import { describe, expect, it } from 'vitest'
import { createCoalescer } from './coalesce'

describe('coalescer', () => {
  it('batches requests made in the same turn, in order, and splits the results', async () => {
    const batches: number[][] = []
    const co = createCoalescer<number, number>(async (reqs) => {
      batches.push(reqs)
      return reqs.map((r) => r * 10)
    })
    const results = await Promise.all([co.call(1), co.call(2), co.call(3)])
    expect(results).toEqual([10, 20, 30])
    expect(batches).toEqual([[1, 2, 3]])
    expect(await co.call(4)).toBe(40)
    expect(co.batches).toBe(2)
  })

  it('keeps batches within maxRows and fails every request of a failed batch', async () => {
    const sizes: number[] = []
    const co = createCoalescer<number, number>(async (reqs) => {
      sizes.push(reqs.length)
      if (reqs.includes(13)) throw new Error('boom')
      return reqs
    }, 2)
    const r = await Promise.allSettled([co.call(1), co.call(2), co.call(13), co.call(4)])
    expect(sizes).toEqual([2, 2])
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected'])
  })

  it('lets concurrent loops that resume together share every call', async () => {
    let calls = 0
    const co = createCoalescer<number, number>(async (reqs) => {
      calls++
      return reqs.map((x) => x + 1)
    })
    const loop = async (start: number): Promise<number> => {
      let x = start
      for (let i = 0; i < 10; i++) x = await co.call(x)
      return x
    }
    expect(await Promise.all([loop(0), loop(100), loop(200)])).toEqual([10, 110, 210])
    expect(calls).toBe(10)
  })
})
