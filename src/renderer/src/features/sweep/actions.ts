/**
 * The sweep's actions (module-level, zustand's "no store actions" style): run the draft as ONE grid
 * job, cancel it, mirror the job's events into the sweep store, and export the finished grid as one
 * labelled PNG. The event handling shared with the gallery lives in ../grid-job/job.ts.
 */
import type { StudioClient } from '../../api'
import { createGridJob, releaseCellImages } from '../grid-job/job'
import { initialSweepState, patchSweepCell, useSweepStore, type SweepCell } from '../../store/sweep'
import { planSweep } from './plan'

const set = useSweepStore.setState
const get = useSweepStore.getState

/** A cell's label: its X and Y values with their axis names. */
export function sweepCellLabel(index: number): string {
  const s = get()
  const c = s.cells[index]
  if (!c || !s.x) return `cell ${index + 1}`
  const part = (a: typeof s.y, i: number): string => (a && a.param !== '' ? `${a.label} ${a.labels[i]}` : '')
  return [part(s.y, c.row), part(s.x, c.col)].filter(Boolean).join(' · ')
}

const job = createGridJob<SweepCell>({
  store: useSweepStore,
  patchCell: patchSweepCell,
  progress: (p) => ({ steps: p.steps }),
  // The export names finished cells by result id; the event carries it before the image is fetched.
  resultAnnounced: (r) => ({ resultId: r.resultId })
})

/** Subscribes the sweep store to the client's events; returns the unsubscribe. */
export function connectSweepEvents(client: StudioClient): () => void {
  return job.connect(client)
}

function releaseExport(): void {
  const e = get().exported
  if (e.status === 'done') URL.revokeObjectURL(e.url)
}

/** Sends the draft as one grid job: rows = Y values, columns = X values. */
export async function runSweep(client: StudioClient): Promise<void> {
  const s = get()
  const plan = planSweep(s.draft)
  if (!plan.ok) {
    set({ error: plan.error })
    return
  }
  const cols = plan.x.values.length
  const cells: SweepCell[] = Array.from({ length: plan.cells }, (_, index) => ({
    index,
    col: index % cols,
    row: Math.floor(index / cols),
    status: 'waiting',
    step: 0,
    steps: 0,
    resultId: null,
    url: null,
    wallMs: null,
    modelMs: null,
    modelCalls: null
  }))
  releaseCellImages(s.cells)
  releaseExport()
  set({ ...initialSweepState, draft: s.draft, run: s.run + 1, status: 'starting', title: s.draft.prompt, x: plan.x, y: plan.y, cells })
  await job.submit(client, plan.request)
}

export async function cancelSweep(client: StudioClient): Promise<void> {
  await job.cancel(client)
}

/** Asks the studio to compose the shown grid into one labelled PNG; keeps a download link to it. */
export async function exportSweepGrid(client: StudioClient): Promise<void> {
  const s = get()
  if (!s.x || !s.y) return
  releaseExport()
  set({ exported: { status: 'working' } })
  try {
    const r = await client.call('studio:sweep:export', {
      title: s.title.slice(0, 500),
      x: { label: s.x.label, values: s.x.labels },
      y: { label: s.y.label, values: s.y.labels },
      cells: s.cells.map((c) => (c.status === 'done' && c.resultId ? c.resultId : { missing: c.status === 'cancelled' ? 'cancelled' : 'failed' }))
    })
    const url = URL.createObjectURL(new Blob([r.data as BlobPart], { type: r.mime }))
    set({ exported: { status: 'done', url, fileName: r.fileName, path: r.path, width: r.width, height: r.height } })
  } catch (e) {
    set({ exported: { status: 'failed', error: (e as Error).message } })
  }
}
