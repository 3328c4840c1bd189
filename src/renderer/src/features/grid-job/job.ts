/**
 * One grid job (the sampler gallery's or the X/Y sweep's) mirrored into a store slice: submit it, hold
 * the events that arrive before 'studio:generate' answers with the job id and replay them for that id,
 * turn progress / preview / result / job / error events into cell patches, and cancel it.
 *
 * Each feature keeps its own slice and cell type; what differs between them (the gallery's reference
 * progress and metrics, the sweep's result id and step total) comes in through the hooks of
 * {@link GridJobSlice}.
 */
import type { Events, GenerateRequest, ProgressEvent, ResultEvent } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { releaseWhenUnpinned } from '../../store/compare'
import type { SlicePatch } from '../../store/root'

export type GridEventName = 'studio:progress' | 'studio:preview' | 'studio:result' | 'studio:job' | 'studio:error'
export type GridEvent = { [E in GridEventName]: { name: E; payload: Events[E] } }[GridEventName]
export const GRID_EVENT_NAMES: readonly GridEventName[] = ['studio:progress', 'studio:preview', 'studio:result', 'studio:job', 'studio:error']

export type GridCellStatus = 'waiting' | 'running' | 'done' | 'cancelled' | 'failed'
export type GridJobStatus = 'idle' | 'starting' | 'running' | 'completed' | 'cancelled' | 'failed'

/** What every grid cell has, whatever else its feature keeps. */
export interface GridJobCell {
  status: GridCellStatus
  step: number
  /** Object URL of the final image. */
  url: string | null
  wallMs: number | null
  /**
   * This cell's share of the job's model time: what the cell itself cost. In a batched grid the cells
   * run together, so their wall times are all about the job's; this one differs per cell.
   */
  modelMs: number | null
  modelCalls: number | null
}

/** The part of a feature's slice that the job drives. */
export interface GridJobState<C extends GridJobCell> {
  jobId: string | null
  status: GridJobStatus
  cells: C[]
  /** The latest preview frame (drawn by the cells' subscriptions, not rendered). */
  preview: Events['studio:preview'] | null
  error: string | null
}

export interface GridJobSlice<C extends GridJobCell> {
  store: { getState(): GridJobState<C>; setState(patch: SlicePatch<GridJobState<C>>): void }
  /** The slice's own "replace one cell" (keeps the other cells' identity). */
  patchCell(index: number, patch: Partial<C>): void
  /** Fields of the cell a progress event sets besides its status and step. */
  progress?(p: ProgressEvent): Partial<C>
  /** Fields set as soon as a result is announced, before its image has been fetched. */
  resultAnnounced?(r: ResultEvent): Partial<C>
  /** Fields of a finished cell besides its status, image, step, time and model calls. */
  resultFields?(r: ResultEvent): Partial<C>
}

export interface GridJob {
  /** Subscribes the slice to the client's grid events; returns the unsubscribe. */
  connect(client: StudioClient): () => void
  /**
   * Sends the request. Call it right after putting the slice in status 'starting' with its new cells:
   * events seen from then until the job id is known are held and replayed.
   */
  submit(client: StudioClient, request: GenerateRequest): Promise<void>
  cancel(client: StudioClient): Promise<void>
  /** Applies one event (exported for tests; connect() feeds it). */
  handle(client: StudioClient, ev: GridEvent): void
}

export function createGridJob<C extends GridJobCell>(slice: GridJobSlice<C>): GridJob {
  const { store } = slice
  const get = store.getState
  const set = store.setState
  // The hooks return Partial<C>; the shared fields are C's too, but TypeScript cannot see that through
  // the generic, hence the one cast.
  const patch = (index: number, p: Partial<GridJobCell>, extra?: Partial<C>): void => slice.patchCell(index, { ...p, ...extra } as Partial<C>)
  let held: GridEvent[] = []

  function handle(client: StudioClient, ev: GridEvent): void {
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
        if (c && c.status !== 'done') patch(p.cell, { status: 'running', step: p.step }, slice.progress?.(p))
        return
      }
      case 'studio:preview': {
        const c = s.cells[ev.payload.cell]
        if (c && c.status !== 'done') set({ preview: ev.payload })
        return
      }
      case 'studio:result': {
        const r = ev.payload
        const announced = slice.resultAnnounced?.(r)
        if (announced) slice.patchCell(r.cell, announced)
        void client.call('studio:result:image', { resultId: r.resultId }).then(
          (img) => {
            // A newer run has replaced the cells: this image belongs to none of them.
            if (get().jobId !== r.jobId) return
            const url = URL.createObjectURL(new Blob([img.data as BlobPart], { type: img.mime }))
            patch(r.cell, { status: 'done', url, step: r.params.steps, wallMs: r.timings.wallMs, modelMs: r.timings.modelMs, modelCalls: r.timings.modelCalls }, slice.resultFields?.(r))
          },
          (e: Error) => {
            patch(r.cell, { status: 'failed' })
            set({ error: e.message })
          }
        )
        return
      }
      case 'studio:job': {
        const j = ev.payload
        if (j.state === 'completed' || j.state === 'cancelled' || j.state === 'failed') {
          const end: GridCellStatus = j.state === 'cancelled' ? 'cancelled' : 'failed'
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
        if (e.cell !== null) patch(e.cell, { status: 'failed' })
        set({ error: e.message })
        return
      }
    }
  }

  return {
    handle,
    connect(client) {
      const on = <E extends GridEventName>(name: E): (() => void) => client.on(name, (payload) => handle(client, { name, payload } as GridEvent))
      const offs = GRID_EVENT_NAMES.map(on)
      return () => offs.forEach((off) => off())
    },
    async submit(client, request) {
      held = []
      try {
        const { jobId } = await client.call('studio:generate', request)
        set({ jobId, status: 'running' })
        const replay = held
        held = []
        for (const ev of replay) handle(client, ev)
      } catch (e) {
        held = []
        set({ status: 'failed', error: (e as Error).message })
      }
    },
    async cancel(client) {
      const id = get().jobId
      if (id) await client.call('studio:cancel', { jobId: id })
    }
  }
}

/** Frees a previous run's images; one the compare view still shows is freed once it no longer does. */
export function releaseCellImages(cells: readonly GridJobCell[]): void {
  for (const c of cells) if (c.url) releaseWhenUnpinned(c.url)
}

/** The run's progress line once it has started: "Running: 3/9 cells done". */
export function gridProgressLine(status: Exclude<GridJobStatus, 'idle'>, done: number, total: number): string {
  const word = status === 'starting' ? 'Starting' : status[0].toUpperCase() + status.slice(1)
  return `${word}: ${done}/${total} cells done`
}
