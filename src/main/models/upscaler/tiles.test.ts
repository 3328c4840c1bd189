import { describe, expect, it } from 'vitest'
import { axisLayout, axisWeights, axisWeightSums } from './tiles'

describe('axisLayout', () => {
  it('steps by tile - overlap and shifts the last tile inward', () => {
    expect(axisLayout(100, 40, 10)).toEqual({ starts: [0, 30, 60], size: 40, padTo: 40 })
    expect(axisLayout(101, 40, 10)).toEqual({ starts: [0, 30, 60, 61], size: 40, padTo: 40 })
    expect(axisLayout(30, 40, 10)).toEqual({ starts: [0], size: 30, padTo: 30 })
  })
  it('a fixed input size overrides the tile, and pads an image smaller than it', () => {
    expect(axisLayout(37, 512, 8, 64)).toEqual({ starts: [0], size: 37, padTo: 64 })
    expect(axisLayout(97, 512, 16, 64)).toEqual({ starts: [0, 33], size: 64, padTo: 64 })
  })
  it('refuses an overlap as large as the tile', () => {
    expect(() => axisLayout(100, 20, 20)).toThrow(/overlap 20 must be smaller than the tile 20/)
  })
})

describe('axisWeights', () => {
  it('neighbours exactly an overlap apart get complementary ramps with a zero margin at each inner edge', () => {
    const l = axisLayout(70, 40, 10) // starts 0, 30
    const scale = 2
    const a = axisWeights(l, 0, scale, 10)
    const b = axisWeights(l, 1, scale, 10)
    for (let i = 0; i < 20; i++) expect(a[60 + i] + b[i]).toBeCloseTo(1, 6)
    expect(b[0]).toBe(0) // margin = floor(20 / 4) = 5 output pixels
    expect(b[4]).toBe(0)
    expect(b[5]).toBeGreaterThan(0)
    expect(a[0]).toBe(1) // image border: no ramp
  })
  it('sums cover every output pixel, also with an inward-shifted last tile', () => {
    const l = axisLayout(101, 40, 10)
    const sums = axisWeightSums(l, 101, 3, 10)
    expect(sums.length).toBe(303)
    expect(Math.min(...sums)).toBeGreaterThan(0)
  })
})
