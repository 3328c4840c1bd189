/**
 * The model manager's calls (src/shared/models-api.ts): import a single-file checkpoint into the models
 * folder with progress and cancel, rename and remove model folders, and the models folder setting.
 *
 * Which checkpoint paths main accepts, since the renderer is untrusted:
 * - desktop app (`onlyPicked`): only a file the user chose in main's own file dialog during this run
 *   (`studio:models:pick` remembers it), so a compromised page cannot make main open any other file;
 * - web host (no native dialog reaches the studio's machine from a browser): a full path typed by the
 *   user. Main opens it only if its name ends in .safetensors and it is a regular file, reads only its
 *   header, and no error quotes the file's bytes. An upload was rejected: a checkpoint is 2–7 GB, it
 *   would cross the WebSocket and land as a second copy of the weights, which the import exists to avoid.
 *   The page is served to 127.0.0.1 behind the launch token, i.e. to the user who can read the file anyway.
 *
 * An import writes into a hidden temporary folder and renames it into place at the end
 * (models/checkpoint/import.ts); cancel stops it between hashed chunks and removes that folder. Remove
 * renames the folder out of sight first, then deletes it, so a crash half-way leaves no half model listed.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, extname, isAbsolute, join, resolve } from 'node:path'
import { RequestError, type InvokeHandlers, type ModelImportEvent, type ModelsFolderState } from '../../shared/api'
import { CheckpointError, type ImportFamily } from '../models/checkpoint/detect'
import { checkModelName, ImportCancelled, importCheckpoint } from '../models/checkpoint/import'
import { TemplateError } from '../models/checkpoint/templates'
import { SafetensorsError } from '../models/safetensors/safetensors'
import { readSettings, SettingsError, writeSettings } from '../settings/app-settings'
import { checkFreeSpace, ensureFolder, FolderError, folderProblem } from '../util/folders'
import { isModelName } from './model-names'

type ModelsCalls = Pick<
  InvokeHandlers,
  | 'studio:models:pick'
  | 'studio:models:import'
  | 'studio:models:import:cancel'
  | 'studio:models:rename'
  | 'studio:models:remove'
  | 'studio:models:folder:get'
  | 'studio:models:folder:set'
>

export interface ModelManagerOptions {
  /** The models folder this run lists and imports into. */
  modelsDir: string
  /** The model a request with no model runs on (a name, or the embedded model's path). */
  defaultModel?: string
  /** Folders never renamed or removed (the embedded model), besides the default model. */
  protectedPaths?: readonly string[]
  /** The app's own models folder (shown in Settings as the built-in one). */
  builtInDir: string
  /** Template folder for the importer (tests and the e2e host use the tiny templates). */
  templatesDir?: string
  /** Main's native file dialog (desktop app); absent in the web host. */
  pick?: () => Promise<string | null>
  /** Import only files returned by `pick` in this run (desktop app). */
  onlyPicked?: boolean
  /** Where the models folder choice is saved; null = this run saves none. */
  settingsFile: string | null
  /** The environment variable or option that chose modelsDir over the setting, if one did. */
  override?: string | null
  /** Names of models queued or running jobs use: those are not renamed or removed under them. */
  modelsInUse: () => Promise<ReadonlySet<string>>
  emit: (e: ModelImportEvent) => void
}

/** How many imports may run at once: each reads a whole checkpoint for its hash. */
const MAX_RUNNING_IMPORTS = 2

/** The words of an importer refusal, as the CLI prints them. */
function importProblem(e: unknown): string | null {
  if (e instanceof CheckpointError || e instanceof SafetensorsError || e instanceof TemplateError || e instanceof ImportCancelled) return e.message
  return null
}

/** "~/x" → the home folder's x; anything else must already be a full path. */
function fullPath(raw: string, field: string, example: string): string {
  const s = raw.trim()
  const p = /^~(?=$|[\\/])/.test(s) ? homedir() + s.slice(1) : s
  if (!isAbsolute(p)) throw new RequestError(field, `"${raw}" is not a full path; give the whole path, such as ${example}`)
  return resolve(p)
}

export class ModelManager {
  private readonly picked = new Set<string>()
  private readonly running = new Map<string, AbortController>()

  constructor(private readonly o: ModelManagerOptions) {
    sweepLeftovers(o.modelsDir)
  }

