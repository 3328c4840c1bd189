/**
 * The library view's actions (module-level, as the other features do): query and page, refresh when a
 * job saves new results, open an entry large, favourite, delete, compare, and "use these settings".
 *
 * The open entry's full image is an object URL owned here: it is revoked when the entry closes, unless
 * the compare view still shows it, in which case it is revoked when compare lets go of it.
 */
import type { LibraryItem } from '../../../../shared/api'
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from '../../../../shared/catalogue'
import type { StudioClient } from '../../api'
import { compareSelectors, pick, useCompareStore } from '../../store/compare'
import { loadParamsIntoDraft } from '../../store/generate'
import { appendPage, LIBRARY_PAGE, libraryQuery, mergeNewest, useLibraryStore, type LibraryFilters } from '../../store/library'
import { fieldError } from '../../store/presets'
import { showView } from '../../store/ui'
import { dropThumb } from './thumbs'

const set = useLibraryStore.setState
const get = useLibraryStore.getState

/**
 * A failed call's message. "library: the library is off…" reads better without its field; a filter's
 * field ("to: is before from") is what the message is about, so it stays.
 */
const message = (e: unknown): string => {
  const fe = fieldError(e, '')
  return fe.field === 'library' ? fe.message : e instanceof Error ? e.message : String(e)
}

/** One line describing an entry: sampler / schedule / steps / CFG / seed. */
export function entryLabel(i: LibraryItem): string {
  const p = i.params
  const sampler = SAMPLER_BY_ID.get(p.sampler)?.displayName ?? p.sampler
  const schedule = SCHEDULE_BY_ID.get(p.schedule)?.displayName ?? p.schedule
  return `${sampler} / ${schedule} · ${p.steps} steps · CFG ${p.cfg} · seed ${p.seed}`
}

//#region object URLs of full images

/** Full-image URLs this feature made and has not revoked yet. */
const owned = new Set<string>()

/** Revokes our URLs that neither the open entry nor the compare view shows any more. */
function releaseUnused(): void {
  const keep = new Set([get().detailUrl, ...compareSelectors.pinnedUrls(useCompareStore.getState())])
  for (const url of owned) {
    if (!keep.has(url)) {
      URL.revokeObjectURL(url)
      owned.delete(url)
    }
  }
}

let comparesWatched = false
function watchCompare(): void {
  if (comparesWatched) return
  comparesWatched = true
  useCompareStore.subscribe(() => releaseUnused())
}

//#endregion

//#region querying

/** Loads the first page for the current filters (a new query). */
export async function reload(client: StudioClient): Promise<void> {
  const queryId = get().queryId + 1
  set({ queryId, status: 'loading', error: null })
  try {
    const page = await client.call('studio:library:list', libraryQuery(get().filters, 0))
    if (get().queryId !== queryId) return
    set({ items: page.items, total: page.total, status: 'ready' })
  } catch (e) {
    if (get().queryId !== queryId) return
    set({ status: 'error', error: message(e), items: [], total: 0 })
  }
}

/** The next page, when there is one and none is loading. */
export async function loadMore(client: StudioClient): Promise<void> {
  const s = get()
  if (s.status === 'loading' || s.items.length >= s.total) return
  const queryId = s.queryId
  set({ status: 'loading' })
  try {
    const page = await client.call('studio:library:list', libraryQuery(s.filters, s.items.length))
    if (get().queryId !== queryId) return
    set((st) => ({ items: appendPage(st.items, page.items), total: page.total, status: 'ready' }))
  } catch (e) {
    if (get().queryId !== queryId) return
    set({ status: 'error', error: message(e) })
  }
}

/** Puts entries saved since the last load in front (a job finished while the view is open). */
export async function refreshNewest(client: StudioClient): Promise<void> {
  const s = get()
  // A page is on its way: look again once it has arrived rather than racing it.
  if (s.status === 'loading') return void setTimeout(() => void refreshNewest(client), 500)
  const queryId = s.queryId
  try {
    const page = await client.call('studio:library:list', libraryQuery(s.filters, 0, LIBRARY_PAGE))
    if (get().queryId !== queryId) return
    set((st) => ({ items: mergeNewest(st.items, page.items), total: page.total }))
  } catch {
    /* a refresh is a courtesy; the next query shows the error */
  }
}

