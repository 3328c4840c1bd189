/**
 * The presets view's state: the saved presets (as the studio lists them), and the forms for saving,
 * renaming and importing, each with the error of the field it concerns. One slice of the studio store.
 */
import type { PresetDoc, PresetImportResult } from '../../../shared/api'
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from '../../../shared/catalogue'
import { defineSlice } from './root'

/** An error of one input: `field` as the studio named it ("name", "params.steps", "text"). */
export interface FieldError {
  field: string
  message: string
}

export interface PresetsState {
  presets: PresetDoc[]
  /** Files in the presets folder that are not valid presets. */
  folderProblems: Array<{ file: string; message: string }>
  status: 'idle' | 'loading' | 'ready' | 'error'
  error: string | null
  saveName: string
  saveOverwrite: boolean
  saveError: FieldError | null
  /** The preset being renamed, the new name as typed, and its error. */
  renaming: string | null
  renameTo: string
  renameError: FieldError | null
  /** The preset whose Delete asks for confirmation. */
  confirmDelete: string | null
  importText: string
  importName: string
  /** The chosen file (name and bytes), until it is imported or cleared. */
  importFile: { name: string; bytes: Uint8Array } | null
  importResult: PresetImportResult | null
  importError: FieldError | null
  /** What the last action did, for the status line. */
  notice: string | null
  /** The last export, so the person (and tests) can see what was downloaded. */
  lastExport: { filename: string; text: string; warnings: string[] } | null
}

export const initialPresetsState: PresetsState = {
  presets: [],
  folderProblems: [],
  status: 'idle',
  error: null,
  saveName: '',
  saveOverwrite: false,
  saveError: null,
  renaming: null,
  renameTo: '',
  renameError: null,
  confirmDelete: null,
  importText: '',
  importName: '',
  importFile: null,
  importResult: null,
  importError: null,
  notice: null,
  lastExport: null
}

declare module './root' {
  interface Slices {
    presets: PresetsState
  }
}

export const usePresetsStore = defineSlice('presets', initialPresetsState)

/** A failed call's message without the "field: " prefix the studio puts in front (the field is shown apart). */
export function fieldError(e: unknown, fallbackField: string): FieldError {
  const err = e as { field?: unknown; message?: unknown }
  const field = typeof err?.field === 'string' ? err.field : fallbackField
  let message = typeof err?.message === 'string' ? err.message : String(e)
  if (message.startsWith(`${field}: `)) message = message.slice(field.length + 2)
  return { field, message }
}

/** One line of what a preset sets: sampler / schedule / steps / CFG / size. */
export function presetSummary(p: PresetDoc): string {
  const q = p.params
  const bits = [
    q.sampler ? (SAMPLER_BY_ID.get(q.sampler)?.displayName ?? q.sampler) : '',
    q.schedule ? (SCHEDULE_BY_ID.get(q.schedule)?.displayName ?? q.schedule) : '',
    q.steps !== undefined ? `${q.steps} steps` : '',
    q.cfg !== undefined ? `CFG ${q.cfg}` : '',
    q.width && q.height ? `${q.width}×${q.height}` : '',
    q.seed !== undefined ? `seed ${q.seed}` : ''
  ].filter(Boolean)
  return bits.join(' · ') || 'no settings'
}
