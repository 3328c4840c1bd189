/**
 * The generate panel's actions (module-level, zustand's "no store actions" style): start, cancel,
 * reorder and remove jobs, pick models and samplers, and wire the client's events into the store once.
 *
 * Events can arrive before the call that caused them returns (the service announces a job as queued
 * and running while 'studio:generate' is still answering), so a job is adopted from the queue state
 * as well as from the call's reply, whichever comes last.
 */
import type { GridSpec, ModelEntry, QueueState } from '../../../../shared/api'
import { validateGenerationParams } from '../../../../shared/params'
import type { StudioClient } from '../../api'
import { followQueue, type QueueFollower } from '../../api/queue-follower'
import { MAX_DETAILS_PER_CALL } from '../../../../shared/queue'
import { resolveModel } from '../../components/ModelSelect'
import { addToSeed, batchSeeds, randomSeed } from '../../components/seed'
import { draftParams, initialGenerateState, setDraft, useGenerateStore, type Draft, type GenerateState, type ResultThumb } from '../../store/generate'
import { releaseWhenUnpinned } from '../../store/compare'
import { useInpaintStore } from '../../store/inpaint'
import { draftErrors, firstDraftError } from './draft-errors'
import { resultLabel } from './result-label'

const set = useGenerateStore.setState
const get = useGenerateStore.getState

/** Jobs this page submitted. */
const mine = new Set<string>()

/** Shows a job from its start: progress, preview and the list of finished images begin afresh. */
function adopt(jobId: string): void {
  // The previous image stays visible (resultUrl) until the new one arrives, so the view does not blank;
  // the rest of the previous job's images are no longer listed and are freed.
  const { results, resultUrl } = get()
  for (const t of results) if (t.url !== resultUrl) releaseWhenUnpinned(t.url)
  set({ jobId, status: 'running', progress: null, preview: null, previewFrames: 0, results: [], error: null })
}

/** Brings the shown job's status in line with the queue: waiting while queued, running once it starts. */
function followShownJob(q: QueueState): void {
  const s = get()
  const running = q.running?.jobId
  if (running && mine.has(running) && (s.jobId !== running || s.status !== 'running')) {
    // One of ours started: show it (unless the shown one is still running, which the queue rules out).
    adopt(running)
    return
  }
  if (s.jobId && s.status === 'starting' && q.waiting.some((j) => j.jobId === s.jobId)) set({ status: 'waiting' })
}

/**
 * The shown job's image list after one more of its images arrived: the new one is listed and shown, and
 * `release` names the object URLs no longer listed (the previous job's last image, kept on screen until
 * this one came so the view does not blank).
 */
export function withResult(
  s: Pick<GenerateState, 'results' | 'resultUrl'>,
  thumb: ResultThumb
): { results: ResultThumb[]; resultUrl: string; release: string[] } {
  const results = [...s.results, thumb]
  const kept = new Set(results.map((t) => t.url))
  const release = s.resultUrl && !kept.has(s.resultUrl) ? [s.resultUrl] : []
  return { results, resultUrl: thumb.url, release }
}

/** The queue follower of the connected client (a reorder's answer is offered to it). */
let follower: QueueFollower | null = null

/** The fetched prompt lines of the jobs still in the queue (the others are dropped). */
function keepDetails(details: GenerateState['queueDetails'], q: QueueState): GenerateState['queueDetails'] {
  const ids = new Set([...(q.running ? [q.running.jobId] : []), ...q.waiting.map((j) => j.jobId)])
  const kept = Object.entries(details).filter(([id]) => ids.has(id))
  return kept.length === Object.keys(details).length ? details : Object.fromEntries(kept)
}

/** Fetches the prompt lines the queue list shows and does not have yet. */
export async function fetchQueueDetails(client: StudioClient, jobIds: readonly string[]): Promise<void> {
  const missing = jobIds.filter((id) => !(id in get().queueDetails)).slice(0, MAX_DETAILS_PER_CALL)
  if (missing.length === 0) return
  const { jobs } = await client.call('studio:queue:details', { jobIds: missing })
  if (jobs.length > 0) set((s) => ({ queueDetails: { ...s.queueDetails, ...Object.fromEntries(jobs.map((j) => [j.jobId, j])) } }))
}

