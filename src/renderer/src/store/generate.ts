/**
 * The generate panel's state: the draft request (UI state) and what the running job reports (mirrored
 * from contract events). Preview frames are stored as the latest event only and drawn by a transient
 * subscription (zustand "Transient updates"), so frames never re-render React components.
 */
import { draftInpaint } from './inpaint'
import { defineSlice } from './root'
import type { PreviewEvent, ProgressEvent, QueueEntry, QueueJobDetails, QueueState } from '../../../shared/api'
import { DEFAULT_HIRES, type HiresSettings } from '../../../shared/hires'
import { DEFAULT_PARAMS, type GenerationParams } from '../../../shared/params'

/**
 * How the seed changes between jobs: 'random' draws a fresh seed for every job (shown once it is sent),
 * 'fixed' reuses the seed field as is, 'increment' uses it and then adds one (A1111's "seed + 1" habit).
 */
export type SeedMode = 'random' | 'fixed' | 'increment'

/**
 * The form: GenerationParams (the one parameter type, src/shared/params.ts) without img2img — the init
 * image is bytes and lives beside the draft, its strength below — plus what only the form has.
 * `model` '' = the service's default model; `seed` is as typed (a decimal string), validated when a job
 * is sent so a half-typed seed is not lost; guidance and noise are kept whole so a preset's or result's
 * settings survive a round trip.
 */
export type Draft = Omit<GenerationParams, 'img2img' | 'hires'> & {
  /** The Hires section's settings, kept while it is off (on exactly when `hiresOn`). */
  hires: HiresSettings
  hiresOn: boolean
  seedMode: SeedMode
  previewEvery: number
  previewsOn: boolean
  /**
   * img2img denoising strength, 0..1. Kept while no init image is chosen (img2img is on exactly when one
   * is), so choosing an image picks up where the person left it.
   */
  strength: number
}

/** A1111's default denoising strength. */
export const DEFAULT_STRENGTH = 0.75

/** The img2img init image (kept out of the draft: it is bytes, and never goes into a preset). */
export interface InitImage {
  /** The encoded file, sent as the request's `initImage`. */
  bytes: Uint8Array
  /** Where it came from, for the person: a file name or "result seed 42". */
  name: string
  format: 'png' | 'jpeg' | 'webp'
  width: number
  height: number
  /** `sha256:<32 hex>`, the label the service stores in params.img2img.image for these bytes. */
  label: string
  /** Object URL of the bytes, for the thumbnail (revoked when the image is replaced or cleared). */
  url: string
}

/** One finished image of the shown job. */
export interface ResultThumb {
  resultId: string
  url: string
  seed: string
  width: number
  height: number
  /** Wall time of this image, ms. */
  wallMs: number
  /** What the compare view calls it (prompt, sampler / schedule, steps, CFG, seed). */
  label: string
}

export interface GenerateState {
  draft: Draft
  /** The job whose progress and previews are shown: the running job among ours, else the last submitted. */
  jobId: string | null
  status: 'idle' | 'starting' | 'waiting' | 'running' | 'completed' | 'cancelled' | 'failed'
  progress: ProgressEvent | null
  /** The latest preview frame (drawn by a subscription, not rendered). */
  preview: PreviewEvent | null
  previewFrames: number
  /** Object URL of the finished image (the newest one of the shown job). */
  resultUrl: string | null
  /** Every image the shown job finished so far (a batch has several), newest last. */
  results: ResultThumb[]
  error: string | null
  /** The service's queue as last reported (null while unknown: not fetched yet, or disconnected). */
  queue: QueueState | null
  /** The start of each listed job's prompt, fetched for the queue list (the queue itself carries none). */
  queueDetails: Readonly<Record<string, QueueJobDetails>>
  /** The seed the last job this view sent actually used (what "reuse last seed" puts back). */
  lastSeed: string | null
  /** The init image; img2img is on exactly when it is set. */
  init: InitImage | null
  /** Why the last chosen file was refused (shown next to the field; nothing was sent). */
  initError: string | null
  /** What loading settings did to img2img (e.g. turned it off because their init image is not here). */
  initNote: string | null
}

