/**
 * One grid cell: a fixed-size frame that shows the cell's live preview while it runs (drawn onto a
 * canvas from a transient store subscription, never through React state), then the final image, with
 * its label, time and model-call count, and "A" / "B" buttons that pick it for the compare view.
 */
import { memo, useEffect, useRef } from 'react'
import { pick, useCompareStore } from '../../store/compare'
import { useGalleryStore } from '../../store/gallery'
import { cellLabel } from './actions'
import { metricsLabel, referenceState, scoreOptimalLabel } from './metrics-label'

/** What the time and call count mean: a grid's cells run side by side, so neither is a solo benchmark. */
function metaTitle(calls: number | null, measured: boolean): string {
  return (
    `Time from the start of the job to this cell's result (the grid's cells run side by side${measured ? ', and measured cells wait for their shared reference' : ''}); ` +
    `${calls ?? 0} model runs asked for by this cell's sampler, the same count it would report alone${measured ? ' (the reference solve is not included)' : ''}.`
  )
}

export const GalleryCellView = memo(function GalleryCellView({ index }: { index: number }): React.JSX.Element | null {
  const cell = useGalleryStore((s) => s.cells[index])
  const measured = useGalleryStore((s) => s.measured)
  const isA = useCompareStore((s) => s.a?.url !== undefined && s.a.url === cell?.url)
  const isB = useCompareStore((s) => s.b?.url !== undefined && s.b.url === cell?.url)
  const canvas = useRef<HTMLCanvasElement>(null)

  useEffect(() => {
    let seq = 0
    return useGalleryStore.subscribe((s, prev) => {
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
  const label = cellLabel(cell)
  const url = cell.url
  const metrics = cell.metrics ? metricsLabel(cell.metrics) : null
  const profile = cell.scoreOptimal ? scoreOptimalLabel(cell.scoreOptimal) : null
  return (
    <figure className={`gallery-cell ${cell.status}`} data-cell={index} data-status={cell.status} data-sampler={cell.sampler} data-schedule={cell.schedule} data-steps={cell.steps} aria-label={label} title={label}>
      <div className="frame">
        <canvas ref={canvas} width={160} height={160} aria-hidden="true" />
        {url && (
          <button type="button" className="open" title="Show large" aria-label={`Show large: ${label}`} onClick={() => useGalleryStore.setState({ enlarged: index })}>
            <img src={url} alt={`Result: ${label}`} width={160} height={160} />
          </button>
        )}
        {!url && <span className="state">{cell.status !== 'running' ? cell.status : cell.reference ? referenceState(cell.reference) : `${cell.step}/${cell.steps}`}</span>}
      </div>
      <figcaption>
        <span className="meta" title={url && cell.wallMs !== null ? metaTitle(cell.modelCalls, measured) : undefined}>
          {url && cell.wallMs !== null ? `${(cell.wallMs / 1000).toFixed(2)} s · ${cell.modelCalls} calls` : '\u00a0'}
        </span>
        <span className="picks">
          <button type="button" disabled={!url} aria-pressed={isA} title="Compare as A" onClick={() => url && pick('a', { url, label, cell: index })}>
            A
          </button>
          <button type="button" disabled={!url} aria-pressed={isB} title="Compare as B" onClick={() => url && pick('b', { url, label, cell: index })}>
            B
          </button>
        </span>
      </figcaption>
      {/* The lines a result will fill are there from the start, so cells (and the rows below them)
          do not grow as results arrive. */}
      {metrics ? (
        <p className={`metrics${cell.metrics?.comparable ? '' : ' not-comparable'}`} title={metrics.title}>
          {metrics.text}
        </p>
      ) : (
        measured && <p className="metrics pending">{'\u00a0'}</p>
      )}
      {profile ? (
        <p className={`profile ${cell.scoreOptimal?.profile}`} title={profile.title}>
          {profile.text}
        </p>
      ) : (
        cell.schedule === 'score_optimal' && <p className="profile pending">{'\u00a0'}</p>
      )}
    </figure>
  )
})
