/**
 * One sweep cell: a fixed-size frame showing the cell's live preview while it runs (drawn onto a canvas
 * from a transient store subscription, never through React state), then the final image, with its time
 * and model-call count and "A" / "B" buttons that pick it for the compare view.
 */
import { memo, useEffect, useRef } from 'react'
import { pick, useCompareStore } from '../../store/compare'
import { useSweepStore } from '../../store/sweep'
import { sweepCellLabel } from './actions'

export const SweepCellView = memo(function SweepCellView({ index }: { index: number }): React.JSX.Element | null {
  const cell = useSweepStore((s) => s.cells[index])
  const isA = useCompareStore((s) => s.a?.url !== undefined && s.a.url === cell?.url)
  const isB = useCompareStore((s) => s.b?.url !== undefined && s.b.url === cell?.url)
  const canvas = useRef<HTMLCanvasElement>(null)

  useEffect(() => {
    let seq = 0
    return useSweepStore.subscribe((s, prev) => {
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
  }, [index])

  if (!cell) return null
  const label = sweepCellLabel(index)
  const url = cell.url
  const pickLabel = `Sweep: ${label}`
  return (
    <figure className={`sweep-cell ${cell.status}`} data-cell={index} data-status={cell.status} aria-label={label} title={label}>
      <div className="frame">
        <canvas ref={canvas} width={160} height={160} aria-hidden="true" />
        {url && (
          <button type="button" className="open" aria-label={`Show large: ${label}`} onClick={() => useSweepStore.setState({ enlarged: index })}>
            <img src={url} alt={`Result: ${label}`} width={160} height={160} />
          </button>
        )}
        {!url && <span className="state">{cell.status === 'running' ? `${cell.step}/${cell.steps}` : cell.status}</span>}
      </div>
      <figcaption>
        <span className="meta">{url && cell.wallMs !== null ? `${(cell.wallMs / 1000).toFixed(2)} s · ${cell.modelCalls} calls` : '\u00a0'}</span>
        <span className="picks">
          <button type="button" disabled={!url} aria-pressed={isA} title="Compare as A" onClick={() => url && pick('a', { url, label: pickLabel, cell: index })}>
            A
          </button>
          <button type="button" disabled={!url} aria-pressed={isB} title="Compare as B" onClick={() => url && pick('b', { url, label: pickLabel, cell: index })}>
            B
          </button>
        </span>
      </figcaption>
    </figure>
  )
})
