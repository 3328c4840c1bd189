/**
 * The library view's actions (module-level, as the other features do): query and page, refresh when a
 * job saves new results, open an entry large, favourite, delete, compare, and "use these settings".
 *
 * The open entry's full image is an object URL owned here: it is revoked when the entry closes, unless
 * the compare view still shows it, in which case it is revoked when compare lets go of it.
 */
import type { LibraryInputRole, LibraryItem } from '../../../../shared/api'
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from '../../../../shared/catalogue'
import type { StudioClient } from '../../api'
import { compareSelectors, pick, useCompareStore } from '../../store/compare'
import { loadParamsIntoDraft } from '../../store/generate'
import { setInpaint } from '../../store/inpaint'
import { chooseInitBytes } from '../generate/init-actions'
import { itemAt, LIBRARY_PAGE, type DetailInput, libraryQuery, pagesFor, useLibraryStore, withPage, type LibraryFilters } from '../../store/library'
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

/** Pages on their way, as "queryId:page". */
const pending = new Set<string>()
/** The entries in view [first, end), as the grid last said. */
let view = { first: 0, end: LIBRARY_PAGE }

async function fetchPage(client: StudioClient, queryId: number, n: number): Promise<void> {
  const key = `${queryId}:${n}`
  if (pending.has(key)) return
  pending.add(key)
  try {
    const page = await client.call('studio:library:list', libraryQuery(get().filters, n * LIBRARY_PAGE))
    if (get().queryId !== queryId) return
    set((s) => ({ pages: withPage(s.pages, n, page.items, Math.floor(view.first / LIBRARY_PAGE)), total: page.total, totalExact: page.totalExact, status: 'ready', error: null }))
  } catch (e) {
    if (get().queryId !== queryId) return
    set({ status: 'error', error: message(e) })
  } finally {
    pending.delete(key)
  }
}

/** Loads the pages that hold entries [first, end) (what the grid shows) that are not loaded yet. */
export function showRange(client: StudioClient, first: number, end: number): void {
  view = { first, end }
  const s = get()
  for (const n of pagesFor(first, Math.max(first + 1, end))) if (!s.pages[n] && (n === 0 || n * LIBRARY_PAGE < s.total)) void fetchPage(client, s.queryId, n)
}

/** A new query for the current filters: forgets the pages and loads what is in view. */
export async function reload(client: StudioClient, keepPosition = false): Promise<void> {
  const queryId = get().queryId + 1
  set((s) => ({ queryId, status: 'loading', error: null, pages: {}, ...(keepPosition ? {} : { cursor: 0, selected: [], anchor: null }), total: keepPosition ? s.total : 0 }))
  if (!keepPosition) view = { first: 0, end: LIBRARY_PAGE }
  await Promise.all(pagesFor(view.first, Math.max(view.first + 1, view.end)).map((n) => fetchPage(client, queryId, n)))
}

/** New results (a job finished while the view is open) shift every position: load the view again. */
export async function refreshNewest(client: StudioClient): Promise<void> {
  await reload(client, true)
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

//#region cursor, selection, bulk actions

/** Moves the keyboard cursor (clamped to the entries). */
export function moveCursor(to: number): void {
  const total = get().total
  set({ cursor: Math.max(0, Math.min(total - 1, to)) })
}

/** A click with modifiers: ctrl/cmd toggles one entry, shift selects the loaded range from the anchor. */
export function selectAt(index: number, mode: 'toggle' | 'range'): void {
  const s = get()
  const item = itemAt(s, index)
  if (!item) return
  if (mode === 'toggle' || s.anchor === null) {
    const on = !s.selected.includes(item.id)
    set({ selected: on ? [...s.selected, item.id] : s.selected.filter((id) => id !== item.id), anchor: index, cursor: index })
    return
  }
  const [a, b] = s.anchor < index ? [s.anchor, index] : [index, s.anchor]
  const ids = new Set(s.selected)
  for (let i = a; i <= b; i++) {
    const it = itemAt(s, i)
    if (it) ids.add(it.id)
  }
  set({ selected: [...ids], cursor: index })
}

export function clearSelection(): void {
  set({ selected: [], anchor: null })
}

/** The selection, or the entry under the cursor when nothing is selected. */
function targets(): string[] {
  const s = get()
  if (s.selected.length) return s.selected
  const it = itemAt(s, s.cursor)
  return it ? [it.id] : []
}

export async function favouriteSelection(client: StudioClient, favourite: boolean): Promise<void> {
  const ids = targets()
  for (const id of ids) await setFavourite(client, id, favourite)
  set({ notice: `${favourite ? 'Favourited' : 'Unfavourited'} ${ids.length} image${ids.length === 1 ? '' : 's'}.` })
}

export async function exportSelection(client: StudioClient): Promise<void> {
  const ids = targets()
  if (!ids.length) return
  try {
    const r = await client.call('studio:library:export', { ids })
    set({ notice: `Exported ${r.files} image${r.files === 1 ? '' : 's'} to ${r.dir}${r.skipped ? ` (${r.skipped} skipped: file missing)` : ''}.` })
  } catch (e) {
    set({ notice: message(e) })
  }
}

/** How long a deletion can be undone before the files go. */
export const UNDO_MS = 6000
let deleting: ReturnType<typeof setTimeout> | undefined

/** Deletes the selection (or the cursor's entry) once the undo window has passed; undoDelete() keeps them. */
export function deleteWithUndo(client: StudioClient, ids: string[] = targets()): void {
  if (!ids.length) return
  set((s) => ({ pendingDelete: [...new Set([...s.pendingDelete, ...ids])], selected: [], notice: `Deleting ${ids.length} image${ids.length === 1 ? '' : 's'}…` }))
  clearTimeout(deleting)
  deleting = setTimeout(() => void flushDeletes(client), UNDO_MS)
}

export function undoDelete(): void {
  clearTimeout(deleting)
  const n = get().pendingDelete.length
  set({ pendingDelete: [], notice: `Kept ${n} image${n === 1 ? '' : 's'}.` })
}

/** Carries out the deletions waiting for their undo window (also when the view closes). */
export async function flushDeletes(client: StudioClient): Promise<void> {
  clearTimeout(deleting)
  const ids = get().pendingDelete
  if (!ids.length) return
  set({ pendingDelete: [] })
  let failed = 0
  for (const id of ids) {
    try {
      await client.call('studio:library:delete', { id })
      dropThumb(id)
    } catch {
      failed++
    }
  }
  if (get().openId && ids.includes(get().openId!)) closeEntry()
  set({ notice: failed ? `${failed} of ${ids.length} images could not be deleted.` : `Deleted ${ids.length} image${ids.length === 1 ? '' : 's'}.` })
  await reload(client, true)
}

//#endregion

//#region one entry

/** Revokes the open entry's input URLs (they are shown nowhere else). */
function releaseInputs(): void {
  const { init, mask } = get().detailInputs
  for (const i of [init, mask]) if (i) URL.revokeObjectURL(i.url)
  set({ detailInputs: { init: null, mask: null } })
}

/** The init image or mask an entry was made from, when the library kept it (null when not, or gone). */
async function loadInput(client: StudioClient, id: string, role: LibraryInputRole, kept: boolean): Promise<DetailInput | null> {
  if (!kept) return null
  const r = await client.call('studio:library:input', { id, role }).catch(() => null)
  return r ? { bytes: r.data, mime: r.mime, url: URL.createObjectURL(new Blob([r.data as BlobPart], { type: r.mime })) } : null
}

export async function openEntry(client: StudioClient, id: string, index: number | null = null): Promise<void> {
  watchCompare()
  releaseInputs()
  set((s) => ({ openId: id, openIndex: index, cursor: index ?? s.cursor, detail: null, detailUrl: null, confirmDelete: false, notice: null, error: null }))
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
    const [init, mask] = await Promise.all([loadInput(client, id, 'init', detail.inputs?.init ?? false), loadInput(client, id, 'mask', detail.inputs?.mask ?? false)])
    if (get().openId !== id) {
      for (const i of [init, mask]) if (i) URL.revokeObjectURL(i.url)
      return
    }
    set({ detailInputs: { init, mask } })
  } catch (e) {
    if (get().openId === id) set({ notice: message(e) })
  }
}

