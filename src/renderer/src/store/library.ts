/**
 * The library view's state: the filters as typed (UI state), the entries loaded so far (newest first,
 * page by page), and the entry opened large. One slice of the studio store (see root.ts).
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
  items: LibraryItem[]
  total: number
  /** Bumped by every new query so that pages of an older query arriving late are dropped. */
  queryId: number
  status: 'idle' | 'loading' | 'ready' | 'error'
  error: string | null
  /** Models the library holds images of (the model filter's choices). */
  models: string[]
  /** The entry shown large, its details and its full image (object URL), once loaded. */
  openId: string | null
  detail: LibraryDetail | null
  detailUrl: string | null
  confirmDelete: boolean
  /** A short confirmation for the last action ("Loaded into the Generate form"). */
  notice: string | null
}

export const LIBRARY_PAGE = 60

export const initialLibraryFilters: LibraryFilters = { text: '', model: '', sampler: '', schedule: '', favourite: false, from: '', to: '' }

export const initialLibraryState: LibraryState = {
  filters: initialLibraryFilters,
  items: [],
  total: 0,
  queryId: 0,
  status: 'idle',
  error: null,
  models: [],
  openId: null,
  detail: null,
  detailUrl: null,
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

/** New entries (a fresh first page) put in front of those already loaded, without duplicates. */
export function mergeNewest(current: LibraryItem[], firstPage: LibraryItem[]): LibraryItem[] {
  const known = new Set(current.map((i) => i.id))
  const fresh = firstPage.filter((i) => !known.has(i.id))
  return fresh.length ? [...fresh, ...current] : current
}

/** Appends a later page, skipping entries already present (a result saved between pages shifts them). */
export function appendPage(current: LibraryItem[], page: LibraryItem[]): LibraryItem[] {
  const known = new Set(current.map((i) => i.id))
  return [...current, ...page.filter((i) => !known.has(i.id))]
}

export const librarySelectors = {
  hasMore: (s: LibraryState): boolean => s.items.length < s.total,
  open: (s: LibraryState): LibraryItem | undefined => (s.openId ? s.items.find((i) => i.id === s.openId) : undefined),
  countLine: (s: LibraryState): string => {
    if (s.status === 'error') return s.error ?? 'The library could not be read.'
    if (s.status === 'loading' && s.items.length === 0) return 'Loading…'
    if (s.total === 0) return 'No images match.'
    return `${s.total} image${s.total === 1 ? '' : 's'}${s.items.length < s.total ? ` (${s.items.length} loaded)` : ''}`
  }
}
