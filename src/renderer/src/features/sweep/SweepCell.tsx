/** One sweep cell: the shared grid cell (live preview, image, time and calls, A / B picks) labelled by its X and Y values. */
import { memo } from 'react'
import { useSweepStore } from '../../store/sweep'
import { GridCellView } from '../grid-job/GridCellView'
import { sweepCellLabel } from './actions'

export const SweepCellView = memo(function SweepCellView({ index }: { index: number }): React.JSX.Element | null {
  const cell = useSweepStore((s) => s.cells[index])
  if (!cell) return null
  const label = sweepCellLabel(index)
  return (
    <GridCellView
      index={index}
      cell={cell}
      className="sweep-cell"
      label={label}
      pickLabel={`Sweep: ${label}`}
      stateText={cell.status === 'running' ? `${cell.step}/${cell.steps}` : cell.status}
      previews={useSweepStore}
      onOpen={() => useSweepStore.setState({ enlarged: index })}
    />
  )
})
