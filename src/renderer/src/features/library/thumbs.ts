/**
 * Thumbnail object URLs for the virtualised library grid, counted by the cells that show them. A cell
 * acquires its thumbnail when it mounts and releases it when it scrolls away; a URL nobody shows is kept
 * for a short while (the last IDLE_KEEP of them, so scrolling back does not refetch) and then revoked.
 */
import type { StudioClient } from '../../api'

interface Entry {
  refs: number
  url: string | null
  pending: Promise<string> | null
}

export const IDLE_KEEP = 120

const entries = new Map<string, Entry>()
/** Ids with no cell showing them, oldest first. */
const idle: string[] = []

function unidle(id: string): void {
  const i = idle.indexOf(id)
  if (i >= 0) idle.splice(i, 1)
}

function evict(): void {
  while (idle.length > IDLE_KEEP) {
    const id = idle.shift()!
    const e = entries.get(id)
    if (e && e.refs === 0) {
      if (e.url) URL.revokeObjectURL(e.url)
      entries.delete(id)
    }
  }
}

/** The thumbnail's URL (fetched once); pair every call with releaseThumb. */
export function acquireThumb(client: StudioClient, id: string): Promise<string> {
  let e = entries.get(id)
  if (!e) {
    e = { refs: 0, url: null, pending: null }
    entries.set(id, e)
  }
  e.refs++
  unidle(id)
  if (e.url) return Promise.resolve(e.url)
  if (!e.pending) {
    const entry = e
    entry.pending = client.call('studio:library:thumb', { id }).then(
      (t) => {
        const url = URL.createObjectURL(new Blob([t.data as BlobPart], { type: t.mime }))
        // Dropped while loading (deleted, or the cache was cleared): do not keep it.
        if (entries.get(id) !== entry) {
          URL.revokeObjectURL(url)
          throw new Error('dropped')
        }
        entry.url = url
        entry.pending = null
        return url
      },
      (err: unknown) => {
        entries.delete(id)
        throw err
      }
    )
  }
  return e.pending!
}

export function releaseThumb(id: string): void {
  const e = entries.get(id)
  if (!e) return
  e.refs = Math.max(0, e.refs - 1)
  if (e.refs === 0) {
    idle.push(id)
    evict()
  }
}

/** Forgets a thumbnail now (its image was deleted). */
export function dropThumb(id: string): void {
  const e = entries.get(id)
  if (e?.url) URL.revokeObjectURL(e.url)
  entries.delete(id)
  unidle(id)
}

/** Forgets every thumbnail nobody shows (the library folder changed). */
export function dropIdleThumbs(): void {
  for (const id of [...idle]) dropThumb(id)
}

/** For tests: how many URLs are alive. */
export function liveThumbCount(): number {
  let n = 0
  for (const e of entries.values()) if (e.url) n++
  return n
}
