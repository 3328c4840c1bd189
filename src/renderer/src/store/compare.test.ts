import { afterEach, describe, expect, it, vi } from 'vitest'
import { clearPicks, heldForCompare, initialCompareState, pick, releaseWhenUnpinned, swapPicks, useCompareStore } from './compare'

const p = (url: string): { url: string; label: string; cell: number } => ({ url, label: url, cell: 0 })

describe('compare picks', () => {
  afterEach(() => {
    useCompareStore.setState(initialCompareState)
    vi.restoreAllMocks()
  })

  it('swaps and clears', () => {
    pick('a', p('blob:a'))
    pick('b', p('blob:b'))
    swapPicks()
    expect(useCompareStore.getState()).toMatchObject({ a: { url: 'blob:b' }, b: { url: 'blob:a' } })
    useCompareStore.setState({ flicker: true })
    clearPicks()
    expect(useCompareStore.getState()).toMatchObject({ a: null, b: null, flicker: false })
  })

  it('frees an unpicked URL at once and a picked one only when the pick is replaced or cleared', () => {
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
    releaseWhenUnpinned('blob:free')
    expect(revoke).toHaveBeenCalledWith('blob:free')

    pick('a', p('blob:1'))
    pick('b', p('blob:2'))
    releaseWhenUnpinned('blob:1')
    releaseWhenUnpinned('blob:2')
    expect(revoke).not.toHaveBeenCalledWith('blob:1')
    expect(heldForCompare()).toBe(2)

    // Swapping keeps both on screen.
    swapPicks()
    expect(revoke).not.toHaveBeenCalledWith('blob:1')
    pick('b', p('blob:3'))
    expect(revoke).toHaveBeenCalledWith('blob:1')
    expect(revoke).not.toHaveBeenCalledWith('blob:2')
    clearPicks()
    expect(revoke).toHaveBeenCalledWith('blob:2')
    // blob:3 was never released by its owner, so it is not ours to free.
    expect(revoke).not.toHaveBeenCalledWith('blob:3')
    expect(heldForCompare()).toBe(0)
  })
})
