import { describe, expect, it } from 'vitest'
import { linspace } from '../ops'
import { appendZero, roundHalfEven } from './util'

describe('schedule helpers', () => {
  it('roundHalfEven rounds halves to the even neighbour and everything else to nearest', () => {
    expect([0.5, 1.5, 2.5, 499.5, 832.5, 2.4999999, 2.5000001, 7].map(roundHalfEven)).toEqual([0, 2, 2, 500, 832, 2, 3, 7])
  })

  it('linspace includes both ends and handles one point', () => {
    expect(Array.from(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(Array.from(linspace(3, 9, 1))).toEqual([3])
  })

  it('appendZero copies and adds a trailing 0', () => {
    expect(Array.from(appendZero([3, 2]))).toEqual([3, 2, 0])
  })
})
