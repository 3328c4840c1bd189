/**
 * The library view's state: the filters as typed (UI state), the total for the query and the pages of
 * it loaded around the part in view (random access: the grid knows the total and asks for the pages it
 * shows, so jumping to the end costs one page, and pages far from view are forgotten, so memory does
 * not grow with the entries scrolled past), the cursor and selection, deletions waiting for their undo
 * window, and the entry opened large. One slice of the studio store (see root.ts).
 *
 * Thumbnail object URLs are not kept here: they live in a reference-counted cache tied to the mounted
 * grid cells (features/library/thumbs.ts), so a virtualised grid frees them as cells scroll away.
 */
import type { LibraryDetail, LibraryItem, LibraryQuery } from '../../../shared/api'
import { defineSlice } from './root'

/** The filter bar as typed; '' = any. Dates are the <input type="date"> values (local days). */
export interface LibraryFilters {
  text: string
  model: string
  sampler: string
  schedule: string
  favourite: boolean
  from: string
  to: string
}

export interface LibraryState {
  filters: LibraryFilters
  /** Loaded pages of the query, by page number (entries [n*LIBRARY_PAGE, (n+1)*LIBRARY_PAGE)). */
  pages: Record<number, LibraryItem[]>
  total: number
  /** False when the total is the server's estimate (a search for a very common word). */
  totalExact: boolean
  /** Bumped by every new query so that pages of an older query arriving late are dropped. */
  queryId: number
  status: 'idle' | 'loading' | 'ready' | 'error'
  error: string | null
  /** Models the library holds images of (the model filter's choices). */
  models: string[]
  /** The keyboard cursor (an index into the query's entries) and the selection (ids), with its anchor for shift-click. */
  cursor: number
  selected: string[]
  anchor: number | null
  /** Ids deleted in the UI whose deletion waits for the undo window to pass. */
  pendingDelete: string[]
  /** The entry shown large (and its index, for the arrow keys), its details and its full image (object URL), once loaded. */
  openId: string | null
  openIndex: number | null
  detail: LibraryDetail | null
  detailUrl: string | null
  /** The open entry's init image and mask (bytes and object URLs), when the library kept them. */
  detailInputs: DetailInputs
  confirmDelete: boolean
  /** A short confirmation for the last action ("Loaded into the Generate form"). */
  notice: string | null
}

export interface DetailInput {
  bytes: Uint8Array
  url: string
  mime: string
}
export interface DetailInputs {
  init: DetailInput | null
  mask: DetailInput | null
}

export const LIBRARY_PAGE = 60
/** Pages kept at most (about ten screenfuls); the farthest from view go first. */
export const MAX_PAGES = 16

export const initialLibraryFilters: LibraryFilters = { text: '', model: '', sampler: '', schedule: '', favourite: false, from: '', to: '' }

export const initialLibraryState: LibraryState = {
  filters: initialLibraryFilters,
  pages: {},
  total: 0,
  totalExact: true,
  queryId: 0,
  status: 'idle',
  error: null,
  models: [],
  cursor: 0,
  selected: [],
  anchor: null,
  pendingDelete: [],
  openId: null,
  openIndex: null,
  detail: null,
  detailUrl: null,
  detailInputs: { init: null, mask: null },
  confirmDelete: false,
  notice: null
}

declare module './root' {
  interface Slices {
    library: LibraryState
  }
}

export const useLibraryStore = defineSlice('library', initialLibraryState)

/** A local calendar day's start or end as an ISO instant (the person means their own day, not UTC's). */
export function localDayBound(day: string, end: boolean): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined
  const d = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00.000'}`)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

/** The call's query for the filters as typed. */
export function libraryQuery(f: LibraryFilters, offset: number, limit = LIBRARY_PAGE): LibraryQuery {
  const q: LibraryQuery = { offset, limit }
  if (f.text.trim()) q.text = f.text.trim()
  if (f.model) q.model = f.model
  if (f.sampler) q.sampler = f.sampler
  if (f.schedule) q.schedule = f.schedule
  if (f.favourite) q.favourite = true
  const from = localDayBound(f.from, false)
  if (from) q.from = from
  const to = localDayBound(f.to, true)
  if (to) q.to = to
  return q
}

/** The page numbers that hold entries [first, end). */
export function pagesFor(first: number, end: number): number[] {
  const out: number[] = []
  for (let p = Math.floor(first / LIBRARY_PAGE); p * LIBRARY_PAGE < end; p++) out.push(p)
  return out
}

/** The pages with `page` added, keeping at most MAX_PAGES: those farthest from `near` are dropped. */
export function withPage(pages: Record<number, LibraryItem[]>, n: number, items: LibraryItem[], near: number): Record<number, LibraryItem[]> {
  const next = { ...pages, [n]: items }
  const keys = Object.keys(next).map(Number)
  if (keys.length <= MAX_PAGES) return next
  keys.sort((a, b) => Math.abs(b - near) - Math.abs(a - near))
  for (const k of keys.slice(0, keys.length - MAX_PAGES)) delete next[k]
  return next
}

/** The entry at an index of the query, when its page is loaded. */
export function itemAt(s: Pick<LibraryState, 'pages'>, index: number): LibraryItem | undefined {
  return s.pages[Math.floor(index / LIBRARY_PAGE)]?.[index % LIBRARY_PAGE]
}

/** Every loaded entry (for looking one up by id). */
export function loadedItems(s: Pick<LibraryState, 'pages'>): LibraryItem[] {
  return Object.values(s.pages).flat()
}

export const librarySelectors = {
  loaded: (s: LibraryState): number => Object.values(s.pages).reduce((n, p) => n + p.length, 0),
  open: (s: LibraryState): LibraryItem | undefined => (s.openId ? loadedItems(s).find((i) => i.id === s.openId) : undefined),
  countLine: (s: LibraryState): string => {
    if (s.status === 'error') return s.error ?? 'The library could not be read.'
    if (s.status === 'loading' && Object.keys(s.pages).length === 0) return 'Loading…'
    if (s.total === 0) return 'No images match.'
    const n = s.totalExact ? String(s.total) : `About ${s.total}`
    return `${n} image${s.total === 1 ? '' : 's'}${s.selected.length ? ` · ${s.selected.length} selected` : ''}`
  }
}
