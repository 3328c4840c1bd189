import { describe, expect, it } from 'vitest'
import type { LibraryReconcileEvent } from '../../shared/api'
import { watchReconcile } from './reconcile-progress'

describe('reconcile progress events', () => {
  it('reports a running pass with its phase and counts, then once that it is over', async () => {
    let finish!: () => void
    const lib = { background: new Promise<void>((r) => (finish = r)) as Promise<unknown> | null, progress: { phase: 'images', done: 3, total: 10 } as { phase: string; done: number; total: number } | null }
    const seen: LibraryReconcileEvent[] = []
    const stop = watchReconcile(() => lib, (e) => seen.push(e), 5)
    await expect.poll(() => seen.length).toBeGreaterThan(0)
    expect(seen[0]).toEqual({ running: true, phase: 'images', done: 3, total: 10 })
    lib.progress = { phase: 'thumbnails', done: 9, total: 10 }
    await expect.poll(() => seen.at(-1)?.phase).toBe('thumbnails')
    finish()
    lib.background = null
    lib.progress = null
    await expect.poll(() => seen.at(-1)?.running).toBe(false)
    const n = seen.length
    await new Promise((r) => setTimeout(r, 30))
    expect(seen.length).toBe(n) // nothing more while no pass runs
    stop()
  })

  it('says nothing when no pass runs or the library is off', async () => {
    const seen: LibraryReconcileEvent[] = []
    const stop = watchReconcile(() => null, (e) => seen.push(e), 5)
    await new Promise((r) => setTimeout(r, 30))
    expect(seen).toEqual([])
    stop()
  })
})
