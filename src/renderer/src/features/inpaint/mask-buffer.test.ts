import { describe, expect, it } from 'vitest'
import { MaskHistory, dab, emptyMask, invertBuffer, isBlank, maskShortcut, nextBrushSize, strokeSegment } from './mask-buffer'

describe('mask painting', () => {
  it('a hard dab covers a disc of the brush size; a soft one fades to its edge', () => {
    const m = emptyMask(32, 32)
    dab(m, 16, 16, { size: 10, hardness: 1, erase: false })
    const painted = m.data.reduce((a, v) => a + (v === 255 ? 1 : 0), 0)
    expect(painted).toBeGreaterThan(Math.PI * 25 * 0.8)
    expect(painted).toBeLessThan(Math.PI * 25 * 1.2)
    expect(m.data[16 * 32 + 16]).toBe(255)
    expect(m.data[0]).toBe(0)
    const s = emptyMask(32, 32)
    dab(s, 16, 16, { size: 16, hardness: 0, erase: false })
    expect(s.data[16 * 32 + 16]).toBeGreaterThan(200)
    expect(s.data[16 * 32 + 22]).toBeGreaterThan(0)
    expect(s.data[16 * 32 + 22]).toBeLessThan(128)
  })

  it('a stroke leaves no gaps however fast, and the eraser takes paint away', () => {
    const m = emptyMask(64, 16)
    strokeSegment(m, 2, 8, 60, 8, { size: 4, hardness: 1, erase: false })
    for (let x = 2; x < 60; x++) expect(m.data[8 * 64 + x]).toBe(255)
    strokeSegment(m, 20, 8, 30, 8, { size: 6, hardness: 1, erase: true })
    for (let x = 21; x < 29; x++) expect(m.data[8 * 64 + x]).toBe(0)
    expect(m.data[8 * 64 + 10]).toBe(255)
  })

  it('invert, blank, undo and redo', () => {
    const m = emptyMask(4, 4)
    expect(isBlank(m)).toBe(true)
    const h = new MaskHistory()
    h.push(m)
    invertBuffer(m)
    expect(isBlank(m)).toBe(false)
    expect(h.undo(m)).toBe(true)
    expect(isBlank(m)).toBe(true)
    expect(h.redo(m)).toBe(true)
    expect(m.data[0]).toBe(255)
    expect(h.redo(m)).toBe(false)
    h.push(m)
    dab(m, 0, 0, { size: 2, hardness: 1, erase: true })
    expect(h.canRedo).toBe(false)
  })

  it('keyboard: [ and ] size the brush, X swaps brush and eraser, Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo', () => {
    const k = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }> = {}) => maskShortcut({ key, ctrlKey: false, metaKey: false, shiftKey: false, ...mods })
    expect(k('[')).toBe('smaller')
    expect(k(']')).toBe('larger')
    expect(k('x')).toBe('swap')
    expect(k('z', { ctrlKey: true })).toBe('undo')
    expect(k('z', { metaKey: true, shiftKey: true })).toBe('redo')
    expect(k('y', { ctrlKey: true })).toBe('redo')
    expect(k('a')).toBeNull()
    expect(nextBrushSize(20, true)).toBe(24)
    expect(nextBrushSize(1, false)).toBe(1)
    expect(nextBrushSize(512, true)).toBe(512)
  })
})
