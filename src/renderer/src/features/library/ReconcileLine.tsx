/**
 * A line above the Library grid while the library's background reconcile pass runs (after an unclean
 * shutdown, or a full scan): which phase and how far, so images that are still being re-indexed or
 * thumbnails still being made do not look lost. Hidden when no pass runs.
 */
import { useEffect, useState } from 'react'
import type { LibraryReconcileEvent } from '../../../../shared/api'
import type { StudioClient } from '../../api'

export function reconcileText(e: LibraryReconcileEvent): string {
  const what = e.phase ? `checking ${e.phase}` : 'checking the library'
  const pct = e.total > 0 ? ` ${e.done.toLocaleString('en')} of ${e.total.toLocaleString('en')} (${Math.floor((100 * e.done) / e.total)} %)` : ''
  return `Checking the library folder in the background: ${what}${pct}. Images may still appear.`
}

export function ReconcileLine({ client }: { client: StudioClient }): React.JSX.Element | null {
  const [state, setState] = useState<LibraryReconcileEvent | null>(null)
  useEffect(() => client.on('studio:library:reconcile', (e) => setState(e.running ? e : null)), [client])
  if (!state) return null
  return (
    <p className="library-reconcile" role="status" aria-live="polite">
      {reconcileText(state)}
    </p>
  )
}
