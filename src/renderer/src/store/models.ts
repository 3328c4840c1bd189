/**
 * The model manager's state: the model list as main reports it, the imports in progress or just ended
 * (fed by 'studio:models:import' events, kept while the view is closed), and the row being renamed or
 * confirmed for removal. One slice of the studio store; the wording helpers are pure (tested beside).
 */
import type { ModelEntry, ModelImportEvent } from '../../../shared/api'
import { formatBytes } from '../../../shared/memory-estimate'
import { defineSlice } from './root'

export interface ModelsViewState {
  models: ModelEntry[]
  modelsDir: string | null
  /** Why the list could not be read. */
  listError: string | null
  /** Imports by id, newest last. */
  imports: ModelImportEvent[]
  /** The checkpoint path typed in the web host (which has no file dialog). */
  pathInput: string
  nameInput: string
  family: 'auto' | 'sd1' | 'sd2' | 'sd2-v' | 'sdxl'
  /** A refusal of the import call itself (bad path, nothing picked), before any import started. */
  importError: string | null
  renaming: { name: string; value: string; error: string | null } | null
  confirmRemove: string | null
  /** The last rename or remove refusal, or what it did. */
  rowError: string | null
  notice: string | null
  /** Bumped whenever the models folder's content changed (pickers elsewhere re-read the list). */
  version: number
}

export const initialModelsState: ModelsViewState = {
  models: [],
  modelsDir: null,
  listError: null,
  imports: [],
  pathInput: '',
  nameInput: '',
  family: 'auto',
  importError: null,
  renaming: null,
  confirmRemove: null,
  rowError: null,
  notice: null,
  version: 0
}

declare module './root' {
  interface Slices {
    models: ModelsViewState
  }
}

export const useModelsStore = defineSlice('models', initialModelsState)

/** Records an import event (a new id is added, a known one replaced in place). */
export function withImportEvent(list: readonly ModelImportEvent[], e: ModelImportEvent): ModelImportEvent[] {
  const i = list.findIndex((x) => x.importId === e.importId)
  if (i < 0) return [...list, e].slice(-20)
  const next = list.slice()
  next[i] = e
  return next
}

/** One line on where an import is, for the row under its progress bar. */
export function importLine(e: ModelImportEvent): string {
  if (e.state === 'done') return `Imported ${e.file} as “${e.name}”.`
  if (e.state === 'failed') return `Could not import ${e.file}: ${e.error ?? 'unknown error'}`
  if (e.state === 'cancelled') return `Import of ${e.file} cancelled; nothing was added to the models folder.`
  if (e.stage === 'check') return `Checking every tensor of ${e.file} against its template…`
  if (e.stage === 'write') return `Writing the model folder for ${e.file}…`
  if (e.stage === 'hash') return `Recording ${e.file}’s fingerprint (sha256): ${importPercent(e)} %`
  return `Importing ${e.file}…`
}

/** 0..100: checking and writing take seconds, hashing the whole file most of the time. */
export function importPercent(e: ModelImportEvent): number {
  if (e.state === 'done') return 100
  if (e.stage !== 'hash' || e.total <= 0) return e.stage === 'write' ? 5 : 0
  return Math.min(100, Math.floor((100 * e.done) / e.total))
}

/** "SD 1.x checkpoint · 2.1 GB" style size; unknown sizes say so. */
export function sizeText(m: Pick<ModelEntry, 'sizeBytes'>): string {
  return m.sizeBytes === undefined ? '—' : formatBytes(m.sizeBytes)
}

/** The name the list shows: the embedded default may be listed by its full path. */
export function shownName(m: Pick<ModelEntry, 'name'>): string {
  const parts = m.name.split(/[\\/]/).filter(Boolean)
  return parts.length > 1 ? parts[parts.length - 1] : m.name
}

/** What removing a model deletes, for the confirmation. */
export function removeWarning(m: Pick<ModelEntry, 'name' | 'imported' | 'sizeBytes'>): string {
  if (m.imported) {
    return `Remove “${m.name}”? Its model folder is deleted; the checkpoint ${m.imported.path} itself stays where it is, and can be imported again.`
  }
  return `Remove “${m.name}”? Its folder is deleted with its weights (${sizeText(m)}); this cannot be undone.`
}

/** Just the start of a hash for the list (the whole one is in the row's tooltip). */
export function shortHash(sha256: string | null | undefined): string {
  return sha256 ? sha256.slice(0, 10) : '—'
}
