/**
 * The library view: every image kept, newest first, in a virtualised thumbnail grid that knows the total
 * and loads the pages in view (so the scrollbar jumps anywhere at once); a search box over the prompts
 * and filters by model, sampler, schedule, favourite and date; an image opens large with its settings
 * (EntryOverlay). Keyboard: arrows move the cursor, Home/End, Page Up/Down, Enter opens, Space selects,
 * Delete deletes the selection (or the cursor's image) with a few seconds to undo, Esc clears the
 * selection. Ctrl/cmd- and shift-click select; the bar above the grid favourites, exports or deletes the
 * selection. New results appear when a job saves them.
 */
import { useCallback, useEffect, useRef } from 'react'
import { SAMPLERS, SCHEDULES } from '../../../../shared/catalogue'
import type { StudioClient } from '../../api'
import { itemAt, librarySelectors, useLibraryStore, type LibraryState } from '../../store/library'
import {
  clearSelection,
  connectLibraryEvents,
  deleteWithUndo,
  exportSelection,
  favouriteSelection,
  flushDeletes,
  loadModels,
  moveCursor,
  openEntry,
  reload,
  selectAt,
  setFilter,
  showRange,
  undoDelete
} from './actions'
import { EntryOverlay } from './EntryOverlay'
import { LibraryTile, TilePlaceholder } from './LibraryTile'
import { VirtualGrid } from './VirtualGrid'
import { ReconcileLine } from './ReconcileLine'
import './library.css'

const METRICS = { tileWidth: 168, tileHeight: 200, gap: 10 }

type Option = { value: string; text: string }
const SAMPLER_OPTIONS: Option[] = SAMPLERS.map((s) => ({ value: s.id, text: s.displayName }))
const SCHEDULE_OPTIONS: Option[] = SCHEDULES.map((s) => ({ value: s.id, text: s.displayName }))

/** A filter on one field: "any" (no filter, the empty value) or one of the options. */
function AnyOf({ label, value, options, onChange }: { label: string; value: string; options: Option[]; onChange(value: string): void }): React.JSX.Element {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
    </label>
  )
}

const get = (): LibraryState => useLibraryStore.getState()

export function LibraryPanel({ client }: { client: StudioClient }): React.JSX.Element {
  const filters = useLibraryStore((s) => s.filters)
  const pages = useLibraryStore((s) => s.pages)
  const total = useLibraryStore((s) => s.total)
  const cursor = useLibraryStore((s) => s.cursor)
  const selected = useLibraryStore((s) => s.selected)
  const pendingDelete = useLibraryStore((s) => s.pendingDelete)
  const models = useLibraryStore((s) => s.models)
  const countLine = useLibraryStore(librarySelectors.countLine)
  const failed = useLibraryStore((s) => s.status === 'error')
  const layout = useRef({ columns: 1, rows: 1 })

  useEffect(() => {
    void reload(client)
    void loadModels(client)
    const off = connectLibraryEvents(client)
    return () => {
      off()
      void flushDeletes(client) // leaving the view carries out deletions still waiting for their undo window
    }
  }, [client])
  const onRange = useCallback((first: number, end: number) => showRange(client, first, end), [client])
  const onLayout = useCallback((columns: number, rows: number) => (layout.current = { columns, rows }), [])
  const at = useCallback((i: number) => itemAt({ pages }, i), [pages])
  const render = useCallback(
    (item: ReturnType<typeof at>, index: number) =>
      item ? <LibraryTile client={client} item={item} index={index} selected={selected.includes(item.id)} deleting={pendingDelete.includes(item.id)} /> : <TilePlaceholder />,
    [client, selected, pendingDelete]
  )
  const onKeyDown = (e: React.KeyboardEvent<HTMLDivElement>): void => {
    const { columns, rows } = layout.current
    const c = get().cursor
    const moves: Record<string, number> = { ArrowLeft: c - 1, ArrowRight: c + 1, ArrowUp: c - columns, ArrowDown: c + columns, PageUp: c - columns * rows, PageDown: c + columns * rows, Home: 0, End: get().total - 1 }
    if (e.key in moves) {
      e.preventDefault()
      moveCursor(moves[e.key])
      if (e.shiftKey) selectAt(get().cursor, 'range')
    } else if (e.key === 'Enter') {
      const item = itemAt(get(), c)
      if (item) void openEntry(client, item.id, c)
    } else if (e.key === ' ') {
      e.preventDefault()
      selectAt(c, 'toggle')
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault()
      deleteWithUndo(client)
    } else if (e.key === 'Escape') clearSelection()
  }

  return (
    <section className="library" aria-label="Library">
      <form className="library-filters" role="search" aria-label="Search the library" onSubmit={(e) => e.preventDefault()}>
        <label className="grow">
          Search prompts
          <input type="search" value={filters.text} placeholder="words in the prompt; word* matches a prefix" onChange={(e) => setFilter(client, { text: e.target.value })} />
        </label>
        <AnyOf label="Model" value={filters.model} options={models.map((m) => ({ value: m, text: m || '(default)' }))} onChange={(model) => setFilter(client, { model })} />
        <AnyOf label="Sampler" value={filters.sampler} options={SAMPLER_OPTIONS} onChange={(sampler) => setFilter(client, { sampler })} />
        <AnyOf label="Schedule" value={filters.schedule} options={SCHEDULE_OPTIONS} onChange={(schedule) => setFilter(client, { schedule })} />
        <label>
          From
          <input type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => setFilter(client, { from: e.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => setFilter(client, { to: e.target.value })} />
        </label>
        <label className="check">
          <input type="checkbox" checked={filters.favourite} onChange={(e) => setFilter(client, { favourite: e.target.checked })} />
          Favourites only
        </label>
      </form>
      <ReconcileLine client={client} />
      <p className={`library-count${failed ? ' error' : ''}`} role="status" aria-live="polite">
        {countLine}
      </p>
      <div className="library-bulk" role="toolbar" aria-label="Selected images">
        {pendingDelete.length > 0 && (
          <>
            <span>
              {pendingDelete.length} image{pendingDelete.length === 1 ? '' : 's'} will be deleted.
            </span>
            <button type="button" onClick={undoDelete}>
              Undo
            </button>
          </>
        )}
        {selected.length > 0 && (
          <>
            <span>{selected.length} selected:</span>
            <button type="button" onClick={() => void favouriteSelection(client, true)}>
              ★ Favourite
            </button>
            <button type="button" onClick={() => void favouriteSelection(client, false)}>
              ☆ Unfavourite
            </button>
            <button type="button" onClick={() => void exportSelection(client)}>
              Export
            </button>
            <button type="button" className="danger" onClick={() => deleteWithUndo(client)}>
              Delete
            </button>
            <button type="button" onClick={clearSelection}>
              Clear selection
            </button>
          </>
        )}
      </div>
      <VirtualGrid count={total} itemAt={at} metrics={METRICS} keyOf={(i) => i.id} render={render} onRange={onRange} onLayout={onLayout} cursor={cursor} onKeyDown={onKeyDown} label="Library images" />
      <EntryOverlay client={client} />
    </section>
  )
}
