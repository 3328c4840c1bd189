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
      <p className={`library-count${failed ? ' error' : ''}`} role="status" aria-live="polite">
        {countLine}
      </p>
      <VirtualGrid items={items} metrics={METRICS} keyOf={(i) => i.id} render={render} onNearEnd={more} label="Library images" />
      <EntryOverlay client={client} />
    </section>
  )
}
