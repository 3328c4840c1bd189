import { describe, expect, it } from 'vitest'
import { diffImages, heatColor } from './diff'

const rgba = (...px: [number, number, number][]): Uint8ClampedArray => new Uint8ClampedArray(px.flatMap(([r, g, b]) => [r, g, b, 255]))

describe('diffImages', () => {
  it('is zero and black for identical images', () => {
    const a = rgba([10, 20, 30], [200, 100, 0])
    const r = diffImages(a, a.slice())
    expect(r.mean).toBe(0)
    expect(r.max).toBe(0)
    expect(Array.from(r.heat.slice(0, 4))).toEqual([0, 0, 0, 255])
  })

  it('averages |A − B| over RGB and pixels on the 0–255 scale', () => {
    const r = diffImages(rgba([0, 0, 0], [0, 0, 0]), rgba([255, 255, 255], [30, 0, 0]))
    expect(r.mean).toBeCloseTo((255 + 10) / 2, 6)
    expect(r.max).toBe(255)
    expect(Array.from(r.heat.slice(0, 3))).toEqual([255, 255, 255])
  })

  it('refuses buffers of different sizes', () => {
    expect(() => diffImages(rgba([0, 0, 0]), rgba([0, 0, 0], [1, 1, 1]))).toThrow(/differ in size/)
  })

  it('maps the heat scale black → red → yellow → white', () => {
    expect(heatColor(0)).toEqual([0, 0, 0])
    expect(heatColor(1 / 3)).toEqual([255, 0, 0])
    expect(heatColor(2 / 3)).toEqual([255, 255, 0])
    expect(heatColor(1)).toEqual([255, 255, 255])
  })
})
