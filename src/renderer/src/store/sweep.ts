/**
 * The guidance sweep's state: the draft (base settings and the X/Y axes as typed), what the running
 * grid job reports per cell (mirrored from contract events), and the last grid export. One slice of the
 * studio store (see root.ts).
 *
 * Like the gallery, preview frames are kept as the latest event only and drawn by a transient
 * subscription in each cell, so streaming frames never re-render React components.
 */
import { defineSlice } from './root'
import type { PreviewEvent } from '../../../shared/api'
import type { GenerationParams } from '../../../shared/params'
import { type SweepParam, type SweepValue } from '../../../shared/sweep'
import { tryParseAxis } from '../../../shared/sweep-text'
import { DEFAULT_PARAMS } from '../../../shared/params'

export interface SweepAxisDraft {
  /** '' = no Y axis (a single row). */
  param: SweepParam | ''
  text: string
}

/** The sweep's base settings (a part of GenerationParams, src/shared/params.ts) and its X/Y axes as typed. */
export type SweepDraft = Pick<GenerationParams, 'model' | 'prompt' | 'negativePrompt' | 'sampler' | 'schedule' | 'steps' | 'cfg' | 'seed' | 'width' | 'height'> & {
  x: SweepAxisDraft
  y: SweepAxisDraft
}

export type SweepCellStatus = 'waiting' | 'running' | 'done' | 'cancelled' | 'failed'

export interface SweepCell {
  index: number
  /** Column (X value index) and row (Y value index). */
  col: number
  row: number
  status: SweepCellStatus
  step: number
  steps: number
  resultId: string | null
  /** Object URL of the final image. */
  url: string | null
  wallMs: number | null
  modelMs: number | null
  modelCalls: number | null
}

/** One axis of the job being shown: its parameter, values and their labels. */
export interface ShownAxis {
  param: SweepParam | ''
  label: string
  values: SweepValue[]
  labels: string[]
}

export type SweepStatus = 'idle' | 'starting' | 'running' | 'completed' | 'cancelled' | 'failed'

export type SweepExportState =
  | { status: 'idle' }
  | { status: 'working' }
  | { status: 'done'; url: string; fileName: string; path: string | null; width: number; height: number }
  | { status: 'failed'; error: string }

export interface SweepState {
  draft: SweepDraft
  jobId: string | null
  /** Counts runs, so a new run remounts the grid (no stale preview pixels in reused canvases). */
  run: number
  status: SweepStatus
  /** The prompt of the job being shown (the export's title). */
  title: string
  x: ShownAxis | null
  y: ShownAxis | null
  cells: SweepCell[]
  preview: PreviewEvent | null
  enlarged: number | null
  error: string | null
  exported: SweepExportState
}

export const initialSweepState: SweepState = {
  draft: {
    model: '',
    prompt: 'a smiling cat face',
    negativePrompt: '',
    sampler: 'euler',
    schedule: 'karras',
    steps: 8,
    // The contract's defaults, as the Generate form and the CLI start from (issue 13: one set of defaults).
    cfg: DEFAULT_PARAMS.cfg,
    seed: DEFAULT_PARAMS.seed,
    width: 64,
    height: 64,
    x: { param: 'cfg', text: '1, 4, 7' },
    y: { param: 'steps', text: '2, 4, 6' }
  },
  jobId: null,
  run: 0,
  status: 'idle',
  title: '',
  x: null,
  y: null,
  cells: [],
  preview: null,
  enlarged: null,
  error: null,
  exported: { status: 'idle' }
}

declare module './root' {
  interface Slices {
    sweep: SweepState
  }
}

export const useSweepStore = defineSlice('sweep', initialSweepState)

export const AXIS_NAMES = { x: 'X axis', y: 'Y axis' } as const

/** The draft's axis parsed for display and for the request; null = no such axis (Y set to none). */
export function parseDraftAxis(d: SweepAxisDraft, which: 'x' | 'y'): { ok: true; values: SweepValue[] } | { ok: false; error: string } | null {
  if (d.param === '') return null
  return tryParseAxis(d.param, d.text, AXIS_NAMES[which])
}

export const sweepSelectors = {
  busy: (s: SweepState): boolean => s.status === 'starting' || s.status === 'running',
  doneCount: (s: SweepState): number => s.cells.filter((c) => c.status === 'done').length
}

export function setSweepDraft(patch: Partial<SweepDraft>): void {
  useSweepStore.setState((s) => ({ draft: { ...s.draft, ...patch } }))
}

export function setSweepAxis(which: 'x' | 'y', patch: Partial<SweepAxisDraft>): void {
  useSweepStore.setState((s) => ({ draft: { ...s.draft, [which]: { ...s.draft[which], ...patch } } }))
}

/** Replaces one cell, keeping the others' identity so only that cell re-renders. */
export function patchSweepCell(index: number, patch: Partial<SweepCell>): void {
  useSweepStore.setState((s) => {
    const c = s.cells[index]
    if (!c) return {}
    const cells = s.cells.slice()
    cells[index] = { ...c, ...patch }
    return { cells }
  })
}
