/**
 * Where upscalers come from: every folder of the app's models/ whose name contains "upscaler" (one model
 * each, e.g. the bundled models/emoji-upscaler-2x), and the user's upscalers folder from Settings, in
 * which every .onnx file and every sub-folder holding one is an upscaler. Names must be unique; the
 * bundled ones win a clash (the user's is listed with its file name so it stays reachable by path).
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { upscalerFile, upscalerName } from './load'

export interface UpscalerEntry {
  name: string
  /** The .onnx file. */
  path: string
  source: 'bundled' | 'user'
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort()
  } catch {
    return []
  }
}

function entryOf(path: string, source: UpscalerEntry['source']): UpscalerEntry | undefined {
  try {
    return { name: upscalerName(path), path: upscalerFile(path), source }
  } catch {
    return undefined // a folder without exactly one .onnx is not an upscaler; listing skips it
  }
}

/** The upscalers in `modelsDir/*upscaler*` and (optionally) in the user's folder. */
export function listUpscalers(modelsDir: string | undefined, userDir?: string): UpscalerEntry[] {
  const out: UpscalerEntry[] = []
  const seen = new Set<string>()
  const add = (e: UpscalerEntry | undefined): void => {
    if (!e || seen.has(e.name)) return
    seen.add(e.name)
    out.push(e)
  }
  if (modelsDir && existsSync(modelsDir)) {
    for (const d of safeList(modelsDir)) {
      if (d.toLowerCase().includes('upscaler') && isDir(join(modelsDir, d))) add(entryOf(join(modelsDir, d), 'bundled'))
    }
  }
  if (userDir && isDir(userDir)) {
    for (const f of safeList(userDir)) {
      const p = join(userDir, f)
      if (isDir(p) || f.toLowerCase().endsWith('.onnx')) add(entryOf(p, 'user'))
    }
  }
  return out
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}
