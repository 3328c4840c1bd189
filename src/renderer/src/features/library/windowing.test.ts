import { describe, expect, it } from 'vitest'
import { tilePosition, visibleWindow } from './windowing'

const m = { tileWidth: 100, tileHeight: 120, gap: 10 }

describe('virtualised grid windowing', () => {
  it('fits as many columns as the width allows and mounts only the rows in view (plus a margin)', () => {
    // 450 px: 4 columns of 100 + 3 gaps of 10 = 430.
    const w = visibleWindow(1000, { width: 450, height: 260, scrollTop: 0 }, m, 1)
    expect(w.columns).toBe(4)
    expect(w.rows).toBe(250)
    expect(w.height).toBe(250 * 130 - 10)
    // Rows 0..2 are in view (260 / 130 = 2), plus one margin row: rows 0..3.
    expect([w.first, w.end]).toEqual([0, 16])
  })

  it('moves the window with the scroll position and stops at the end', () => {
    const mid = visibleWindow(1000, { width: 450, height: 260, scrollTop: 1300 }, m, 1)
    // Row 10 is at the top; rows 9..13 are mounted.
    expect([mid.first, mid.end]).toEqual([36, 56])
    const end = visibleWindow(10, { width: 450, height: 260, scrollTop: 5000 }, m, 1)
    expect(end.end).toBe(10)
    expect(end.first).toBeLessThanOrEqual(end.end)
  })

  it('handles an empty list and a viewport narrower than one tile', () => {
    expect(visibleWindow(0, { width: 450, height: 260, scrollTop: 0 }, m)).toMatchObject({ first: 0, end: 0, height: 0 })
    expect(visibleWindow(5, { width: 40, height: 260, scrollTop: 0 }, m).columns).toBe(1)
  })

  it('places tiles row by row', () => {
    expect(tilePosition(0, 4, m)).toEqual({ left: 0, top: 0 })
    expect(tilePosition(5, 4, m)).toEqual({ left: 110, top: 130 })
    // In a 460 px viewport the 4 columns spread: the last tile ends at the right edge.
    expect(tilePosition(3, 4, m, 460)).toEqual({ left: 360, top: 0 })
  })
})

describe('scroll height above what browsers allow', () => {
  it('caps the scroll area and scales positions so the end is still reachable', async () => {
    const { MAX_SCROLL_HEIGHT, scrollScale } = await import('./windowing')
    expect(scrollScale(5000, 800)).toEqual({ height: 5000, factor: 1 })
    // a million tiles, six to a row, 210 px rows
    const full = visibleWindow(1_000_000, { width: 1100, height: 800, scrollTop: 0 }, { tileWidth: 168, tileHeight: 200, gap: 10 }, 0).height
    const s = scrollScale(full, 800)
    expect(s.height).toBe(MAX_SCROLL_HEIGHT)
    // the last real scroll position shows the last row
    const last = visibleWindow(1_000_000, { width: 1100, height: 800, scrollTop: (s.height - 800) * s.factor }, { tileWidth: 168, tileHeight: 200, gap: 10 })
    expect(last.end).toBe(1_000_000)
  })
})
