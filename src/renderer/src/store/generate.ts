/**
 * The generate panel's state: the draft request (UI state) and what the running job reports (mirrored
 * from contract events). Preview frames are stored as the latest event only and drawn by a transient
 * subscription (zustand "Transient updates"), so frames never re-render React components.
 */
import { defineSlice } from './root'
import type { JobSummary, PreviewEvent, ProgressEvent, QueueState } from '../../../shared/api'
import { DEFAULT_PARAMS } from '../../../shared/params'

export interface Draft {
  model: string
  prompt: string
  sampler: string
  steps: number
  cfg: number
  seed: string
  width: number
  height: number
  previewEvery: number
  previewsOn: boolean
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
  /** Object URL of the finished image. */
  resultUrl: string | null
  error: string | null
  /** The service's queue as last reported. */
  queue: QueueState | null
}

export const initialGenerateState: GenerateState = {
  draft: {
    model: '',
    prompt: 'a smiling cat face',
    sampler: DEFAULT_PARAMS.sampler,
    steps: 20,
    cfg: 5,
    seed: '42',
    width: 64,
    height: 64,
    previewEvery: 1,
    previewsOn: true
  },
  jobId: null,
  status: 'idle',
  progress: null,
  preview: null,
  previewFrames: 0,
  resultUrl: null,
  error: null,
  queue: null
}

const NO_JOBS: readonly JobSummary[] = Object.freeze([])

declare module './root' {
  interface Slices {
    generate: GenerateState
  }
}

export const useGenerateStore = defineSlice('generate', initialGenerateState)

export const generateSelectors = {
  busy: (s: GenerateState): boolean => s.status === 'starting' || s.status === 'waiting' || s.status === 'running',
  // A constant empty list: a fresh [] per call would make zustand re-render forever.
  waiting: (s: GenerateState): readonly JobSummary[] => s.queue?.waiting ?? NO_JOBS,
  progressLine: (s: GenerateState): string => {
    const p = s.progress
    if (s.error) return s.error
    if (s.status === 'idle') return 'Ready.'
    if (s.status === 'starting' || s.status === 'waiting') return 'Waiting for the worker…'
    if (!p) return s.status === 'running' ? 'Loading the model…' : s.status
    const eta = p.remainingMs === null ? '' : `, about ${(p.remainingMs / 1000).toFixed(1)} s left`
    const cell = p.cells > 1 ? ` (cell ${p.cell + 1}/${p.cells})` : ''
    const head = s.status === 'running' ? 'Step' : s.status === 'completed' ? 'Done:' : `${s.status[0].toUpperCase()}${s.status.slice(1)} at step`
    return `${head} ${p.step}/${p.steps}${cell}, sigma ${p.sigma.toFixed(3)}, ${(p.elapsedMs / 1000).toFixed(1)} s${s.status === 'running' ? eta : ''}`
  }
}

export function setDraft(patch: Partial<Draft>): void {
  useGenerateStore.setState((s) => ({ draft: { ...s.draft, ...patch } }))
}
