import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Events, GenerateRequest, ResultEvent } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { useCompareStore } from '../../store/compare'
import type { SlicePatch } from '../../store/root'
import { createGridJob, gridProgressLine, releaseCellImages, type GridJobCell, type GridJobState } from './job'

interface Cell extends GridJobCell {
  extra: string | null
  resultId: string | null
}
type State = GridJobState<Cell>

const cell = (): Cell => ({ status: 'waiting', step: 0, url: null, wallMs: null, modelMs: null, modelCalls: null, extra: null, resultId: null })

/** A slice-shaped store over a plain object (what defineSlice gives a feature, minus React). */
function fakeSlice(cells: number) {
  let state: State = { jobId: null, status: 'starting', cells: Array.from({ length: cells }, cell), preview: null, error: null }
  const store = {
    getState: () => state,
    setState: (p: SlicePatch<State>) => {
      state = { ...state, ...(typeof p === 'function' ? p(state) : p) }
    }
  }
  const patchCell = (i: number, p: Partial<Cell>): void => store.setState((s) => ({ cells: s.cells.map((c, j) => (j === i ? { ...c, ...p } : c)) }))
  return { store, patchCell }
}

/** A client whose events the test fires by hand; 'studio:generate' answers when `answer` is called. */
function fakeClient(image: () => Promise<{ data: Uint8Array; mime: string }>) {
  const listeners = new Map<string, ((p: unknown) => void)[]>()
  let answer!: (jobId: string) => void
  const call = vi.fn((name: string) => {
    if (name === 'studio:generate') return new Promise((ok) => (answer = (jobId) => ok({ jobId })))
    if (name === 'studio:result:image') return image()
    return Promise.resolve({})
  })
  const client = {
    transport: 'websocket',
    call,
    on: (name: string, cb: (p: unknown) => void) => {
      listeners.set(name, [...(listeners.get(name) ?? []), cb])
      return () => listeners.set(name, (listeners.get(name) ?? []).filter((f) => f !== cb))
    }
  } as unknown as StudioClient
  const fire = <E extends keyof Events>(name: E, payload: Events[E]): void => (listeners.get(name) ?? []).forEach((f) => f(payload))
  return { client, call, fire, answer: (id: string) => answer(id) }
}

const progress = (jobId: string, cell: number, step: number): Events['studio:progress'] =>
  ({ jobId, cell, cells: 2, step, steps: 8, sigma: 1, elapsedMs: 0, remainingMs: null, jobStep: step, jobSteps: 16 }) as Events['studio:progress']
const result = (jobId: string, cell: number): ResultEvent =>
  ({ jobId, cell, cells: 2, resultId: `r${cell}`, width: 64, height: 64, params: { steps: 8 }, timings: { wallMs: 1500, modelMs: 700 + cell, modelCalls: 9 } }) as unknown as ResultEvent
const request = {} as GenerateRequest
const flush = (): Promise<void> => new Promise((ok) => setTimeout(ok, 0))

