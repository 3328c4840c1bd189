/**
 * The gallery's score_optimal calibration as store actions: start one ('studio:calibrate'), cancel it,
 * and follow its events into the gallery store's `calibration` (see store/gallery.ts for why it lives
 * there). Events of a calibration can arrive before 'studio:calibrate' answers with its job id (a
 * calibration on a tiny model can even finish first), so events seen while it is starting are held and
 * replayed for the id the call returns.
 */
import type { Events } from '../../../../shared/api'
import type { CalibrateRequest } from '../../../../shared/calibration'
import type { StudioClient } from '../../api'
import { useGalleryStore, type GalleryCalibration } from '../../store/gallery'

type Held = { name: 'studio:calibration'; payload: Events['studio:calibration'] } | { name: 'studio:job'; payload: Events['studio:job'] } | { name: 'studio:error'; payload: Events['studio:error'] }

let held: Held[] = []

const cal = (): GalleryCalibration => useGalleryStore.getState().calibration
const patch = (p: Partial<GalleryCalibration>): void => useGalleryStore.setState((s) => ({ calibration: { ...s.calibration, ...p } }))

function handle(ev: Held): void {
  const c = cal()
  if (c.starting) {
    held.push(ev)
    return
  }
  if (c.jobId === null || ev.payload.jobId !== c.jobId) return
  switch (ev.name) {
    case 'studio:calibration':
      patch({ progress: ev.payload })
      return
    case 'studio:job': {
      const state = ev.payload.state
      if (state !== 'completed' && state !== 'cancelled' && state !== 'failed') return
      patch({
        jobId: null,
        progress: null,
        finished: c.finished + 1,
        // A failure's reason came as 'studio:error' and is already the message.
        message: state === 'completed' ? "Calibrated: score_optimal now uses this model's own profile." : state === 'cancelled' ? 'Calibration cancelled.' : (c.message ?? 'Calibration failed.')
      })
      return
    }
    case 'studio:error':
      patch({ message: ev.payload.message })
      return
  }
}

export async function startCalibration(client: StudioClient, request: CalibrateRequest): Promise<void> {
  if (cal().starting || cal().jobId !== null) return
  held = []
  patch({ starting: true, message: null, progress: null })
  try {
    const { jobId } = await client.call('studio:calibrate', request)
    patch({ starting: false, jobId })
  } catch (e) {
    patch({ starting: false, jobId: null, message: (e as Error).message })
  }
  const replay = held
  held = []
  for (const ev of replay) handle(ev)
}

export async function cancelCalibration(client: StudioClient): Promise<void> {
  const id = cal().jobId
  if (id) await client.call('studio:cancel', { jobId: id })
}

/** Follows calibration events into the store; returns the unsubscribe. */
export function connectCalibrationEvents(client: StudioClient): () => void {
  const offs = [
    client.on('studio:calibration', (payload) => handle({ name: 'studio:calibration', payload })),
    client.on('studio:job', (payload) => handle({ name: 'studio:job', payload })),
    client.on('studio:error', (payload) => handle({ name: 'studio:error', payload }))
  ]
  return () => offs.forEach((off) => off())
}
