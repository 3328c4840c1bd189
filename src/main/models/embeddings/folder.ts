/**
 * The embeddings folder: which `.safetensors` embeddings it holds (top level and one level of
 * sub-folders, as A1111 lists them), and which of them a job's prompts name. The listing is kept per
 * folder until the folder's (or a sub-folder's) modification time changes.
 */
import { readdirSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { EmbeddingError, type EmbeddingFile, loadEmbeddingFile } from './embedding-file'
import { namesUsed } from './embedding-tokenizer'

export interface EmbeddingEntry {
  readonly name: string
  readonly path: string
}

const listings = new Map<string, { stamp: string; entries: EmbeddingEntry[] }>()

function stampOf(dir: string): string {
  try {
    const parts = [String(statSync(dir).mtimeMs)]
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory() && !e.name.startsWith('.')) parts.push(String(statSync(join(dir, e.name)).mtimeMs))
    return parts.join(',')
  } catch {
    return 'missing'
  }
}

/** Embedding files in `dir` (name = file name without extension; the first of two equal names wins). */
export function listEmbeddings(dir: string): EmbeddingEntry[] {
  const stamp = stampOf(dir)
  const hit = listings.get(dir)
  if (hit && hit.stamp === stamp) return hit.entries
  const entries: EmbeddingEntry[] = []
  const seen = new Set<string>()
  const walk = (d: string, depth: number): void => {
    let items
    try {
      items = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
    } catch {
      return
    }
    for (const e of items) {
      if (e.name.startsWith('.')) continue
      if (e.isFile() && extname(e.name).toLowerCase() === '.safetensors') {
        const name = basename(e.name, extname(e.name))
        if (seen.has(name.toLowerCase())) continue
        seen.add(name.toLowerCase())
        entries.push({ name, path: join(d, e.name) })
      }
    }
    if (depth > 0) for (const e of items) if (e.isDirectory() && !e.name.startsWith('.')) walk(join(d, e.name), depth - 1)
  }
  walk(dir, 1)
  listings.set(dir, { stamp, entries })
  return entries
}

export interface ResolvedEmbeddings {
  readonly files: EmbeddingFile[]
  readonly warnings: string[]
}

/**
 * The embeddings of `dir` that `texts` (prompts and negative prompts) name, read. An unreadable file is an
 * error unless `lenient`, when the job runs without it (its name then stays a plain word) with a warning.
 */
export function resolveEmbeddings(dir: string | undefined, texts: readonly string[], lenient = false): ResolvedEmbeddings {
  if (!dir) return { files: [], warnings: [] }
  const entries = listEmbeddings(dir)
  const used = new Set(namesUsed(entries.map((e) => e.name), texts))
  const files: EmbeddingFile[] = []
  const warnings: string[] = []
  for (const e of entries) {
    if (!used.has(e.name)) continue
    try {
      files.push(loadEmbeddingFile(e.path))
    } catch (err) {
      if (!lenient || !(err instanceof EmbeddingError)) throw err
      warnings.push(`${err.message} — running without it (lenient mode)`)
    }
  }
  return { files, warnings }
}