/** Subscribes the store to the client's events; returns the unsubscribe. */
export function connectGenerateEvents(client: StudioClient): () => void {
  const shown = (jobId: string): boolean => get().jobId === jobId
  // The queue: a snapshot, then deltas; null while the page cannot reach the studio.
  follower = followQueue(client, (q) => {
    const s = get()
    if (q === null) return set({ queue: null })
    // Back after a disconnection (the queue was forgotten): a shown job that is neither running nor
    // waiting any more ended while the page could not hear it.
    const active = s.status === 'running' || s.status === 'waiting'
    if (s.queue === null && active && s.jobId && q.running?.jobId !== s.jobId && !q.waiting.some((j) => j.jobId === s.jobId)) {
      set({ status: 'completed', error: 'This job ended while the page was disconnected; its images are in the library.' })
    }
    set({ queue: q, queueDetails: keepDetails(s.queueDetails, q) })
    followShownJob(q)
  })
  const offs = [
    () => follower?.stop(),
    client.on('studio:progress', (p) => shown(p.jobId) && set({ progress: p })),
    client.on('studio:preview', (p) => shown(p.jobId) && set((s) => ({ preview: p, previewFrames: s.previewFrames + 1 }))),
    client.on('studio:job', (j) => {
      if (shown(j.jobId) && (j.state === 'completed' || j.state === 'cancelled' || j.state === 'failed')) set({ status: j.state })
    }),
    client.on('studio:result', (r) => {
      if (!mine.has(r.jobId)) return
      void client.call('studio:result:image', { resultId: r.resultId }).then((img) => {
        // The image arrives after a round trip: by then the next queued job may be shown, and a late
        // image of the previous one must not replace its list (it is in the library all the same).
        if (!shown(r.jobId)) return
        const url = URL.createObjectURL(new Blob([img.data as BlobPart], { type: img.mime }))
        const thumb = { resultId: r.resultId, url, seed: r.params.seed, width: r.width, height: r.height, wallMs: r.timings.wallMs, label: resultLabel(r.params) }
        const s = get()
        const { results, resultUrl, release } = withResult(s, thumb)
        // An image picked for compare stays alive until the compare view lets it go.
        for (const old of release) releaseWhenUnpinned(old)
        set({ resultUrl, results })
      })
    }),
    client.on('studio:error', (e) => {
      if (e.jobId === null || mine.has(e.jobId)) set({ error: e.message })
    })
  ]
  // The host can stop while the page stays open: forget the queue at once (it can no longer be seen),
  // say so for the shown job, and take the queue again when the client has reconnected.
  const LOST = 'Lost the connection to the studio; this page reconnects by itself when the web host is back.'
  const offConnection = client.onConnection?.((c) => {
    const s = get()
    const active = s.status === 'running' || s.status === 'waiting' || s.status === 'starting'
    if (c === 'disconnected') set(active ? { error: LOST } : {})
    else if (s.error === LOST) set({ error: null })
  })
  if (offConnection) offs.push(offConnection)
  return () => offs.forEach((off) => off())
}

const connected = new WeakSet<StudioClient>()

/**
 * Connects the store to a client's events once for the page's life. The panel unmounts when another
 * view is shown, but a running job must still be followed (its end, its result), or the view would come
 * back showing a job as running that finished meanwhile.
 */
export function ensureGenerateEvents(client: StudioClient): void {
  if (connected.has(client)) return
  connected.add(client)
  connectGenerateEvents(client)
}

/** The seed this job runs with and what the seed field shows afterwards, by seed mode. */
export function seedsForJob(d: Pick<Draft, 'seed' | 'seedMode' | 'batchSize'>, draw: () => string = randomSeed): { seed: string; nextField: string } {
  if (d.seedMode === 'random') {
    const seed = draw()
    return { seed, nextField: seed }
  }
  // A batch uses seed … seed+n-1, so "increment" moves past all of them.
  return { seed: d.seed, nextField: d.seedMode === 'increment' ? addToSeed(d.seed, d.batchSize) : d.seed }
}

/**
 * Queues a job with the draft's settings; it starts at once when nothing else is running. A batch is
 * sent as a grid over consecutive seeds (one image per cell): every image then comes back as its own
 * result and lands in the library, and the worker still batches the cells through the UNet together.
 */
