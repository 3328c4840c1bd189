import { afterEach, describe, expect, it, vi } from 'vitest'
import { debouncedCounter, describeChunks, formatTokenCount } from './token-count'

describe('token counter text', () => {
  it('reads as A1111 shows it', () => {
    expect(formatTokenCount({ chunks: [12], total: 12, limit: 75 })).toBe('12/75')
    expect(formatTokenCount({ chunks: [75, 5], total: 80, limit: 150 })).toBe('80/150')
    expect(describeChunks({ chunks: [12], total: 12, limit: 75 })).toBe('12 of 75 tokens in one chunk')
    expect(describeChunks({ chunks: [75, 5], total: 80, limit: 150 })).toBe('2 chunks of up to 75 tokens: 75 + 5')
  })
})

describe('debouncedCounter', () => {
  afterEach(() => vi.useRealTimers())

  it('asks once typing pauses, and only for the newest text', async () => {
    vi.useFakeTimers()
    const asked: string[] = []
    const got: (number | null)[] = []
    const c = debouncedCounter(
      async (t) => (asked.push(t), t.length),
      (r) => got.push(r),
      150
    )
    c.update('a')
    c.update('ab')
    await vi.advanceTimersByTimeAsync(100)
    c.update('abc')
    await vi.advanceTimersByTimeAsync(149)
    expect(asked).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(asked).toEqual(['abc'])
    expect(got).toEqual([3])
  })

  it('drops a late answer to an older text, and reports errors', async () => {
    vi.useFakeTimers()
    const resolvers: ((n: number) => void)[] = []
    const got: [number | null, string | null][] = []
    const c = debouncedCounter(
      (t) => (t === 'bad' ? Promise.reject(new Error('model: not found')) : new Promise<number>((ok) => resolvers.push(ok))),
      (r, e) => got.push([r, e]),
      10
    )
    c.update('old')
    await vi.advanceTimersByTimeAsync(10)
    c.update('new')
    await vi.advanceTimersByTimeAsync(10)
    resolvers[1](3) // the newer answer arrives first
    resolvers[0](99) // then the stale one
    await vi.advanceTimersByTimeAsync(0)
    expect(got).toEqual([[3, null]])
    c.update('bad')
    await vi.advanceTimersByTimeAsync(10)
    expect(got).toEqual([[3, null], [null, 'model: not found']])
    c.dispose()
  })
})