  readonly handlers: ModelsCalls = {
    'studio:models:pick': async () => {
      if (!this.o.pick) {
        throw new RequestError('path', 'this host has no file dialog (the web host runs in a browser); type the full path of the .safetensors file instead')
      }
      const path = await this.o.pick()
      if (path) this.picked.add(resolve(path))
      return { path: path ? resolve(path) : null }
    },
    'studio:models:import': async (p) => this.startImport(p.path, p.name, p.family),
    'studio:models:import:cancel': async ({ importId }) => {
      const c = this.running.get(importId)
      if (!c) return { cancelled: false }
      c.abort()
      return { cancelled: true }
    },
    'studio:models:rename': async ({ name, newName }) => {
      const from = await this.ownFolder(name, 'name', 'rename')
      let to: string
      try {
        to = checkModelName(newName)
      } catch {
        throw new RequestError('newName', `"${newName}" is not a usable model name; use letters, digits, spaces, - and _ (at most 100 characters, not starting with a dot)`)
      }
      if (to === name) return { name }
      const dest = join(this.o.modelsDir, to)
      if (existsSync(dest)) throw new RequestError('newName', `a model named "${to}" is already in ${this.o.modelsDir}; choose another name`)
      moveFolder(from, dest, 'newName', 'rename')
      return { name: to }
    },
    'studio:models:remove': async ({ name }) => {
      const dir = await this.ownFolder(name, 'name', 'remove')
      // Out of the list first (hidden names are skipped), then deleted: an interrupted delete leaves no half model listed.
      const gone = join(this.o.modelsDir, `.${name}.removing-${process.pid}-${Date.now()}`)
      moveFolder(dir, gone, 'name', 'remove')
      rmSync(gone, { recursive: true, force: true })
      return { removed: name }
    },
    'studio:models:folder:get': async () => this.folderState(),
    'studio:models:folder:set': async ({ dir: raw }) => {
      if (!this.o.settingsFile) throw new RequestError('dir', 'this run saves no settings (it was started for tests or with its folders given on the command line)')
      const dir = fullPath(raw, 'dir', process.platform === 'win32' ? 'D:\\Models' : '/home/me/models')
      await checkWritableModelsFolder(dir)
      try {
        writeSettings(this.o.settingsFile, { modelsDir: dir })
      } catch (e) {
        if (e instanceof SettingsError) throw new RequestError('dir', e.message)
        throw e
      }
      return this.folderState()
    }
  }

  /** Imports still running (the tests wait for them; closing the studio cancels them). */
  get activeImports(): number {
    return this.running.size
  }

  /** Cancels every running import (the studio is closing): their temporary folders are removed. */
  cancelAll(): void {
    for (const c of this.running.values()) c.abort()
  }

  private folderState(): ModelsFolderState {
    const saved = this.o.settingsFile ? (readSettings(this.o.settingsFile).settings.modelsDir ?? null) : null
    const inUse = resolve(this.o.modelsDir)
    return {
      inUse,
      saved,
      builtIn: resolve(this.o.builtInDir),
      override: this.o.override ?? null,
      // Only a saved choice this run does not use needs a restart (no setting: the folder came from the host).
      restartNeeded: saved !== null && resolve(saved) !== inUse && !this.o.override,
      settingsFile: this.o.settingsFile
    }
  }

  /** A model folder directly in the models folder that may be renamed or removed now. */
  private async ownFolder(name: string, field: string, verb: string): Promise<string> {
    if (!isModelName(name) || name.startsWith('.')) throw new RequestError(field, `"${name}" is not a model in ${this.o.modelsDir}; only models in the models folder can be ${verb === 'remove' ? 'removed' : 'renamed'}`)
    const dir = join(this.o.modelsDir, name)
    if (!existsSync(join(dir, 'model_index.json'))) throw new RequestError(field, `there is no model "${name}" in ${this.o.modelsDir}; refresh the list`)
    const isDefault = this.o.defaultModel !== undefined && (this.o.defaultModel === name || resolve(this.o.defaultModel) === resolve(dir))
    if (isDefault || (this.o.protectedPaths ?? []).some((p) => resolve(p) === resolve(dir))) {
      throw new RequestError(field, `"${name}" is the studio's default model, which is always there; it cannot be ${verb === 'remove' ? 'removed' : 'renamed'}`)
    }
    if ((await this.o.modelsInUse()).has(name)) throw new RequestError(field, `"${name}" is used by a queued or running job; ${verb} it when that job has finished`)
    return dir
  }

