/**
 * The library's background reconcile pass (after an unclean shutdown, or a full scan on demand) as
 * `studio:library:reconcile` events, so the Library view can say what is going on while it runs. The
 * pass reports its progress on the Library itself (`background`, `progress`), whichever library the
 * studio has switched to since, so this watches the library in use a few times a second and reports
 * while a pass runs, then once more when it is over (running: false).
 */
import type { LibraryReconcileEvent } from '../../shared/api'

interface Watched {
  background: Promise<unknown> | null
  progress: { phase: string; done: number; total: number } | null
}

export const RECONCILE_POLL_MS = 250

export function watchReconcile(current: () => Watched | null, emit: (e: LibraryReconcileEvent) => void, everyMs = RECONCILE_POLL_MS): () => void {
  let wasRunning = false
  const tick = (): void => {
    const lib = current()
    const running = !!lib?.background
    if (running) {
      const p = lib!.progress
      emit({ running: true, phase: p?.phase ?? null, done: p?.done ?? 0, total: p?.total ?? 0 })
    } else if (wasRunning) emit({ running: false, phase: null, done: 0, total: 0 })
    wasRunning = running
  }
  const timer = setInterval(tick, everyMs)
  timer.unref?.()
  tick()
  return () => clearInterval(timer)
}
