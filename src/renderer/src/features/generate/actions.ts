/**
 * The generate panel's actions (module-level, zustand's "no store actions" style): start and cancel a
 * job, and wire the client's events into the store once.
 */
import { DEFAULT_PARAMS } from '../../../../shared/params'
import type { StudioClient } from '../../api'
import { useGenerateStore } from '../../store/generate'

const set = useGenerateStore.setState
const get = useGenerateStore.getState

/** Subscribes the store to the client's events; returns the unsubscribe. */
export function connectGenerateEvents(client: StudioClient): () => void {
  const mine = (jobId: string): boolean => get().jobId === jobId
  const offs = [
    client.on('studio:progress', (p) => mine(p.jobId) && set({ progress: p, status: 'running' })),
    client.on('studio:preview', (p) => mine(p.jobId) && set((s) => ({ preview: p, previewFrames: s.previewFrames + 1 }))),
    client.on('studio:job', (j) => {
      if (!mine(j.jobId)) return
      if (j.state === 'running' || j.state === 'waiting') set({ status: j.state })
      else set({ status: j.state })
    }),
    client.on('studio:result', (r) => {
      if (!mine(r.jobId)) return
      void client.call('studio:result:image', { resultId: r.resultId }).then((img) => {
        const old = get().resultUrl
        if (old) URL.revokeObjectURL(old)
        set({ resultUrl: URL.createObjectURL(new Blob([img.data as BlobPart], { type: img.mime })) })
      })
    }),
    client.on('studio:error', (e) => {
      if (e.jobId === null || mine(e.jobId)) set({ error: e.message })
    })
  ]
  return () => offs.forEach((off) => off())
}

export async function startGeneration(client: StudioClient): Promise<void> {
  const d = get().draft
  set({ status: 'starting', progress: null, preview: null, previewFrames: 0, error: null, jobId: null })
  try {
    const { jobId } = await client.call('studio:generate', {
      params: { ...DEFAULT_PARAMS, model: d.model, prompt: d.prompt, sampler: d.sampler, steps: d.steps, cfg: d.cfg, seed: d.seed, width: d.width, height: d.height },
      preview: { mode: d.previewsOn ? 'auto' : 'off', every: d.previewEvery },
      grid: null
    })
    // Events of this job may already have arrived; the job id is set before any of them is shown.
    set((s) => (s.status === 'starting' ? { jobId, status: 'waiting' } : { jobId }))
  } catch (e) {
    set({ status: 'failed', error: (e as Error).message })
  }
}

export async function cancelGeneration(client: StudioClient): Promise<void> {
  const id = get().jobId
  if (id) await client.call('studio:cancel', { jobId: id })
}