export async function startGeneration(client: StudioClient, models: readonly ModelEntry[] = []): Promise<void> {
  const { draft: d, init } = get()
  const problem = firstDraftError(draftErrors(d, resolveModel(models, d.model)?.sizeStep, init !== null))
  if (problem) {
    set({ error: problem })
    return
  }
  const { seed, nextField } = seedsForJob(d)
  let params
  try {
    params = validateGenerationParams({ ...draftParams(), seed, batchSize: 1 })
  } catch (e) {
    set({ error: (e as Error).message })
    return
  }
  const grid: GridSpec | null = d.batchSize > 1 ? { seeds: batchSeeds(seed, d.batchSize) } : null
  const idle = get().status !== 'running'
  if (idle) set({ status: 'starting', error: null })
  try {
    const { jobId } = await client.call('studio:generate', {
      params,
      preview: { mode: d.previewsOn ? 'auto' : 'off', every: d.previewEvery },
      grid,
      // img2img: the image itself travels with the job (never a path; see src/shared/init-image.ts).
      ...(init && params.img2img ? { initImage: init.bytes } : {}),
      // Inpainting: the painted mask travels the same way, as bytes.
      ...(params.img2img?.inpaint?.mask ? { maskImage: useInpaintStore.getState().mask?.bytes } : {})
    })
    mine.add(jobId)
    set({ lastSeed: seed, error: null })
    // Only after the job is accepted: a refused job must not eat a seed.
    setDraft({ seed: nextField })
    const q = get().queue
    if (q?.running?.jobId === jobId) adopt(jobId)
    else if (get().status !== 'running') {
      // Waiting behind other jobs (another view's, or a job this view no longer shows).
      set({ jobId, status: 'waiting', progress: null, preview: null, previewFrames: 0 })
    }
  } catch (e) {
    set({ status: idle ? 'failed' : get().status, error: (e as Error).message })
  }
}

/** Cancels the job being shown (running or waiting). */
export async function cancelGeneration(client: StudioClient): Promise<void> {
  const s = get()
  if (!s.jobId || !(s.status === 'running' || s.status === 'waiting')) return
  await client.call('studio:cancel', { jobId: s.jobId })
}

/** Moves a waiting job to the front of the queue. */
export async function runNext(client: StudioClient, jobId: string): Promise<void> {
  const q = await client.call('studio:queue:reorder', { jobIds: [jobId] })
  if (follower) follower.offer(q)
  else set({ queue: q })
}

export async function removeWaiting(client: StudioClient, jobId: string): Promise<void> {
  await client.call('studio:queue:remove', { jobId })
}

/** A sampler's options belong to it: switching drops them (the service would refuse them otherwise). */
export function chooseSampler(sampler: string): void {
  const d = get().draft
  if (d.sampler !== sampler) setDraft({ sampler, samplerOptions: {} })
}

export function chooseSchedule(schedule: string): void {
  const d = get().draft
  if (d.schedule !== schedule) setDraft({ schedule, scheduleParams: {} })
}

/**
 * Picks a model. When the size is still the previous model's native size (the user has not chosen one),
 * it follows the new model's native size, so switching from a 64-pixel model to SDXL does not leave a
 * 64x64 request behind.
 */
export function chooseModel(name: string, models: readonly ModelEntry[]): void {
  const d = get().draft
  setDraft({ model: name, ...modelDefaultsPatch(d, resolveModel(models, d.model), resolveModel(models, name)) })
}

/**
 * The fields of the form that follow a model's defaults (size, steps, CFG, sampler, schedule — few-step
 * models need very different ones): those still at the previous model's defaults, or at the form's
 * initial values, take the new model's. A value the user chose stays.
 */
export function modelDefaultsPatch(d: Draft, before: ModelEntry | undefined, after: ModelEntry | undefined): Partial<Draft> {
  const next = after?.defaults
  if (!next) return {}
  const prev = before?.defaults
  const init = initialGenerateState.draft
  const patch: Partial<Draft> = {}
  if ((d.width === init.width && d.height === init.height) || (prev && d.width === prev.width && d.height === prev.height)) {
    patch.width = next.width
    patch.height = next.height
  }
  for (const k of ['steps', 'cfg', 'sampler', 'schedule'] as const) {
    if (d[k] === init[k] || (prev && d[k] === prev[k])) Object.assign(patch, { [k]: next[k] })
  }
  if (patch.sampler !== undefined && patch.sampler !== d.sampler) patch.samplerOptions = {}
  if (patch.schedule !== undefined && patch.schedule !== d.schedule) patch.scheduleParams = {}
  return patch
}

/** "Reuse last seed": the seed of the last job, fixed, as A1111's recycle button does. */
export function reuseLastSeed(): void {
  const last = get().lastSeed
  if (last !== null) setDraft({ seed: last, seedMode: 'fixed' })
}
