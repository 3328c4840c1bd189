/**
 * The gallery's actions (module-level, zustand's "no store actions" style): run a grid as ONE job,
 * cancel it, and wire the client's events into the gallery store (the event handling shared with the
 * sweep lives in ../grid-job/job.ts).
 */
import { DEFAULT_PARAMS } from '../../../../shared/params'
import { SAMPLER_BY_ID, SAMPLER_IDS, SCHEDULE_BY_ID, SCHEDULE_IDS } from '../../../../shared/catalogue'
import type { StudioClient } from '../../api'
import { connectCalibrationEvents } from './calibration'
import { createGridJob, releaseCellImages } from '../grid-job/job'
import { gallerySelectors, initialGalleryState, patchCell, useGalleryStore, type GalleryCell } from '../../store/gallery'

const set = useGalleryStore.setState
const get = useGalleryStore.getState

/** Display name of a sampler or schedule id. */
export const samplerName = (id: string): string => SAMPLER_BY_ID.get(id)?.displayName ?? id
export const scheduleName = (id: string): string => SCHEDULE_BY_ID.get(id)?.displayName ?? id

export function cellLabel(c: Pick<GalleryCell, 'sampler' | 'schedule' | 'steps'>): string {
  return `${samplerName(c.sampler)} / ${scheduleName(c.schedule)} / ${c.steps} steps`
}

const job = createGridJob<GalleryCell>({
  store: useGalleryStore,
  patchCell,
  // While a cell's reference solution is being solved, progress says how far that is.
  progress: (p) => ({ reference: p.reference ?? null }),
  resultFields: (r) => ({ metrics: r.metrics ?? null, scoreOptimal: r.scoreOptimal ?? null, reference: null })
})

/** Subscribes the gallery store to the client's events; returns the unsubscribe. */
export function connectGalleryEvents(client: StudioClient): () => void {
  const offs = [job.connect(client), connectCalibrationEvents(client)]
  return () => offs.forEach((off) => off())
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
        cells.push({ index: cells.length, sampler, schedule, steps: n, status: 'waiting', step: 0, url: null, wallMs: null, modelMs: null, modelCalls: null, metrics: null, scoreOptimal: null, reference: null })
      }
  releaseCellImages(s.cells)
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
  await job.submit(client, {
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
}

export async function cancelGallery(client: StudioClient): Promise<void> {
  await job.cancel(client)
}
