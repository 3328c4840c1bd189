import { describe, expect, it } from 'vitest'
import { isUpscaled } from './pixel-scaling'

describe('nearest-neighbour for images shown larger than they are', () => {
  it('marks a 64 px image in a 256 px frame, not a 1024 px image in the same frame', () => {
    expect(isUpscaled({ width: 64, height: 64 }, { width: 256, height: 256 })).toBe(true)
    expect(isUpscaled({ width: 1024, height: 1024 }, { width: 256, height: 256 })).toBe(false)
    expect(isUpscaled({ width: 256, height: 256 }, { width: 256, height: 256 })).toBe(false)
    expect(isUpscaled({ width: 0, height: 0 }, { width: 256, height: 256 })).toBe(false)
  })
})
