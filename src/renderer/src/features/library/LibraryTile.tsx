/**
 * One library image in the grid: its thumbnail (fetched while the tile is mounted), prompt, size label
 * and star; the settings (sampler, schedule, steps, CFG, seed) show on hover. A click opens it;
 * ctrl/cmd-click toggles it in the selection, shift-click selects the range from the last one picked.
 */
import { memo, useEffect, useState } from 'react'
import type { LibraryItem } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { entryLabel, openEntry, selectAt, setFavourite } from './actions'
import { acquireThumb, releaseThumb } from './thumbs'

function useThumb(client: StudioClient, id: string): string | null {
  const [url, setUrl] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    acquireThumb(client, id).then(
      (u) => live && setUrl(u),
      () => live && setUrl(null)
    )
    return () => {
      live = false
      releaseThumb(id)
    }
  }, [client, id])
  return url
}

interface TileProps {
  client: StudioClient
  item: LibraryItem
  index: number
  selected: boolean
  deleting: boolean
}

export const LibraryTile = memo(function LibraryTile({ client, item, index, selected, deleting }: TileProps): React.JSX.Element {
  const url = useThumb(client, item.id)
  const prompt = item.params.prompt || '(no prompt)'
  const label = entryLabel(item)
  const size = `${item.params.width}×${item.params.height}`
  return (
    <figure className={`library-tile${item.missing ? ' missing' : ''}${selected ? ' selected' : ''}${deleting ? ' deleting' : ''}`} data-id={item.id} data-favourite={item.favourite} data-selected={selected}>
      <button
        type="button"
        className="open"
        aria-label={`Open: ${prompt}${selected ? ' (selected)' : ''}${deleting ? ' (being deleted)' : ''}`}
        title={`${prompt}\n${label} · ${size}`}
        onClick={(e) => {
          if (e.ctrlKey || e.metaKey) selectAt(index, 'toggle')
          else if (e.shiftKey) selectAt(index, 'range')
          else void openEntry(client, item.id, index)
        }}
      >
        {url ? <img src={url} alt={prompt} /> : <span className="placeholder">{item.missing ? 'file missing' : ''}</span>}
        <span className="hover-details" aria-hidden="true">
          {label}
        </span>
        <span className="size-label">{size}</span>
      </button>
      <figcaption>
        <span className="prompt">{prompt}</span>
        <button
          type="button"
          className="star"
          aria-pressed={item.favourite}
          aria-label={item.favourite ? 'Unfavourite' : 'Favourite'}
          title={item.favourite ? 'Remove from favourites' : 'Add to favourites'}
          onClick={() => void setFavourite(client, item.id, !item.favourite)}
        >
          {item.favourite ? '★' : '☆'}
        </button>
      </figcaption>
    </figure>
  )
})

/** A tile whose entry has not arrived yet (its page is on its way). */
export function TilePlaceholder(): React.JSX.Element {
  return <figure className="library-tile loading" aria-label="Loading" />
}
