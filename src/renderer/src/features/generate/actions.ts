/**
 * The generate panel's actions (module-level, zustand's "no store actions" style): start, cancel,
 * reorder and remove jobs, and wire the client's events into the store once.
 *
 * Events can arrive before the call that caused them returns (the service announces a job as queued
 * and running while 'studio:generate' is still answering), so a job is adopted from the queue state
 * as well as from the call's reply, whichever comes last.
 */
import { DEFAULT_PARAMS } from '../../../../shared/params'
import type { StudioClient } from '../../api'
import { useGenerateStore } from '../../store/generate'

const set = useGenerateStore.setState
const get = useGenerateStore.getState

/** Jobs this page submitted. */
const mine = new Set<string>()

function adopt(jobId: string): void {
  set({ jobId, status: 'running', progress: null, preview: null, previewFrames: 0, error: null })
}

/** Subscribes the store to the client's events; returns the unsubscribe. */
export function connectGenerateEvents(client: StudioClient): () => void {
  const shown = (jobId: string): boolean => get().jobId === jobId
  const offs = [
    client.on('studio:queue', (q) => {
      set({ queue: q })
      const running = q.running?.jobId
      if (running && mine.has(running) && (!shown(running) || get().status !== 'running')) adopt(running)
    }),
    client.on('studio:progress', (p) => shown(p.jobId) && set({ progress: p })),
    client.on('studio:preview', (p) => shown(p.jobId) && set((s) => ({ preview: p, previewFrames: s.previewFrames + 1 }))),
    client.on('studio:job', (j) => {
      if (shown(j.jobId) && (j.state === 'completed' || j.state === 'cancelled' || j.state === 'failed')) set({ status: j.state })
    }),
    client.on('studio:result', (r) => {
      if (!mine.has(r.jobId)) return
      void client.call('studio:result:image', { resultId: r.resultId }).then((img) => {
        const old = get().resultUrl
        if (old) URL.revokeObjectURL(old)
        set({ resultUrl: URL.createObjectURL(new Blob([img.data as BlobPart], { type: img.mime })) })
      })
    }),
    client.on('studio:error', (e) => {
      if (e.jobId === null || mine.has(e.jobId)) set({ error: e.message })
    })
  ]
  void client.call('studio:queue:get', {}).then((queue) => set({ queue }), () => undefined)
  return () => offs.forEach((off) => off())
}

/** Queues a job with the draft's settings; it starts at once when nothing else is running. */
export async function startGeneration(client: StudioClient): Promise<void> {
  const d = get().draft
  const idle = get().status !== 'running'
  if (idle) set({ status: 'starting', error: null })
  try {
    const { jobId } = await client.call('studio:generate', {
      params: { ...DEFAULT_PARAMS, model: d.model, prompt: d.prompt, sampler: d.sampler, steps: d.steps, cfg: d.cfg, seed: d.seed, width: d.width, height: d.height },
      preview: { mode: d.previewsOn ? 'auto' : 'off', every: d.previewEvery },
      grid: null
    })
    mine.add(jobId)
    if (get().queue?.running?.jobId === jobId) adopt(jobId)
    else if (get().status !== 'running') set({ jobId, status: 'waiting', progress: null, preview: null, previewFrames: 0 })
  } catch (e) {
    set({ status: idle ? 'failed' : get().status, error: (e as Error).message })
  }
}

/** Cancels the job being shown (running or waiting). */
export async function cancelGeneration(client: StudioClient): Promise<void> {
  const id = get().jobId
  if (id) await client.call('studio:cancel', { jobId: id })
}

/** Moves a waiting job to the front of the queue. */
export async function runNext(client: StudioClient, jobId: string): Promise<void> {
  set({ queue: await client.call('studio:queue:reorder', { jobIds: [jobId] }) })
}

export async function removeWaiting(client: StudioClient, jobId: string): Promise<void> {
  await client.call('studio:queue:remove', { jobId })
}
