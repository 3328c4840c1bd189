/** One library image in the grid: its thumbnail (fetched while the tile is mounted), prompt and star. */
import { memo, useEffect, useState } from 'react'
import type { LibraryItem } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { entryLabel, openEntry, setFavourite } from './actions'
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

export const LibraryTile = memo(function LibraryTile({ client, item }: { client: StudioClient; item: LibraryItem }): React.JSX.Element {
  const url = useThumb(client, item.id)
  const prompt = item.params.prompt || '(no prompt)'
  return (
    <figure className={`library-tile${item.missing ? ' missing' : ''}`} data-id={item.id} data-favourite={item.favourite}>
      <button type="button" className="open" aria-label={`Open: ${prompt}`} title={`${prompt}\n${entryLabel(item)}`} onClick={() => void openEntry(client, item.id)}>
        {url ? <img src={url} alt={prompt} /> : <span className="placeholder">{item.missing ? 'file missing' : ''}</span>}
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
