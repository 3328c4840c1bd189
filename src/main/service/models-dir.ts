/**
 * Lists the model folders under the models directory (diffusers/Optimum ONNX layout), with what the model
 * picker shows about each: family and variant, size step and native size, read from the folder's JSON
 * configs by readModelFolder (cheap: no ONNX session is opened, so listing stays instant).
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, isAbsolute, join, resolve } from 'node:path'
import type { ImportedFrom, ModelEntry } from '../../shared/api'
import { readModelFolder } from '../models/folder'
import { TINY_DECODER_PATHS } from '../worker/tiny-decoder-paths'

/** The fields readModelFolder decides; a folder it refuses gets nulls and the reason. */
function detect(path: string): Pick<ModelEntry, 'family' | 'variant' | 'sizeStep' | 'nativeSize' | 'defaults' | 'memory' | 'problem'> {
  try {
    const f = readModelFolder(path)
    return { family: f.family, variant: f.variant, sizeStep: f.sizeStep, nativeSize: { width: f.defaults.width, height: f.defaults.height }, defaults: { ...f.defaults }, memory: f.memory, problem: null }
  } catch (e) {
    // Listed anyway (with the reason) so the user sees why a folder they copied is not usable.
    return { family: null, variant: null, sizeStep: 8, nativeSize: null, defaults: null, memory: null, problem: e instanceof Error ? e.message : String(e) }
  }
}

/** Bytes under `dir`, each file counted once however many hard links it has (an import links its checkpoint per component). */
export function folderBytes(dir: string): number {
  const seen = new Set<string>()
  let total = 0
  const walk = (d: string, depth: number): void => {
    let names: string[]
    try {
      names = readdirSync(d)
    } catch {
      return
    }
    for (const n of names) {
      const p = join(d, n)
      let st
      try {
        st = lstatSync(p) // a symlink's target is not this folder's disk
      } catch {
        continue
      }
      if (st.isDirectory() && depth < 4) walk(p, depth + 1)
      else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`
        if (seen.has(key)) continue
        seen.add(key)
        total += st.size
      }
    }
  }
  walk(dir, 0)
  return total
}

/** The import record of a model folder (checkpoint.json, written by models/checkpoint/import.ts), if it has a readable one. */
export function importedFrom(dir: string): ImportedFrom | null {
  try {
    const j = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as {
      source?: { path?: unknown; file?: unknown; size?: unknown; sha256?: unknown }
      family?: unknown
      importedAt?: unknown
    }
    const src = j.source
    if (!src || typeof src.path !== 'string' || typeof src.size !== 'number') return null
    return {
      file: typeof src.file === 'string' ? src.file : basename(src.path),
      path: src.path,
      size: src.size,
      sha256: typeof src.sha256 === 'string' ? src.sha256 : null,
      importedAt: typeof j.importedAt === 'string' ? j.importedAt : '',
      family: typeof j.family === 'string' ? j.family : ''
    }
  } catch {
    return null // no record: a folder put there by hand (or a damaged record, which changes nothing else)
  }
}

function entry(name: string, path: string, defaultModel: string | undefined, protectedPaths: readonly string[]): ModelEntry {
  let pipeline: string | null = null
  try {
    const j = JSON.parse(readFileSync(join(path, 'model_index.json'), 'utf8')) as { _class_name?: unknown }
    pipeline = typeof j._class_name === 'string' ? j._class_name : null
  } catch {
    pipeline = null
  }
  const isDefault = defaultModel !== undefined && (defaultModel === name || defaultModel === path)
  return {
    name,
    path,
    pipeline,
    hasTinyDecoder: TINY_DECODER_PATHS.some((p) => existsSync(join(path, p))),
    ...detect(path),
    isDefault,
    sizeBytes: folderBytes(path),
    imported: importedFrom(path),
    protected: isDefault || protectedPaths.includes(resolve(path))
  }
}

/**
 * `defaultModel` marks the entry a request with an empty model runs on; when it is a folder outside
 * `modelsDir` (the embedded model while another models folder is chosen), it is listed first under its
 * path, so it is always there. `protectedPaths`: folders the model manager must not rename or remove.
 */
export function listModelFolders(modelsDir: string, defaultModel?: string, protectedPaths: readonly string[] = []): ModelEntry[] {
  const out: ModelEntry[] = []
  if (defaultModel && isAbsolute(defaultModel) && resolve(defaultModel, '..') !== resolve(modelsDir) && existsSync(join(defaultModel, 'model_index.json'))) {
    out.push(entry(defaultModel, defaultModel, defaultModel, protectedPaths))
  }
  if (!existsSync(modelsDir)) return out
  let names: string[]
  try {
    names = readdirSync(modelsDir).sort()
  } catch {
    return out // not a folder, or not readable: no models (the picker says where it looked)
  }
  for (const name of names) {
    // Hidden folders are not models: a checkpoint import in progress writes into `.NAME.importing-…`.
    if (name.startsWith('.')) continue
    const path = join(modelsDir, name)
    const index = join(path, 'model_index.json')
    // A dangling symlink or an unreadable entry is skipped: one bad entry must not stop the studio.
    let isDir = false
    try {
      isDir = statSync(path).isDirectory()
    } catch {
      continue
    }
    if (!isDir || !existsSync(index)) continue
    out.push(entry(name, path, defaultModel, protectedPaths))
  }
  return out
}

/**
 * The model used when a request names none: `wanted`, else the shipped default if present, else the
 * `embedded` model folder (by its path: the app's own, when another models folder is chosen), else the
 * first folder.
 */
export function pickDefaultModel(modelsDir: string, wanted?: string, embedded?: string): string | undefined {
  if (wanted) return wanted
  const names = listModelFolders(modelsDir).map((m) => m.name)
  if (names.includes('emoji-tiny')) return 'emoji-tiny'
  if (embedded && existsSync(join(embedded, 'model_index.json'))) return resolve(embedded)
  return names[0]
}
