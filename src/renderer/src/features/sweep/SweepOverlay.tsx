/** The enlarged view of one sweep cell: an overlay; Esc, a click outside or Close shuts it. */
import { useEffect } from 'react'
import { useSweepStore } from '../../store/sweep'
import { sweepCellLabel } from './actions'

export function SweepOverlay(): React.JSX.Element | null {
  const enlarged = useSweepStore((s) => s.enlarged)
  const cell = useSweepStore((s) => (s.enlarged === null ? undefined : s.cells[s.enlarged]))
  const close = (): void => useSweepStore.setState({ enlarged: null })
  useEffect(() => {
    if (enlarged === null) return
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') close()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [enlarged])
  if (!cell?.url) return null
  const label = sweepCellLabel(cell.index)
  return (
    <div className="sweep-overlay" role="dialog" aria-modal="true" aria-label={`Large view: ${label}`} onClick={close}>
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