export const initialGenerateState: GenerateState = {
  draft: {
    model: '',
    prompt: 'a smiling cat face',
    negativePrompt: '',
    sampler: DEFAULT_PARAMS.sampler,
    samplerOptions: {},
    schedule: DEFAULT_PARAMS.schedule,
    scheduleParams: {},
    // The contract's defaults, as the CLI's; once the models are listed, the chosen model's own defaults
    // replace them (features/generate/actions.ts modelDefaultsPatch).
    steps: DEFAULT_PARAMS.steps,
    cfg: DEFAULT_PARAMS.cfg,
    seed: DEFAULT_PARAMS.seed,
    seedMode: 'fixed',
    width: 64,
    height: 64,
    batchSize: 1,
    guidance: { ...DEFAULT_PARAMS.guidance },
    noise: { ...DEFAULT_PARAMS.noise },
    previewEvery: 1,
    previewsOn: true,
    strength: DEFAULT_STRENGTH,
    hires: { ...DEFAULT_HIRES },
    hiresOn: false
  },
  lastSeed: null,
  init: null,
  initError: null,
  initNote: null,
  jobId: null,
  status: 'idle',
  progress: null,
  preview: null,
  previewFrames: 0,
  resultUrl: null,
  results: [],
  error: null,
  queue: null,
  queueDetails: {}
}

const NO_JOBS: readonly QueueEntry[] = Object.freeze([])

declare module './root' {
  interface Slices {
    generate: GenerateState
  }
}

export const useGenerateStore = defineSlice('generate', initialGenerateState)

export const generateSelectors = {
  busy: (s: GenerateState): boolean => s.status === 'starting' || s.status === 'waiting' || s.status === 'running',
  // A constant empty list: a fresh [] per call would make zustand re-render forever.
  waiting: (s: GenerateState): readonly QueueEntry[] => s.queue?.waiting ?? NO_JOBS,
  /** Jobs that run before the shown one while it waits (the running job counts), or null when it is not waiting. */
  ahead: (s: GenerateState): number | null => {
    if (s.status !== 'waiting' || !s.jobId || !s.queue) return null
    const i = s.queue.waiting.findIndex((j) => j.jobId === s.jobId)
    return i < 0 ? null : i + (s.queue.running ? 1 : 0)
  },
  progressLine: (s: GenerateState): string => {
    const p = s.progress
    if (s.error) return s.error
    if (s.status === 'idle') return 'Ready.'
    if (s.status === 'starting') return 'Sending the job…'
    if (s.status === 'waiting') {
      const ahead = generateSelectors.ahead(s)
      return ahead === null ? 'Waiting for the worker…' : ahead === 0 ? 'Waiting (next)' : `Waiting (${ahead} ahead)`
    }
    if (!p) {
      // No step was reported: the job ended (or is loading) before its first step.
      const before: Record<string, string> = { running: 'Loading the model…', cancelled: 'Cancelled before it started.', failed: 'Failed before it started.', completed: 'Done.' }
      return before[s.status] ?? s.status
    }
    const eta = p.remainingMs === null ? '' : `, about ${(p.remainingMs / 1000).toFixed(1)} s left`
    // A batch runs as a grid of seeds; to the person it is "image 2 of 4", not a grid cell.
    const cell = p.cells > 1 ? ` (image ${p.cell + 1}/${p.cells})` : ''
    const head = s.status === 'running' ? 'Step' : s.status === 'completed' ? 'Done:' : `${s.status[0].toUpperCase()}${s.status.slice(1)} at step`
    // A finished one-image job states the same time as its caption (the image's own wall time), not the
    // time of its last step report.
    const ms = s.status === 'completed' && s.results.length === 1 ? s.results[0].wallMs : p.elapsedMs
    return `${head} ${p.step}/${p.steps}${cell}, sigma ${p.sigma.toFixed(3)}, ${(ms / 1000).toFixed(1)} s${s.status === 'running' ? eta : ''}`
  }
}

export function setDraft(patch: Partial<Draft>): void {
  useGenerateStore.setState((s) => ({ draft: { ...s.draft, ...patch } }))
}

/**
 * The full generation parameters the form currently describes ('' model = the default model). The seed is
 * the seed field as shown; in 'random' mode a job draws its own (see the generate actions), so a preset
 * saved from here keeps the last seed used rather than a seed nobody saw.
 */