export async function loadModels(client: StudioClient): Promise<void> {
  try {
    set({ models: (await client.call('studio:library:models', {})).models })
  } catch {
    /* the list itself reports a library that cannot be read */
  }
}

let typing: ReturnType<typeof setTimeout> | undefined
/** Changes a filter; text searches wait for a pause in typing, other filters apply at once. */
export function setFilter(client: StudioClient, patch: Partial<LibraryFilters>): void {
  set((s) => ({ filters: { ...s.filters, ...patch } }))
  clearTimeout(typing)
  if ('text' in patch) typing = setTimeout(() => void reload(client), 250)
  else void reload(client)
}

/** Refreshes the view when a job saves results (once per burst of results). */
export function connectLibraryEvents(client: StudioClient): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const off = client.on('studio:result', () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      void refreshNewest(client)
      void loadModels(client)
    }, 300)
  })
  return () => {
    clearTimeout(timer)
    off()
  }
}

//#endregion

//#region one entry

export async function openEntry(client: StudioClient, id: string): Promise<void> {
  watchCompare()
  set({ openId: id, detail: null, detailUrl: null, confirmDelete: false, notice: null, error: null })
  releaseUnused()
  try {
    const [detail, img] = await Promise.all([client.call('studio:library:get', { id }), client.call('studio:library:image', { id }).catch(() => null)])
    if (get().openId !== id) return
    let detailUrl: string | null = null
    if (img) {
      detailUrl = URL.createObjectURL(new Blob([img.data as BlobPart], { type: img.mime }))
      owned.add(detailUrl)
    }
    set({ detail, detailUrl })
  } catch (e) {
    if (get().openId === id) set({ notice: message(e) })
  }
}

export function closeEntry(): void {
  set({ openId: null, detail: null, detailUrl: null, confirmDelete: false, notice: null })
  releaseUnused()
}

export async function setFavourite(client: StudioClient, id: string, favourite: boolean): Promise<void> {
  try {
    await client.call('studio:library:favourite', { id, favourite })
    set((s) => {
      // Unfavouriting under the favourites filter takes the entry out of the list.
      if (s.filters.favourite && !favourite) return { items: s.items.filter((i) => i.id !== id), total: Math.max(0, s.total - 1) }
      return {
        items: s.items.map((i) => (i.id === id ? { ...i, favourite } : i)),
        detail: s.detail && s.detail.entry.id === id ? { ...s.detail, entry: { ...s.detail.entry, favourite } } : s.detail
      }
    })
  } catch (e) {
    set({ notice: message(e) })
  }
}

export async function deleteEntry(client: StudioClient, id: string): Promise<void> {
  try {
    await client.call('studio:library:delete', { id })
  } catch (e) {
    set({ notice: message(e), confirmDelete: false })
    return
  }
  dropThumb(id)
  set((s) => ({ items: s.items.filter((i) => i.id !== id), total: Math.max(0, s.total - 1) }))
  if (get().openId === id) closeEntry()
}

/** Shows the open entry on one side of the compare view. */
export function compareAs(side: 'a' | 'b'): void {
  const s = get()
  if (!s.detail || !s.detailUrl) return
  pick(side, { url: s.detailUrl, label: `${s.detail.entry.params.prompt.slice(0, 40)} · ${entryLabel(s.detail.entry)}`, cell: -1 })
  set({ notice: `Picked as ${side.toUpperCase()} for Compare.` })
}

/** Loads the entry's parameters into the Generate form and shows it. */
export function loadIntoGenerate(item: LibraryItem): void {
  loadParamsIntoDraft(item.params)
  closeEntry()
  showView('generate')
}

//#endregion
