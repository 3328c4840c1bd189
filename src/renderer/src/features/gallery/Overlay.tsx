/** The enlarged view of one gallery result (see CellOverlay). */
import { useGalleryStore } from '../../store/gallery'
import { CellOverlay } from '../grid-job/CellOverlay'
import { cellLabel } from './actions'

const close = (): void => useGalleryStore.setState({ enlarged: null })

export function GalleryOverlay(): React.JSX.Element | null {
  const cell = useGalleryStore((s) => (s.enlarged === null ? undefined : s.cells[s.enlarged]))
  return <CellOverlay cell={cell} label={cell ? cellLabel(cell) : ''} className="gallery-overlay" onClose={close} />
}
