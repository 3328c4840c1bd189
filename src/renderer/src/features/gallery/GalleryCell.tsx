/**
 * One gallery cell: the shared grid cell (live preview, image, time and calls, A / B picks) labelled by
 * sampler, schedule and steps, with the gallery's own lines under it: the error against the reference
 * and, for score_optimal cells, which profile was used.
 */
import { memo } from 'react'
import { useGalleryStore } from '../../store/gallery'
import { GridCellView } from '../grid-job/GridCellView'
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
  if (!cell) return null
  const label = cellLabel(cell)
  const metrics = cell.metrics ? metricsLabel(cell.metrics) : null
  const profile = cell.scoreOptimal ? scoreOptimalLabel(cell.scoreOptimal) : null
  return (
    <GridCellView
      index={index}
      cell={cell}
      className="gallery-cell"
      label={label}
      stateText={cell.status !== 'running' ? cell.status : cell.reference ? referenceState(cell.reference) : `${cell.step}/${cell.steps}`}
      openTitle="Show large"
      metaTitle={metaTitle(cell.modelCalls, measured)}
      data={{ 'data-sampler': cell.sampler, 'data-schedule': cell.schedule, 'data-steps': cell.steps }}
      previews={useGalleryStore}
      onOpen={() => useGalleryStore.setState({ enlarged: index })}
    >
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
    </GridCellView>
  )
})