  private startImport(raw: string, name: string | undefined, family: string | undefined): { importId: string; file: string } {
    if (!isAbsolute(raw)) throw new RequestError('path', `"${raw}" is not a full path; give the whole path of the .safetensors file`)
    const file = resolve(raw)
    if (this.o.onlyPicked && !this.picked.has(file)) {
      throw new RequestError('path', 'the desktop app imports only a file chosen in its file dialog; use "Import checkpoint…"')
    }
    const ext = extname(file).toLowerCase()
    // Pickles (.ckpt, .pt, …) go on to the importer, which refuses them by name with its explanation before opening them.
    if (!['.ckpt', '.pt', '.pth', '.bin', '.pkl'].includes(ext)) {
      if (ext !== '.safetensors') throw new RequestError('path', `${file}: is not a .safetensors checkpoint; the studio imports single-file .safetensors checkpoints`)
      let st
      try {
        st = statSync(file)
      } catch (e) {
        throw new RequestError('path', `${file}: cannot be read (${folderProblem(e)}); check the path`)
      }
      if (!st.isFile()) throw new RequestError('path', `${file}: is not a file; choose the .safetensors checkpoint itself`)
    }
    if (this.running.size >= MAX_RUNNING_IMPORTS) throw new RequestError('path', `${MAX_RUNNING_IMPORTS} imports are running already; wait for one to finish`)
    const importId = randomUUID()
    const controller = new AbortController()
    this.running.set(importId, controller)
    const shown = basename(file)
    let last: ModelImportEvent = { importId, file: shown, state: 'running', stage: 'check', done: 0, total: 0 }
    const emit = (e: Partial<ModelImportEvent>): void => {
      last = { ...last, ...e }
      this.o.emit(last)
    }
    // Started after this call has answered, so the page knows the id before the first event.
    setImmediate(() => {
      let lastSent = 0
      importCheckpoint({
        file,
        modelsDir: this.o.modelsDir,
        name,
        family: family && family !== 'auto' ? (family as ImportFamily) : undefined,
        templatesDir: this.o.templatesDir,
        signal: controller.signal,
        onProgress: (p) => {
          // At most ~10 events a second: hashing reports every 8 MB.
          const t = Date.now()
          if (p.stage === 'hash' && p.done < p.total && t - lastSent < 100) return
          lastSent = t
          emit({ stage: p.stage, done: p.done, total: p.total })
        }
      }).then(
        (r) => emit({ state: 'done', stage: 'done', name: r.name, done: last.total, total: last.total }),
        (e: unknown) => {
          const problem = importProblem(e)
          if (!problem) console.error(`studio: importing ${file} failed:`, e)
          emit({ state: e instanceof ImportCancelled ? 'cancelled' : 'failed', error: problem ?? `the import failed: ${(e as Error).message ?? String(e)}` })
        }
      ).finally(() => this.running.delete(importId))
    })
    return { importId, file: shown }
  }
}

/** A rename inside the models folder, refused in words (a file system that holds open files, e.g. Windows, says EBUSY). */
function moveFolder(from: string, to: string, field: string, verb: string): void {
  try {
    renameSync(from, to)
  } catch (e) {
    throw new RequestError(field, `cannot ${verb} ${from} (${folderProblem(e)}); if the studio has this model loaded, generate once with another model and try again`)
  }
}

/**
 * Removes what an import or remove interrupted by a crash or power cut left behind: hidden
 * `.NAME.importing-PID-TIME` / `.NAME.removing-PID-TIME` folders whose process is gone (a live one may be
 * a `studio models import` running beside the app). Returns the names removed.
 */
export function sweepLeftovers(modelsDir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(modelsDir)
  } catch {
    return []
  }
  const out: string[] = []
  for (const n of names) {
    const m = /^\..+\.(?:importing|removing)-(\d+)-\d+$/.exec(n)
    if (!m) continue
    const pid = Number(m[1])
    let alive = pid === process.pid
    if (!alive) {
      try {
        process.kill(pid, 0)
        alive = true
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === 'EPERM' // exists, owned by someone else
      }
    }
    if (alive) continue
    rmSync(join(modelsDir, n), { recursive: true, force: true })
    out.push(n)
  }
  return out
}

/** Creates the folder if needed and proves a file can be written in it, naming the `dir` field. */
async function checkWritableModelsFolder(dir: string): Promise<void> {
  try {
    await ensureFolder(dir)
    await checkFreeSpace(dir)
  } catch (e) {
    if (e instanceof FolderError) throw new RequestError('dir', e.message)
    throw e
  }
  const probe = join(dir, `.sigma-studio-write-test-${process.pid}`)
  try {
    await writeFile(probe, 'ok', { flag: 'wx' })
  } catch (e) {
    throw new RequestError('dir', `cannot write in ${dir} (${folderProblem(e)}); choose a folder you can write to`)
  } finally {
    await rm(probe, { force: true })
  }
}