export function draftParams(): GenerationParams {
  const { draft: d, init } = useGenerateStore.getState()
  return {
    model: d.model,
    prompt: d.prompt,
    negativePrompt: d.negativePrompt,
    sampler: d.sampler,
    samplerOptions: { ...d.samplerOptions },
    schedule: d.schedule,
    scheduleParams: { ...d.scheduleParams },
    steps: d.steps,
    cfg: d.cfg,
    seed: d.seed,
    width: d.width,
    height: d.height,
    batchSize: d.batchSize,
    guidance: { ...d.guidance, interval: d.guidance.interval ? [d.guidance.interval[0], d.guidance.interval[1]] : null },
    noise: { ...d.noise },
    // The image is named by its content hash (what the service stores); its bytes travel separately, in
    // the request's initImage, and a preset saved from this keeps neither (presets drop img2img).
    img2img: init ? { image: init.label, strength: d.strength, inpaint: draftInpaint() } : null,
    // Hires follows text-to-image only (the service refuses both at once); with an init image it is off.
    hires: d.hiresOn && !init ? { ...d.hires } : null
  }
}

/**
 * What loading parameters does to img2img. Their `img2img.image` is only a label (a content hash, or a
 * CLI path that is never opened), so the image itself can only be the one already chosen here:
 * - img2img params: the strength is taken; the current init image is kept (noted when it is not the one
 *   the params name); with none chosen img2img stays off, with a note saying which image to choose;
 * - txt2img params: a chosen init image is kept (choosing it again would be work lost), with a note that
 *   clearing it reproduces the loaded settings.
 */
function loadedInit(s: GenerateState, p: GenerationParams): { strength: number; initNote: string | null } {
  const i2i = p.img2img
  if (!i2i) {
    return { strength: s.draft.strength, initNote: s.init ? 'These settings are text-to-image; the init image is still set. Clear it to reproduce them.' : null }
  }
  const strength = i2i.strength
  if (!s.init) return { strength, initNote: `These settings started from an init image (${i2i.image}) that is not loaded, so img2img is off. Choose that image to reproduce them.` }
  if (s.init.label !== i2i.image) return { strength, initNote: `These settings started from another init image (${i2i.image}); the current one is kept.` }
  return { strength, initNote: null }
}

/**
 * Puts a result's or preset's parameters back into the form. The seed mode becomes 'fixed' so the next
 * job reproduces exactly what was loaded; preview settings (a property of this view, not of an image)
 * are kept. For img2img see {@link loadedInit}.
 */
export function loadParamsIntoDraft(p: GenerationParams): void {
  useGenerateStore.setState((s) => {
    const { strength, initNote } = loadedInit(s, p)
    return {
      initNote,
      draft: {
        ...s.draft,
        model: p.model,
        prompt: p.prompt,
        negativePrompt: p.negativePrompt,
        sampler: p.sampler,
        samplerOptions: { ...p.samplerOptions },
        schedule: p.schedule,
        scheduleParams: { ...p.scheduleParams },
        steps: p.steps,
        cfg: p.cfg,
        seed: p.seed,
        seedMode: 'fixed',
        width: p.width,
        height: p.height,
        batchSize: p.batchSize,
        guidance: { ...DEFAULT_PARAMS.guidance, ...p.guidance },
        noise: { ...DEFAULT_PARAMS.noise, ...p.noise },
        strength,
        hires: p.hires ? { ...DEFAULT_HIRES, ...p.hires } : s.draft.hires,
        hiresOn: p.hires !== null && p.hires !== undefined
      }
    }
  })
}

/** Makes `init` the init image (img2img on), releasing the previous one's thumbnail. */
export function setInitImage(init: InitImage): void {
  const old = useGenerateStore.getState().init
  if (old && old.url !== init.url) URL.revokeObjectURL(old.url)
  useGenerateStore.setState({ init, initError: null, initNote: null })
}

/** Clears the init image (img2img off); the strength stays for next time. */
export function clearInitImage(): void {
  const old = useGenerateStore.getState().init
  if (old) URL.revokeObjectURL(old.url)
  useGenerateStore.setState({ init: null, initError: null, initNote: null })
}

/** Shows why a chosen file was refused; the current init image (if any) stays. */
export function setInitError(initError: string): void {
  useGenerateStore.setState({ initError })
}
