/**
 * Presets on disk: one JSON file per preset in a folder (by default LIBRARY/presets), written
 * atomically. Names are unique regardless of letter case, because the files live on file systems that
 * may not tell "Portrait" from "portrait".
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { writeFileAtomic } from '../util/atomic-write'
import { PresetError } from './errors'
import {
  applyPreset,
  makePreset,
  parseJsonText,
  validatePreset,
  validatePresetName,
  PRESET_BUNDLE_FORMAT,
  PRESET_SCHEMA_VERSION,
  type Preset,
  type PresetBundle
} from './schema'
import type { GenerationParams } from '../../shared/params'
import type { Img2ImgPresetSettings } from '../../shared/inpaint'

/** The file in an import's staging folder that lists the presets it replaces. */
const IMPORT_PLAN = '.plan.json'

function syncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    /* not supported for directories on this platform; renames are still atomic */
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i

/** A file name for a (valid) preset name: characters file systems reject are %-escaped. */
export function presetFileName(name: string): string {
  let s = name.replace(/[<>:"|?*%/\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
  s = s.replace(/[. ]$/, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  // A leading dot would make a hidden file, which listing skips (temporary files start with one too).
  s = s.replace(/^\./, '%2E')
  if (WINDOWS_RESERVED.test(s)) s = `%5F${s}`
  return `${s}.json`
}

export interface PresetListing {
  presets: Preset[]
  /** Files in the folder that are not valid presets, with the reason; they are left untouched. */
  problems: Array<{ file: string; message: string }>
}

export type ConflictMode = 'error' | 'rename' | 'overwrite'

export interface SaveOutcome {
  preset: Preset
  /** Set when the preset was renamed to avoid a clash (mode "rename"). */
  renamedFrom?: string
  overwrote?: boolean
}

export class PresetStore {
  constructor(readonly dir: string) {}

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true })
  }

  list(): PresetListing {
    const out: PresetListing = { presets: [], problems: [] }
    if (!existsSync(this.dir)) return out
    this.recoverImports()
    for (const f of readdirSync(this.dir).sort()) {
      if (!f.endsWith('.json') || f.startsWith('.')) continue
      const path = join(this.dir, f)
      try {
        out.presets.push(validatePreset(parseJsonText(readFileSync(path, 'utf8'), path), path))
      } catch (e) {
        out.problems.push({ file: path, message: e instanceof Error ? e.message : String(e) })
      }
    }
    out.presets.sort((a, b) => a.name.localeCompare(b.name))
    return out
  }

  /** The preset whose name matches, ignoring case; undefined when there is none. */
  find(name: string): Preset | undefined {
    const k = name.toLowerCase()
    return this.list().presets.find((p) => p.name.toLowerCase() === k)
  }

  get(name: string): Preset {
    const p = this.find(name)
    if (!p) throw new PresetError('not-found', `there is no preset named "${name}"; \`studio presets list\` shows the ones there are`)
    return p
  }

  private pathOf(name: string): string {
    return join(this.dir, presetFileName(name))
  }

  private write(p: Preset): void {
    this.ensureDir()
    writeFileAtomic(this.pathOf(p.name), `${JSON.stringify(p, null, 2)}\n`)
  }

  /** A free name: "Name (2)", "Name (3)", … */
  freeName(name: string): string {
    if (!this.find(name)) return name
    for (let i = 2; ; i++) {
      const suffix = ` (${i})`
      const cand = `${[...name].slice(0, 80 - suffix.length).join('')}${suffix}`
      if (!this.find(cand)) return cand
    }
  }

  /**
   * Saves a preset. When one of that name exists: mode "error" throws a PresetError('conflict'),
   * "rename" saves under a free name, "overwrite" replaces it.
   */
  save(preset: Preset, mode: ConflictMode = 'error'): SaveOutcome {
    const p = validatePreset(preset)
    const existing = this.find(p.name)
    if (!existing) {
      this.write(p)
      return { preset: p }
    }
    if (mode === 'error') {
      throw new PresetError('conflict', `a preset named "${existing.name}" already exists; choose another name, or rename (keep both) or overwrite (replace it) explicitly`, 'name')
    }
    if (mode === 'overwrite') {
      if (existing.name !== p.name) rmSync(this.pathOf(existing.name), { force: true })
      this.write(p)
      return { preset: p, overwrote: true }
    }
    const renamed: Preset = { ...p, name: this.freeName(p.name) }
    this.write(renamed)
    return { preset: renamed, renamedFrom: p.name }
  }

  /**
   * Saves many presets as one: the folder is listed once (not once per preset, which made a 2,000-preset
   * bundle take most of a minute), and the whole batch lands or none of it does. The presets are first
   * written into a staging folder; renaming that folder to `.import-….commit` is the commit point; then
   * the files move into place. A crash before the commit leaves nothing (the staging folder is removed
   * by the next listing); a crash after it is finished by the next listing (see recoverImports).
   * Mode "error" throws a PresetError('conflict') naming every clash before anything is written.
   */
  saveAll(presets: readonly Preset[], mode: ConflictMode = 'error'): SaveOutcome[] {
    const byKey = new Map(this.list().presets.map((p) => [p.name.toLowerCase(), p]))
    const outcomes: SaveOutcome[] = []
    const writes = new Map<string, Preset>() // file name → preset
    const removals = new Set<string>()
    const clashes: string[] = []
    for (const raw of presets) {
      const p = validatePreset(raw)
      const existing = byKey.get(p.name.toLowerCase())
      let outcome: SaveOutcome
      if (!existing) outcome = { preset: p }
      else if (mode === 'error') {
        clashes.push(p.name)
        continue
      } else if (mode === 'overwrite') {
        if (presetFileName(existing.name) !== presetFileName(p.name)) removals.add(presetFileName(existing.name))
        outcome = { preset: p, overwrote: true }
      } else {
        let i = 2
        let name = p.name
        while (byKey.has(name.toLowerCase())) {
          const suffix = ` (${i++})`
          name = `${[...p.name].slice(0, 80 - suffix.length).join('')}${suffix}`
        }
        outcome = { preset: { ...p, name }, renamedFrom: p.name }
      }
      byKey.set(outcome.preset.name.toLowerCase(), outcome.preset)
      const file = presetFileName(outcome.preset.name)
      removals.delete(file)
      writes.set(file, outcome.preset)
      outcomes.push(outcome)
    }
    if (clashes.length) {
      throw new PresetError('conflict', `presets named ${clashes.slice(0, 5).map((n) => `"${n}"`).join(', ')}${clashes.length > 5 ? ` and ${clashes.length - 5} more` : ''} already exist; nothing was imported: choose rename (keep both) or overwrite`, 'name')
    }
    if (writes.size === 0 && removals.size === 0) return outcomes
    this.ensureDir()
    const staging = join(this.dir, `.import-${process.pid}-${randomBytes(4).toString('hex')}`)
    mkdirSync(staging)
    try {
      for (const [file, p] of writes) writeFileSync(join(staging, file), `${JSON.stringify(p, null, 2)}\n`)
      writeFileSync(join(staging, IMPORT_PLAN), JSON.stringify({ remove: [...removals] }))
      syncDir(staging)
      renameSync(staging, `${staging}.commit`)
    } catch (e) {
      rmSync(staging, { recursive: true, force: true })
      throw e
    }
    syncDir(this.dir)
    this.finishImport(`${staging}.commit`)
    return outcomes
  }

  /** Moves a committed import's files into place and removes what it replaced (idempotent). */
  private finishImport(commitDir: string): void {
    let plan: { remove?: unknown } = {}
    try {
      plan = JSON.parse(readFileSync(join(commitDir, IMPORT_PLAN), 'utf8')) as { remove?: unknown }
    } catch {
      /* the plan is written before the commit; without it there is nothing to remove */
    }
    for (const f of readdirSync(commitDir)) if (f !== IMPORT_PLAN) renameSync(join(commitDir, f), join(this.dir, f))
    for (const f of Array.isArray(plan.remove) ? plan.remove : []) if (typeof f === 'string' && f.endsWith('.json') && !f.includes('/')) rmSync(join(this.dir, f), { force: true })
    rmSync(commitDir, { recursive: true, force: true })
    syncDir(this.dir)
  }

  /** Finishes imports committed before a crash and removes staging folders of dead processes. */
  private recoverImports(): void {
    for (const f of readdirSync(this.dir)) {
      const m = /^\.import-(\d+)-[0-9a-f]{8}(\.commit)?$/.exec(f)
      if (!m) continue
      const path = join(this.dir, f)
      if (m[2]) this.finishImport(path)
      else if (Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) rmSync(path, { recursive: true, force: true })
    }
  }

  /** Creates a preset from parameters (any GenerationParams subset) and saves it. */
  create(name: string, params: unknown, opts: { notes?: string; mode?: ConflictMode; img2img?: Img2ImgPresetSettings } = {}): SaveOutcome {
    return this.save(makePreset(name, params, opts.notes, undefined, opts.img2img), opts.mode ?? 'error')
  }

  apply(name: string, base: GenerationParams): GenerationParams {
    return applyPreset(base, this.get(name))
  }

  rename(from: string, to: string): Preset {
    const p = this.get(from)
    validatePresetName(to)
    const clash = this.find(to)
    if (clash && clash.name.toLowerCase() !== p.name.toLowerCase()) {
      throw new PresetError('conflict', `a preset named "${clash.name}" already exists; delete or rename it first`, 'name')
    }
    const next: Preset = { ...p, name: to }
    this.write(next)
    if (presetFileName(to) !== presetFileName(p.name)) rmSync(this.pathOf(p.name), { force: true })
    return next
  }

  delete(name: string): void {
    const p = this.get(name)
    rmSync(this.pathOf(p.name), { force: true })
  }

  /** Writes one preset to a file of the user's choice. */
  exportOne(name: string, file: string): Preset {
    const p = this.get(name)
    writeFileAtomic(file, `${JSON.stringify(p, null, 2)}\n`)
    return p
  }

  /** Writes every preset to one bundle file. */
  exportAll(file: string): PresetBundle {
    const bundle: PresetBundle = { format: PRESET_BUNDLE_FORMAT, schemaVersion: PRESET_SCHEMA_VERSION, exportedAt: new Date().toISOString(), presets: this.list().presets }
    writeFileAtomic(file, `${JSON.stringify(bundle, null, 2)}\n`)
    return bundle
  }
}
