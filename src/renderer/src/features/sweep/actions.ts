/**
 * The sweep's actions (module-level, zustand's "no store actions" style): run the draft as ONE grid
 * job, cancel it, mirror the job's events into the sweep store, and export the finished grid as one
 * labelled PNG.
 *
 * Events can arrive before 'studio:generate' answers with the job id, so events seen while a run is
 * starting are held and replayed for the id the call returns (as the gallery does).
 */
import type { Events } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { compareSelectors, useCompareStore } from '../../store/compare'
import { initialSweepState, patchSweepCell, useSweepStore, type SweepCell } from '../../store/sweep'
import { planSweep } from './plan'

const set = useSweepStore.setState
const get = useSweepStore.getState

type EventKey = 'studio:progress' | 'studio:preview' | 'studio:result' | 'studio:job' | 'studio:error'
type Held = { [E in EventKey]: { name: E; payload: Events[E] } }[EventKey]
let held: Held[] = []

/** A cell's label: its X and Y values with their axis names. */
export function sweepCellLabel(index: number): string {
  const s = get()
  const c = s.cells[index]
  if (!c || !s.x) return `cell ${index + 1}`
  const part = (a: typeof s.y, i: number): string => (a && a.param !== '' ? `${a.label} ${a.labels[i]}` : '')
  return [part(s.y, c.row), part(s.x, c.col)].filter(Boolean).join(' · ')
}

function handle(client: StudioClient, ev: Held): void {
  const s = get()
  if (s.status === 'starting') {
    held.push(ev)
    return
  }
  const jobId = ev.payload.jobId
  if (jobId === null || jobId !== s.jobId) return
  switch (ev.name) {
    case 'studio:progress': {
      const p = ev.payload
      const c = s.cells[p.cell]
      if (c && c.status !== 'done') patchSweepCell(p.cell, { status: 'running', step: p.step, steps: p.steps })
      return
    }
    case 'studio:preview': {
      const c = s.cells[ev.payload.cell]
      if (c && c.status !== 'done') set({ preview: ev.payload })
      return
    }
    case 'studio:result': {
      const r = ev.payload
      patchSweepCell(r.cell, { resultId: r.resultId })
      void client.call('studio:result:image', { resultId: r.resultId }).then(
        (img) => {
          if (get().jobId !== r.jobId) return
          const url = URL.createObjectURL(new Blob([img.data as BlobPart], { type: img.mime }))
          patchSweepCell(r.cell, { status: 'done', url, step: r.params.steps, wallMs: r.timings.wallMs, modelCalls: r.timings.modelCalls })
        },
        (e: Error) => {
          patchSweepCell(r.cell, { status: 'failed' })
          set({ error: e.message })
        }
      )
      return
    }
    case 'studio:job': {
      const j = ev.payload
      if (j.state === 'completed' || j.state === 'cancelled' || j.state === 'failed') {
        const end: SweepCell['status'] = j.state === 'cancelled' ? 'cancelled' : 'failed'
        set((st) => ({
          status: j.state as 'completed' | 'cancelled' | 'failed',
          // Results still being fetched keep their state; cells that never finished say why.
          cells: j.state === 'completed' ? st.cells : st.cells.map((c) => (c.status === 'waiting' || c.status === 'running' ? { ...c, status: end } : c))
        }))
      } else if (j.state === 'running') set({ status: 'running' })
      return
    }
    case 'studio:error': {
      const e = ev.payload
      if (e.cell !== null) patchSweepCell(e.cell, { status: 'failed' })
      set({ error: e.message })
      return
    }
  }
}

/** Subscribes the sweep store to the client's events; returns the unsubscribe. */
export function connectSweepEvents(client: StudioClient): () => void {
  const on = <E extends EventKey>(name: E): (() => void) => client.on(name, (payload) => handle(client, { name, payload } as Held))
  const offs = [on('studio:progress'), on('studio:preview'), on('studio:result'), on('studio:job'), on('studio:error')]
  return () => offs.forEach((off) => off())
}

/** Frees a previous run's images, except those the compare view still shows. */
function releaseImages(cells: SweepCell[]): void {
  const pinned = compareSelectors.pinnedUrls(useCompareStore.getState())
  for (const c of cells) if (c.url && !pinned.includes(c.url)) URL.revokeObjectURL(c.url)
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
    modelCalls: null
  }))
  releaseImages(s.cells)
  releaseExport()
  held = []
  set({ ...initialSweepState, draft: s.draft, run: s.run + 1, status: 'starting', title: s.draft.prompt, x: plan.x, y: plan.y, cells })
  try {
    const { jobId } = await client.call('studio:generate', plan.request)
    set({ jobId, status: 'running' })
    const replay = held
    held = []
    for (const ev of replay) handle(client, ev)
  } catch (e) {
    held = []
    set({ status: 'failed', error: (e as Error).message })
  }
}

export async function cancelSweep(client: StudioClient): Promise<void> {
  const id = get().jobId
  if (id) await client.call('studio:cancel', { jobId: id })
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
