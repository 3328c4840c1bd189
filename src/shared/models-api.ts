/**
 * The model manager's calls of the contract: importing a single-file checkpoint (with progress events and
 * cancel), renaming and removing model folders, and the models folder setting. Merged into `Invoke` by
 * src/shared/api.ts and into `VALIDATORS` by api-validators.ts; imports neither (no import circle).
 *
 * An import names the checkpoint by a path, the one call of the contract that does: the weights stay
 * where they are (the model folder reads them through a hard link), so they cannot be sent as bytes
 * without a second copy of gigabytes. Main decides which paths it accepts (see model-manager.ts): in the
 * desktop app only a file the user chose in main's own file dialog, in the web host a full path to a
 * `.safetensors` file that main checks before reading anything but its header.
 */
import { obj, RequestError } from './validate'

/** `auto` detects the family from the keys; sd2 = 512 epsilon, sd2-v = 768 v-prediction. */
export const CHECKPOINT_FAMILIES = ['auto', 'sd1', 'sd2', 'sd2-v', 'sdxl'] as const
export type CheckpointFamilyChoice = (typeof CHECKPOINT_FAMILIES)[number]

export interface ModelImportRequest {
  /** The checkpoint's full path (from `studio:models:pick` in the desktop app). */
  path: string
  /** The model folder name; default: the file name without .safetensors. */
  name?: string
  family?: CheckpointFamilyChoice
}

export type ModelImportState = 'running' | 'done' | 'failed' | 'cancelled'

/** Progress of one import ('studio:models:import' event). */
export interface ModelImportEvent {
  importId: string
  /** The checkpoint's file name (not its path). */
  file: string
  state: ModelImportState
  stage: 'check' | 'write' | 'hash' | 'done'
  /** Bytes hashed so far, of `total` (the file's size). */
  done: number
  total: number
  /** The model's name, once it is in the models folder (state done). */
  name?: string
  /** What went wrong and what to do (state failed), as the importer words it. */
  error?: string
}

export interface ModelsFolderState {
  /** The folder the model list and imports use in this run. */
  inUse: string
  /** The folder saved in Settings (null: none, the app's own models folder is used). */
  saved: string | null
  /** The app's own models folder (holds the embedded default model). */
  builtIn: string
  /** An environment variable or option chose `inUse` over the setting, by this name. */
  override: string | null
  /** The setting differs from the folder in use: it applies from the next start. */
  restartNeeded: boolean
  /** null: this run saves no settings (tests, the fixture host). */
  settingsFile: string | null
}

export interface ModelsInvoke {
  /** Opens main's own file dialog for a .safetensors checkpoint (desktop app only); null = cancelled. */
  'studio:models:pick': (p: Record<string, never>) => { path: string | null }
  /** Starts importing a checkpoint into the models folder; progress and the outcome come as 'studio:models:import' events. */
  'studio:models:import': (p: ModelImportRequest) => { importId: string; file: string }
  /** Stops a running import; nothing of it stays in the models folder. */
  'studio:models:import:cancel': (p: { importId: string }) => { cancelled: boolean }
  'studio:models:rename': (p: { name: string; newName: string }) => { name: string }
  /** Deletes a model folder (an imported model's checkpoint file itself stays where it is). */
  'studio:models:remove': (p: { name: string }) => { removed: string }
  'studio:models:folder:get': (p: Record<string, never>) => ModelsFolderState
  /** Checks and saves the models folder (used from the next start: the worker resolves models in the folder it started with). */
  'studio:models:folder:set': (p: { dir: string }) => ModelsFolderState
}
type ModelsCallName = keyof ModelsInvoke

const MAX_PATH = 4096

function text(v: unknown, field: string, what: string, max = MAX_PATH): string {
  if (typeof v !== 'string' || v.trim() === '') throw new RequestError(field, `must be ${what}, got ${JSON.stringify(v)}`)
  if (v.length > max) throw new RequestError(field, `is ${v.length} characters long; the limit is ${max}`)
  if (v.includes('\u0000')) throw new RequestError(field, 'must not contain a NUL character')
  return v
}

/** A model folder name as the list shows it (the embedded default may be listed by its full path). */
const modelName = (v: unknown, field: string): string => text(v, field, 'the name of a model in the list')

function validateImport(raw: unknown): ModelImportRequest {
  const o = obj(raw, '(request)', ['path', 'name', 'family'])
  const out: ModelImportRequest = { path: text(o.path, 'path', 'the full path of a .safetensors checkpoint') }
  if (o.name !== undefined && o.name !== '') out.name = text(o.name, 'name', 'a model name', 100)
  if (o.family !== undefined) {
    if (!CHECKPOINT_FAMILIES.includes(o.family as CheckpointFamilyChoice)) throw new RequestError('family', `must be one of ${CHECKPOINT_FAMILIES.join(', ')}, got ${JSON.stringify(o.family)}`)
    out.family = o.family as CheckpointFamilyChoice
  }
  return out
}

export function modelsValidators() {
  return {
    'studio:models:pick': (raw: unknown) => (obj(raw, '(request)', []), {}),
    'studio:models:import': validateImport,
    'studio:models:import:cancel': (raw: unknown) => {
      const v = obj(raw, '(request)', ['importId']).importId
      if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(v)) throw new RequestError('importId', `must be an import id, got ${JSON.stringify(v)}`)
      return { importId: v }
    },
    'studio:models:rename': (raw: unknown) => {
      const o = obj(raw, '(request)', ['name', 'newName'])
      return { name: modelName(o.name, 'name'), newName: text(o.newName, 'newName', 'the new model name', 100) }
    },
    'studio:models:remove': (raw: unknown) => ({ name: modelName(obj(raw, '(request)', ['name']).name, 'name') }),
    'studio:models:folder:get': (raw: unknown) => (obj(raw, '(request)', []), {}),
    'studio:models:folder:set': (raw: unknown) => ({ dir: text(obj(raw, '(request)', ['dir']).dir, 'dir', 'the full path of a folder') })
  } satisfies { [K in ModelsCallName]: (raw: unknown) => Parameters<ModelsInvoke[K]>[0] }
}
