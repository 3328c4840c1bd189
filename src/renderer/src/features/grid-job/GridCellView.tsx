/**
 * One grid cell, shared by the gallery and the sweep: a fixed-size frame that shows the cell's live
 * preview while it runs (drawn onto a canvas from a transient store subscription, never through React
 * state), then the final image, with its time and model-call count and "A" / "B" buttons that pick it
 * for the compare view. Each feature's wrapper picks its cell from its slice and supplies the label,
 * data- attributes and any lines below the caption.
 */
import { useEffect, useRef, type ReactNode } from 'react'
import type { PreviewEvent } from '../../../../shared/api'
import { pick, useCompareStore } from '../../store/compare'
import type { GridJobCell } from './job'
import './grid-job.css'

/** The slice's subscribe (zustand "transient updates"): only `preview` is read. */
export type PreviewSource = { subscribe(listener: (s: { preview: PreviewEvent | null }, prev: { preview: PreviewEvent | null }) => void): () => void }

/** Draws the slice's preview frames for cell `index` onto the returned canvas. */
function usePreviewCanvas(source: PreviewSource, index: number): React.RefObject<HTMLCanvasElement | null> {
  const canvas = useRef<HTMLCanvasElement>(null)
  useEffect(() => {
    let seq = 0
    return source.subscribe((s, prev) => {
      const frame = s.preview
      const el = canvas.current
      if (!el || !frame || frame === prev.preview || frame.cell !== index) return
      const mine = ++seq
      void createImageBitmap(new Blob([frame.data as BlobPart], { type: frame.mime })).then((bmp) => {
        // A slow decode must not paint over a newer frame.
        if (mine !== seq) return bmp.close()
        el.getContext('2d')?.drawImage(bmp, 0, 0, el.width, el.height)
        bmp.close()
        el.dataset.step = String(frame.step)
      })
    })
  }, [source, index])
  return canvas
}

export interface GridCellViewProps {
  index: number
  cell: GridJobCell
  /** The feature's own class (gallery-cell, sweep-cell), beside the shared grid-cell. */
  className: string
  /** Names the cell, its image and its "Show large" button. */
  label: string
  /** What the compare view calls this image (default: the label). */
  pickLabel?: string
  /** Shown on the frame while there is no image: the status, or how far the cell has got. */
  stateText: string
  /** Tooltips of the "Show large" button and of the time / calls line. */
  openTitle?: string
  metaTitle?: string
  /** data- attributes for the figure (tests and styles select by them). */
  data?: Record<`data-${string}`, string | number>
  previews: PreviewSource
  onOpen(): void
  /** Lines under the caption. */
  children?: ReactNode
}

export function GridCellView({ index, cell, className, label, pickLabel = label, stateText, openTitle, metaTitle, data, previews, onOpen, children }: GridCellViewProps): React.JSX.Element {
  const url = cell.url
  const isA = useCompareStore((s) => s.a?.url !== undefined && s.a.url === url)
  const isB = useCompareStore((s) => s.b?.url !== undefined && s.b.url === url)
  const canvas = usePreviewCanvas(previews, index)
  const timed = url !== null && cell.modelMs !== null
  return (
    <figure className={`grid-cell ${className} ${cell.status}`} data-cell={index} data-status={cell.status} {...data} aria-label={label} title={label}>
      <div className="frame">
        <canvas ref={canvas} width={160} height={160} aria-hidden="true" />
        {url && (
          <button type="button" className="open" title={openTitle} aria-label={`Show large: ${label}`} onClick={onOpen}>
            <img src={url} alt={`Result: ${label}`} width={160} height={160} />
          </button>
        )}
        {!url && <span className="state">{stateText}</span>}
      </div>
      <figcaption>
        <span className="meta" title={timed ? metaTitle : undefined}>
          {timed ? `${((cell.modelMs as number) / 1000).toFixed(2)} s · ${cell.modelCalls} calls` : '\u00a0'}
        </span>
        <span className="picks">
          <button type="button" disabled={!url} aria-pressed={isA} title="Compare as A" onClick={() => url && pick('a', { url, label: pickLabel, cell: index })}>
            A
          </button>
          <button type="button" disabled={!url} aria-pressed={isB} title="Compare as B" onClick={() => url && pick('b', { url, label: pickLabel, cell: index })}>
            B
          </button>
        </span>
      </figcaption>
      {children}
    </figure>
  )
}
