/**
 * The gallery's actions (module-level, zustand's "no store actions" style): run a grid as ONE job,
 * cancel it, and wire the client's events into the gallery store.
 *
 * Events can arrive before 'studio:generate' answers with the job id, so events seen while a run is
 * starting are held and replayed for the id the call returns.
 */
import { DEFAULT_PARAMS } from '../../../../shared/params'
import { SAMPLER_BY_ID, SAMPLER_IDS, SCHEDULE_BY_ID, SCHEDULE_IDS } from '../../../../shared/catalogue'
import type { Events } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { connectCalibrationEvents } from './calibration'
import { compareSelectors, useCompareStore } from '../../store/compare'
import { gallerySelectors, initialGalleryState, patchCell, useGalleryStore, type GalleryCell } from '../../store/gallery'

const set = useGalleryStore.setState
const get = useGalleryStore.getState

type Held = { [E in 'studio:progress' | 'studio:preview' | 'studio:result' | 'studio:job' | 'studio:error']: { name: E; payload: Events[E] } }[
  'studio:progress' | 'studio:preview' | 'studio:result' | 'studio:job' | 'studio:error'
]
let held: Held[] = []

/** Display name of a sampler or schedule id. */
export const samplerName = (id: string): string => SAMPLER_BY_ID.get(id)?.displayName ?? id
export const scheduleName = (id: string): string => SCHEDULE_BY_ID.get(id)?.displayName ?? id

export function cellLabel(c: Pick<GalleryCell, 'sampler' | 'schedule' | 'steps'>): string {
  return `${samplerName(c.sampler)} / ${scheduleName(c.schedule)} / ${c.steps} steps`
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
      if (c && c.status !== 'done') patchCell(p.cell, { status: 'running', step: p.step, reference: p.reference ?? null })
      return
    }
    case 'studio:preview': {
      const c = s.cells[ev.payload.cell]
      if (c && c.status !== 'done') set({ preview: ev.payload })
      return
    }
    case 'studio:result': {
      const r = ev.payload
      void client.call('studio:result:image', { resultId: r.resultId }).then(
        (img) => {
          if (get().jobId !== r.jobId) return
          const url = URL.createObjectURL(new Blob([img.data as BlobPart], { type: img.mime }))
          patchCell(r.cell, {
            status: 'done',
            url,
            step: r.params.steps,
            wallMs: r.timings.wallMs,
            modelCalls: r.timings.modelCalls,
            metrics: r.metrics ?? null,
            scoreOptimal: r.scoreOptimal ?? null,
            reference: null
          })
        },
        (e: Error) => {
          patchCell(r.cell, { status: 'failed' })
          set({ error: e.message })
        }
      )
      return
    }
    case 'studio:job': {
      const j = ev.payload
      if (j.state === 'completed' || j.state === 'cancelled' || j.state === 'failed') {
        set((st) => ({
          status: j.state as 'completed' | 'cancelled' | 'failed',
          // Results still being fetched keep their state; cells that never finished say why.
          cells: j.state === 'completed' ? st.cells : st.cells.map((c) => (c.status === 'waiting' || c.status === 'running' ? { ...c, status: j.state === 'cancelled' ? 'cancelled' : 'failed' } : c))
        }))
      } else if (j.state === 'running') set({ status: 'running' })
      return
    }
    case 'studio:error': {
      const e = ev.payload
      if (e.cell !== null) patchCell(e.cell, { status: 'failed' })
      set({ error: e.message })
      return
    }
  }
}

/** Subscribes the gallery store to the client's events; returns the unsubscribe. */
export function connectGalleryEvents(client: StudioClient): () => void {
  const offs = [
    client.on('studio:progress', (payload) => handle(client, { name: 'studio:progress', payload })),
    client.on('studio:preview', (payload) => handle(client, { name: 'studio:preview', payload })),
    client.on('studio:result', (payload) => handle(client, { name: 'studio:result', payload })),
    client.on('studio:job', (payload) => handle(client, { name: 'studio:job', payload })),
    client.on('studio:error', (payload) => handle(client, { name: 'studio:error', payload })),
    connectCalibrationEvents(client)
  ]
  return () => offs.forEach((off) => off())
}

/** Frees the previous run's images, except those the compare view still shows. */
function releaseImages(cells: GalleryCell[]): void {
  const pinned = compareSelectors.pinnedUrls(useCompareStore.getState())
  for (const c of cells) if (c.url && !pinned.includes(c.url)) URL.revokeObjectURL(c.url)
}

/** Sends the draft as one grid job: rows = samplers, columns = schedules x steps. */
export async function runGallery(client: StudioClient): Promise<void> {
  const s = get()
  const d = s.draft
  const steps = gallerySelectors.stepList(s)
  if (d.samplers.length === 0 || d.schedules.length === 0 || steps.length === 0) {
    set({ error: 'Pick at least one sampler, one schedule and one step count.' })
    return
  }
  // Keep catalogue order so rows and columns are stable whatever order they were ticked in.
  const samplers = SAMPLER_IDS.filter((id) => d.samplers.includes(id))
  const schedules = SCHEDULE_IDS.filter((id) => d.schedules.includes(id))
  const cells: GalleryCell[] = []
  // Same order as the service's expandGrid: samplers x schedules x cfg x steps x seeds.
  for (const sampler of samplers)
    for (const schedule of schedules)
      for (const n of steps) {
        cells.push({ index: cells.length, sampler, schedule, steps: n, status: 'waiting', step: 0, url: null, wallMs: null, modelCalls: null, metrics: null, scoreOptimal: null, reference: null })
      }
  releaseImages(s.cells)
  held = []
  set({
    ...initialGalleryState,
    draft: d,
    run: s.run + 1,
    status: 'starting',
    rows: samplers,
    columns: schedules.flatMap((schedule) => steps.map((n) => ({ schedule, steps: n }))),
    measured: d.reference,
    // A calibration under way belongs to no grid run.
    calibration: s.calibration,
    cells
  })
  try {
    const { jobId } = await client.call('studio:generate', {
      params: {
        ...DEFAULT_PARAMS,
        model: d.model,
        prompt: d.prompt,
        negativePrompt: d.negativePrompt,
        sampler: samplers[0],
        schedule: schedules[0],
        steps: steps[0],
        cfg: d.cfg,
        seed: d.seed,
        width: d.width,
        height: d.height
      },
      preview: { mode: 'auto', every: 1 },
      grid: { samplers, schedules, steps, ...(d.reference ? { reference: true } : {}) }
    })
    set({ jobId, status: 'running' })
    const replay = held
    held = []
    for (const ev of replay) handle(client, ev)
  } catch (e) {
    held = []
    set({ status: 'failed', error: (e as Error).message })
  }
}

export async function cancelGallery(client: StudioClient): Promise<void> {
  const id = get().jobId
  if (id) await client.call('studio:cancel', { jobId: id })
}
