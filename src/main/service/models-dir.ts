/** Lists the model folders under the models directory (diffusers/Optimum ONNX layout). */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { ModelEntry } from '../../shared/api'
import { TINY_DECODER_PATHS } from '../worker/tiny-decoder-paths'

export function listModelFolders(modelsDir: string): ModelEntry[] {
  if (!existsSync(modelsDir)) return []
  const out: ModelEntry[] = []
  for (const name of readdirSync(modelsDir).sort()) {
    const path = join(modelsDir, name)
    const index = join(path, 'model_index.json')
    if (!statSync(path).isDirectory() || !existsSync(index)) continue
    let pipeline: string | null = null
    try {
      const j = JSON.parse(readFileSync(index, 'utf8')) as { _class_name?: unknown }
      pipeline = typeof j._class_name === 'string' ? j._class_name : null
    } catch {
      pipeline = null
    }
    out.push({ name, path, pipeline, hasTinyDecoder: TINY_DECODER_PATHS.some((p) => existsSync(join(path, p))) })
  }
  return out
}

/** The model used when a request names none: `wanted`, else the shipped default if present, else the first folder. */
export function pickDefaultModel(modelsDir: string, wanted?: string): string | undefined {
  if (wanted) return wanted
  const names = listModelFolders(modelsDir).map((m) => m.name)
  return names.includes('emoji-tiny') ? 'emoji-tiny' : names[0]
}
