import { describe, expect, it } from 'vitest'
import { stepZoom, ZOOM_LEVELS } from './ZoomView'

describe('image view zoom', () => {
  it('steps through the levels from fit (100 %) up to 800 % and down to 25 %, and stops there', () => {
    expect(stepZoom('fit', 1)).toBe(2)
    expect(stepZoom('fit', -1)).toBe(0.5)
    let z: number = 1
    for (let i = 0; i < 10; i++) z = stepZoom(z, 1)
    expect(z).toBe(8)
    for (let i = 0; i < 10; i++) z = stepZoom(z, -1)
    expect(z).toBe(ZOOM_LEVELS[0])
  })
})