describe('createGridJob', () => {
  afterEach(() => useCompareStore.setState({ a: null, b: null }))

  it('holds events that come before the job id, replays them for that id and drops other jobs’ events', async () => {
    const { store, patchCell } = fakeSlice(2)
    const job = createGridJob<Cell>({ store, patchCell, progress: (p) => ({ extra: `of ${p.steps}` }) })
    const c = fakeClient(() => Promise.resolve({ data: new Uint8Array([1]), mime: 'image/png' }))
    const off = job.connect(c.client)
    const submitted = job.submit(c.client, request)
    c.fire('studio:progress', progress('j1', 0, 3))
    c.fire('studio:progress', progress('other', 1, 5))
    expect(store.getState().cells[0].status).toBe('waiting') // held, not applied yet
    c.answer('j1')
    await submitted
    expect(store.getState()).toMatchObject({ jobId: 'j1', status: 'running' })
    expect(store.getState().cells[0]).toMatchObject({ status: 'running', step: 3, extra: 'of 8' })
    expect(store.getState().cells[1].status).toBe('waiting')
    off()
    c.fire('studio:progress', progress('j1', 1, 4))
    expect(store.getState().cells[1].status).toBe('waiting') // unsubscribed
  })

  it('fills a finished cell from its image and the feature’s fields, and ignores an image of a replaced run', async () => {
    const { store, patchCell } = fakeSlice(2)
    const job = createGridJob<Cell>({ store, patchCell, resultAnnounced: (r) => ({ resultId: r.resultId }), resultFields: () => ({ extra: 'measured' }) })
    const c = fakeClient(() => Promise.resolve({ data: new Uint8Array([1]), mime: 'image/png' }))
    job.connect(c.client)
    const submitted = job.submit(c.client, request)
    c.answer('j1')
    await submitted
    c.fire('studio:result', result('j1', 0))
    expect(store.getState().cells[0]).toMatchObject({ status: 'waiting', resultId: 'r0' })
    await flush()
    const done = store.getState().cells[0]
    expect(done).toMatchObject({ status: 'done', step: 8, wallMs: 1500, modelMs: 700 + 0, modelCalls: 9, extra: 'measured' })
    expect(done.url).toMatch(/^blob:/)
    URL.revokeObjectURL(done.url!)

    c.fire('studio:result', result('j1', 1))
    store.setState({ jobId: 'j2' }) // a new run started before the image came back
    await flush()
    expect(store.getState().cells[1].status).toBe('waiting')
  })

  it('a failed image fetch fails the cell and says why', async () => {
    const { store, patchCell } = fakeSlice(1)
    const job = createGridJob<Cell>({ store, patchCell })
    const c = fakeClient(() => Promise.reject(new Error('result r0 is gone')))
    job.connect(c.client)
    const submitted = job.submit(c.client, request)
    c.answer('j1')
    await submitted
    c.fire('studio:result', result('j1', 0))
    await flush()
    expect(store.getState().cells[0].status).toBe('failed')
    expect(store.getState().error).toBe('result r0 is gone')
  })

  it('a cancelled job marks unfinished cells cancelled and keeps finished ones; an error fails its cell', async () => {
    const { store, patchCell } = fakeSlice(3)
    const job = createGridJob<Cell>({ store, patchCell })
    const c = fakeClient(() => Promise.reject(new Error('unused')))
    job.connect(c.client)
    const submitted = job.submit(c.client, request)
    c.answer('j1')
    await submitted
    patchCell(0, { status: 'done', url: 'blob:x' })
    c.fire('studio:progress', progress('j1', 1, 2))
    c.fire('studio:error', { jobId: 'j1', cell: 2, code: 'model-error', message: 'cell 3 broke' })
    expect(store.getState().cells[2].status).toBe('failed')
    expect(store.getState().error).toBe('cell 3 broke')
    patchCell(2, { status: 'waiting' })
    c.fire('studio:job', { jobId: 'j1', state: 'cancelled' })
    expect(store.getState().status).toBe('cancelled')
    expect(store.getState().cells.map((x) => x.status)).toEqual(['done', 'cancelled', 'cancelled'])
  })

  it('a refused request fails the run with the studio’s message, and cancel asks for the shown job', async () => {
    const { store, patchCell } = fakeSlice(1)
    const job = createGridJob<Cell>({ store, patchCell })
    const c = fakeClient(() => Promise.reject(new Error('unused')))
    c.call.mockImplementationOnce(() => Promise.reject(new Error('steps: must be 1 to 150')))
    await job.submit(c.client, request)
    expect(store.getState()).toMatchObject({ status: 'failed', error: 'steps: must be 1 to 150' })
    await job.cancel(c.client)
    expect(c.call).toHaveBeenCalledTimes(1) // no job id, nothing to cancel
    store.setState({ jobId: 'j9' })
    await job.cancel(c.client)
    expect(c.call).toHaveBeenLastCalledWith('studio:cancel', { jobId: 'j9' })
  })
})

describe('releaseCellImages', () => {
  it('revokes the old cells’ images except those the compare view shows', () => {
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {})
    useCompareStore.setState({ a: { url: 'blob:pinned', label: 'A', cell: 0 }, b: null })
    releaseCellImages([
      { ...cell(), url: 'blob:pinned' },
      { ...cell(), url: 'blob:free' },
      { ...cell(), url: null }
    ])
    expect(revoke.mock.calls).toEqual([['blob:free']])
    // The pinned one is freed once the compare view drops it.
    useCompareStore.setState({ a: null, b: null })
    expect(revoke.mock.calls).toEqual([['blob:free'], ['blob:pinned']])
    revoke.mockRestore()
  })
})

describe('gridProgressLine', () => {
  it('names the state and counts finished cells', () => {
    expect(gridProgressLine('starting', 0, 9)).toBe('Starting: 0/9 cells done')
    expect(gridProgressLine('running', 3, 9)).toBe('Running: 3/9 cells done')
    expect(gridProgressLine('cancelled', 2, 4)).toBe('Cancelled: 2/4 cells done')
  })
})
