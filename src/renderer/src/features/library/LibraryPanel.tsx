/**
 * The library view: every image kept, newest first, in a virtualised thumbnail grid that loads page by
 * page as it scrolls; a search box over the prompts and filters by model, sampler, schedule, favourite
 * and date; an image opens large with its settings (EntryOverlay). New results appear when a job saves
 * them.
 */
import { useCallback, useEffect } from 'react'
import { SAMPLERS, SCHEDULES } from '../../../../shared/catalogue'
import type { StudioClient } from '../../api'
import { librarySelectors, useLibraryStore } from '../../store/library'
import { connectLibraryEvents, loadModels, loadMore, reload, setFilter } from './actions'
import { EntryOverlay } from './EntryOverlay'
import { LibraryTile } from './LibraryTile'
import { VirtualGrid } from './VirtualGrid'
import './library.css'

const METRICS = { tileWidth: 168, tileHeight: 200, gap: 10 }

export function LibraryPanel({ client }: { client: StudioClient }): React.JSX.Element {
  const filters = useLibraryStore((s) => s.filters)
  const items = useLibraryStore((s) => s.items)
  const models = useLibraryStore((s) => s.models)
  const countLine = useLibraryStore(librarySelectors.countLine)
  const failed = useLibraryStore((s) => s.status === 'error')

  useEffect(() => {
    void reload(client)
    void loadModels(client)
    return connectLibraryEvents(client)
  }, [client])
  const more = useCallback(() => void loadMore(client), [client])
  const render = useCallback((item: (typeof items)[number]) => <LibraryTile client={client} item={item} />, [client])

  return (
    <section className="library" aria-label="Library">
      <form className="library-filters" role="search" aria-label="Search the library" onSubmit={(e) => e.preventDefault()}>
        <label className="grow">
          Search prompts
          <input type="search" value={filters.text} placeholder="words in the prompt; word* matches a prefix" onChange={(e) => setFilter(client, { text: e.target.value })} />
        </label>
        <label>
          Model
          <select value={filters.model} onChange={(e) => setFilter(client, { model: e.target.value })}>
            <option value="">any</option>
            {models.map((m) => (
              <option key={m} value={m}>
                {m || '(default)'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sampler
          <select value={filters.sampler} onChange={(e) => setFilter(client, { sampler: e.target.value })}>
            <option value="">any</option>
            {SAMPLERS.map((s) => (
              <option key={s.id} value={s.id}>
                {s.displayName}
              </option>
            ))}
          </select>
        </label>
        <label>
          Schedule
          <select value={filters.schedule} onChange={(e) => setFilter(client, { schedule: e.target.value })}>
            <option value="">any</option>
            {SCHEDULES.map((s) => (
              <option key={s.id} value={s.id}>
                {s.displayName}
              </option>
            ))}
          </select>
        </label>
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
      <p className={`library-count${failed ? ' error' : ''}`} role="status" aria-live="polite">
        {countLine}
      </p>
      <VirtualGrid items={items} metrics={METRICS} keyOf={(i) => i.id} render={render} onNearEnd={more} label="Library images" />
      <EntryOverlay client={client} />
    </section>
  )
}
