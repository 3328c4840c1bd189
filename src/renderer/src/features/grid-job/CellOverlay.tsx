/** The enlarged view of one grid cell (gallery or sweep): an overlay; Esc, a click outside or Close shuts it. */
import { useEscapeKey } from '../../hooks/use-escape-key'
import type { GridJobCell } from './job'
import './grid-job.css'

export interface CellOverlayProps {
  /** The enlarged cell, or undefined when none is. */
  cell: GridJobCell | undefined
  label: string
  /** The feature's own class (gallery-overlay, sweep-overlay), beside the shared grid-overlay. */
  className: string
  onClose(): void
}

export function CellOverlay({ cell, label, className, onClose }: CellOverlayProps): React.JSX.Element | null {
  useEscapeKey(cell !== undefined, onClose)
  if (!cell?.url) return null
  return (
    <div className={`grid-overlay ${className}`} role="dialog" aria-modal="true" aria-label={`Large view: ${label}`} onClick={onClose}>
      <figure onClick={(e) => e.stopPropagation()}>
        <img src={cell.url} alt={`Large: ${label}`} />
        <figcaption>
          {label}
          {cell.modelMs !== null && ` · ${(cell.modelMs / 1000).toFixed(2)} s of model time (${cell.modelCalls} calls)`}
          {cell.wallMs !== null && ` · done ${(cell.wallMs / 1000).toFixed(2)} s into the grid`}
          <button type="button" onClick={onClose}>
            Close
          </button>
        </figcaption>
      </figure>
    </div>
  )
}
