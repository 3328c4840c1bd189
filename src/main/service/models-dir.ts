/**
 * Lists the model folders under the models directory (diffusers/Optimum ONNX layout), with what the model
 * picker shows about each: family and variant, size step and native size, read from the folder's JSON
 * configs by readModelFolder (cheap: no ONNX session is opened, so listing stays instant).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { ModelEntry } from '../../shared/api'
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

/** `defaultModel` marks the entry a request with an empty model runs on. */
export function listModelFolders(modelsDir: string, defaultModel?: string): ModelEntry[] {
  if (!existsSync(modelsDir)) return []
  const out: ModelEntry[] = []
  let names: string[]
  try {
    names = readdirSync(modelsDir).sort()
  } catch {
    return [] // not a folder, or not readable: no models (the picker says where it looked)
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
    let pipeline: string | null = null
    try {
      const j = JSON.parse(readFileSync(index, 'utf8')) as { _class_name?: unknown }
      pipeline = typeof j._class_name === 'string' ? j._class_name : null
    } catch {
      pipeline = null
    }
    out.push({
      name,
      path,
      pipeline,
      hasTinyDecoder: TINY_DECODER_PATHS.some((p) => existsSync(join(path, p))),
      ...detect(path),
      isDefault: defaultModel !== undefined && (defaultModel === name || defaultModel === path)
    })
  }
  return out
}

/** The model used when a request names none: `wanted`, else the shipped default if present, else the first folder. */
export function pickDefaultModel(modelsDir: string, wanted?: string): string | undefined {
  if (wanted) return wanted
  const names = listModelFolders(modelsDir).map((m) => m.name)
  return names.includes('emoji-tiny') ? 'emoji-tiny' : names[0]
}
