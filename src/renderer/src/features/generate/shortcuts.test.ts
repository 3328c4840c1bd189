import { describe, expect, it } from 'vitest'
import { shortcutFor } from './shortcuts'

const key = (k: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'isComposing', boolean>> = {}) =>
  shortcutFor({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, isComposing: false, ...mods })

describe('generate shortcuts', () => {
  it('Ctrl+Enter and Cmd+Enter generate; Esc cancels', () => {
    expect(key('Enter', { ctrlKey: true })).toBe('generate')
    expect(key('Enter', { metaKey: true })).toBe('generate')
    expect(key('Escape')).toBe('cancel')
  })

  it('leaves plain Enter, other combinations and IME composition alone', () => {
    expect(key('Enter')).toBeNull()
    expect(key('Enter', { ctrlKey: true, shiftKey: true })).toBeNull()
    expect(key('Enter', { ctrlKey: true, altKey: true })).toBeNull()
    expect(key('Escape', { shiftKey: true })).toBeNull()
    expect(key('Enter', { ctrlKey: true, isComposing: true })).toBeNull()
    expect(key('Escape', { isComposing: true })).toBeNull()
    expect(key('a', { ctrlKey: true })).toBeNull()
  })
})
