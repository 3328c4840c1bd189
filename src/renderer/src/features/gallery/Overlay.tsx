/** The enlarged view of one gallery result: a simple overlay; Esc, a click outside or Close shuts it. */
import { useEffect } from 'react'
import { useGalleryStore } from '../../store/gallery'
import { cellLabel } from './actions'

export function GalleryOverlay(): React.JSX.Element | null {
  const enlarged = useGalleryStore((s) => s.enlarged)
  const cell = useGalleryStore((s) => (s.enlarged === null ? undefined : s.cells[s.enlarged]))
  const close = (): void => useGalleryStore.setState({ enlarged: null })
  useEffect(() => {
    if (enlarged === null) return
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') close()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [enlarged])
  if (!cell?.url) return null
  const label = cellLabel(cell)
  return (
    <div className="gallery-overlay" role="dialog" aria-modal="true" aria-label={`Large view: ${label}`} onClick={close}>
      <figure onClick={(e) => e.stopPropagation()}>
        <img src={cell.url} alt={`Large: ${label}`} />
        <figcaption>
          {label}
          {cell.wallMs !== null && ` · ${(cell.wallMs / 1000).toFixed(2)} s · ${cell.modelCalls} model calls`}
          <button type="button" onClick={close}>
            Close
          </button>
        </figcaption>
      </figure>
    </div>
  )
}
