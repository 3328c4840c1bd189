/**
 * Exporting a selection: copies of the chosen PNGs (metadata intact) and a manifest.json describing
 * them and their groups, in a folder of the user's choosing.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../util/atomic-write'
import { APP_VERSION } from './entries'
import type { Group, LibraryEntry } from './types'

export interface ExportResult {
  files: string[]
  manifest: string
  skipped: Array<{ id: string; reason: string }>
}

/** Ids that are unknown or whose file is missing are listed in `skipped`. */
export function exportSelection(ids: string[], dir: string, lookup: { get(id: string): LibraryEntry | undefined; getGroup(id: string): Group | undefined }): ExportResult {
  mkdirSync(dir, { recursive: true })
  const files: string[] = []
  const skipped: Array<{ id: string; reason: string }> = []
  const items: Array<Record<string, unknown> & { group: LibraryEntry['group'] }> = []
  for (const id of ids) {
    const e = lookup.get(id)
    if (!e) {
      skipped.push({ id, reason: 'no such image in the library' })
      continue
    }
    if (!existsSync(e.file)) {
      skipped.push({ id, reason: `its file ${e.file} is missing` })
      continue
    }
    const target = join(dir, `${id}.png`)
    const tmp = join(dir, `.${id}.png.${process.pid}.export.tmp`)
    copyFileSync(e.file, tmp)
    renameSync(tmp, target)
    files.push(target)
    items.push({ id, file: `${id}.png`, createdAt: e.createdAt, model: e.model, modelHash: e.modelHash, params: e.params, favourite: e.favourite, tags: e.tags, group: e.group })
  }
  const manifest = join(dir, 'manifest.json')
  const groups = [...new Set(items.map((i) => i.group?.id).filter((g): g is string => !!g))].map((g) => lookup.getGroup(g)).filter(Boolean)
  writeFileAtomic(manifest, `${JSON.stringify({ format: 'sigma-studio-export', schemaVersion: 1, exportedAt: new Date().toISOString(), appVersion: APP_VERSION, items, groups }, null, 2)}\n`)
  return { files, manifest, skipped }
}