/** Opens the entry `step` places away from the open one (the arrow keys in the large view). */
export async function openNeighbour(client: StudioClient, step: number): Promise<void> {
  const s = get()
  if (s.openIndex === null) return
  const index = s.openIndex + step
  if (index < 0 || index >= s.total) return
  let item = itemAt(s, index)
  if (!item) {
    showRange(client, index, index + 1)
    const page = await client.call('studio:library:list', libraryQuery(s.filters, index, 1)).catch(() => null)
    item = page?.items[0]
  }
  if (item) await openEntry(client, item.id, index)
}

export function closeEntry(): void {
  releaseInputs()
  set({ openId: null, openIndex: null, detail: null, detailUrl: null, confirmDelete: false, notice: null })
  releaseUnused()
}

export async function setFavourite(client: StudioClient, id: string, favourite: boolean): Promise<void> {
  try {
    await client.call('studio:library:favourite', { id, favourite })
    set((s) => ({
      pages: Object.fromEntries(Object.entries(s.pages).map(([n, items]) => [n, items.map((i) => (i.id === id ? { ...i, favourite } : i))])),
      detail: s.detail && s.detail.entry.id === id ? { ...s.detail, entry: { ...s.detail.entry, favourite } } : s.detail
    }))
    // Unfavouriting under the favourites filter takes the entry out of the list: positions shift.
    if (get().filters.favourite && !favourite) refetchSoon(client)
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
  if (get().openId === id) closeEntry()
  await reload(client, true)
}

let refetch: ReturnType<typeof setTimeout> | undefined
function refetchSoon(client: StudioClient): void {
  clearTimeout(refetch)
  refetch = setTimeout(() => void reload(client, true), 400)
}

/** Shows the open entry on one side of the compare view. */
export function compareAs(side: 'a' | 'b'): void {
  const s = get()
  if (!s.detail || !s.detailUrl) return
  pick(side, { url: s.detailUrl, label: `${s.detail.entry.params.prompt.slice(0, 40)} · ${entryLabel(s.detail.entry)}`, cell: -1 })
  set({ notice: `Picked as ${side.toUpperCase()} for Compare.` })
}

/**
 * Loads the entry's parameters into the Generate form and shows it. When the library kept the init
 * image and mask it was made from, they come back too: the init image into img2img, the mask into the
 * mask editor (with the inpainting options), so the next job repeats this one.
 */
export async function loadIntoGenerate(item: LibraryItem): Promise<void> {
  const { init, mask } = get().detail?.entry.id === item.id ? get().detailInputs : { init: null, mask: null }
  const i2i = item.params.img2img
  if (init && i2i) {
    if (i2i.inpaint) {
      const { mask: _label, ...options } = i2i.inpaint
      setInpaint({ on: true, settings: options, restoreMask: mask ? { bytes: mask.bytes, forInit: i2i.image } : null })
    } else setInpaint({ on: false, restoreMask: null })
    await chooseInitBytes(init.bytes, `Library: ${item.params.prompt.slice(0, 40)}`)
  }
  // After the init image: the form then sees that it is the one the settings name.
  loadParamsIntoDraft(item.params)
  closeEntry()
  showView('generate')
}

//#endregion
