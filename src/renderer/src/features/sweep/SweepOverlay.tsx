/** The enlarged view of one sweep cell (see CellOverlay). */
import { useSweepStore } from '../../store/sweep'
import { CellOverlay } from '../grid-job/CellOverlay'
import { sweepCellLabel } from './actions'

const close = (): void => useSweepStore.setState({ enlarged: null })

export function SweepOverlay(): React.JSX.Element | null {
  const cell = useSweepStore((s) => (s.enlarged === null ? undefined : s.cells[s.enlarged]))
  return <CellOverlay cell={cell} label={cell ? sweepCellLabel(cell.index) : ''} className="sweep-overlay" onClose={close} />
}
