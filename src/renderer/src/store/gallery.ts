/**
 * The sampler gallery's state: the draft grid request (UI state) and what the grid job reports, one
 * entry per cell (mirrored from contract events). One slice of the studio store (see root.ts).
 *
 * Preview frames are kept as the latest event only and drawn by a transient subscription in each cell
 * (zustand "Transient updates"), so streaming frames never re-render React components.
 */
import { defineSlice } from './root'
import type { CellMetrics, PreviewEvent } from '../../../shared/api'
import type { CalibrationEvent, ScoreOptimalUse } from '../../../shared/calibration'
import { DEFAULT_PARAMS } from '../../../shared/params'

export interface GalleryDraft {
  model: string
  prompt: string
  negativePrompt: string
  samplers: string[]
  schedules: string[]
  /** Step counts as typed, comma-separated ("4, 8"). */
  steps: string
  seed: string
  cfg: number
  width: number
  height: number
  /** Measure each cell against a reference solve of the same ODE (GridSpec.reference). */
  reference: boolean
}

export type CellStatus = 'waiting' | 'running' | 'done' | 'cancelled' | 'failed'

/** One grid cell: its axis values (from the request) and what the job reported for it. */
export interface GalleryCell {
  index: number
  sampler: string
  schedule: string
  steps: number
  status: CellStatus
  step: number
  /** Object URL of the final image. */
  url: string | null
  wallMs: number | null
  modelMs: number | null
  modelCalls: number | null
  /** Error against the reference, when the run asked for it. */
  metrics: CellMetrics | null
  /** For score_optimal cells: calibrated profile or fallback. */
  scoreOptimal: ScoreOptimalUse | null
  /** While this cell's reference solution is being solved: calls made and needed. */
  reference: { calls: number; totalCalls: number } | null
}

/**
 * The gallery's score_optimal calibration. Kept in the store, not in the control, so that leaving the
 * Gallery view and coming back still shows a calibration under way (and does not offer to start a
 * second one).
 */
export interface GalleryCalibration {
  /** True from the click until 'studio:calibrate' answers. */
  starting: boolean
  /** The calibration job queued or running, or null. */
  jobId: string | null
  progress: CalibrationEvent | null
  /** How the last calibration ended, or why it could not start. */
  message: string | null
  /** Counts finished calibrations, so the control reads the model's profiles again. */
  finished: number
}

export type GalleryStatus = 'idle' | 'starting' | 'running' | 'completed' | 'cancelled' | 'failed'

export interface GalleryState {
  draft: GalleryDraft
  jobId: string | null
  /** Counts runs, so a new run remounts the grid (no stale preview pixels in reused canvases). */
  run: number
  status: GalleryStatus
  /** Axes of the job being shown: rows = samplers, columns = schedules x steps. */
  rows: string[]
  columns: { schedule: string; steps: number }[]
  /** The job shown was asked to measure cells against a reference (its cells keep a line for it). */
  measured: boolean
  cells: GalleryCell[]
  /** The latest preview frame of the shown job (drawn by subscriptions, not rendered). */
  preview: PreviewEvent | null
  /** Cell shown large, or null. */
  enlarged: number | null
  error: string | null
  calibration: GalleryCalibration
}

export const initialGalleryState: GalleryState = {
  draft: {
    model: '',
    prompt: 'a smiling cat face',
    negativePrompt: '',
    samplers: ['euler', 'dpmpp_2m'],
    schedules: ['karras', 'normal'],
    steps: '8',
    // The contract's defaults, as the Generate form and the CLI start from (issue 13: one set of defaults).
    seed: DEFAULT_PARAMS.seed,
    cfg: DEFAULT_PARAMS.cfg,
    width: 64,
    height: 64,
    reference: false
  },
  jobId: null,
  run: 0,
  status: 'idle',
  rows: [],
  columns: [],
  measured: false,
  cells: [],
  preview: null,
  enlarged: null,
  error: null,
  calibration: { starting: false, jobId: null, progress: null, message: null, finished: 0 }
}

declare module './root' {
  interface Slices {
    gallery: GalleryState
  }
}

export const useGalleryStore = defineSlice('gallery', initialGalleryState)

/** Parses "4, 8 12" into distinct positive whole step counts, in the order typed. */
export function parseStepList(text: string): number[] {
  const out: number[] = []
  for (const part of text.split(/[\s,]+/)) {
    if (part === '') continue
    const n = Number(part)
    if (Number.isInteger(n) && n >= 1 && !out.includes(n)) out.push(n)
  }
  return out
}

export const gallerySelectors = {
  busy: (s: GalleryState): boolean => s.status === 'starting' || s.status === 'running',
  stepList: (s: GalleryState): number[] => parseStepList(s.draft.steps),
  doneCount: (s: GalleryState): number => s.cells.filter((c) => c.status === 'done').length
}

export function setGalleryDraft(patch: Partial<GalleryDraft>): void {
  useGalleryStore.setState((s) => ({ draft: { ...s.draft, ...patch } }))
}

/** Replaces one cell, keeping the others' identity so only that cell re-renders. */
export function patchCell(index: number, patch: Partial<GalleryCell>): void {
  useGalleryStore.setState((s) => {
    const c = s.cells[index]
    if (!c) return {}
    const cells = s.cells.slice()
    cells[index] = { ...c, ...patch }
    return { cells }
  })
}
