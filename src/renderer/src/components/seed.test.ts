import { describe, expect, it } from 'vitest'
import { addToSeed, batchSeeds, randomSeed } from './seed'

describe('seed arithmetic', () => {
  it('adds exactly beyond 2^53 and wraps at 2^64', () => {
    expect(addToSeed('9007199254740993', 1)).toBe('9007199254740994')
    expect(addToSeed('18446744073709551615', 1)).toBe('0')
    expect(batchSeeds('41', 3)).toEqual(['41', '42', '43'])
  })

  it('draws 32-bit seeds', () => {
    expect(randomSeed(() => 0)).toBe('0')
    expect(randomSeed(() => 0.999999999999)).toBe('4294967295')
    expect(randomSeed()).toMatch(/^\d{1,10}$/)
  })
})
