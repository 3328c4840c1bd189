/**
 * Import and export of presets in every form people bring them:
 * - our JSON (one preset, or a bundle from "export all");
 * - whatever the formats layer reads (src/main/formats/read.ts): our own PNGs (the exact
 *   `sigma-studio` chunk wins), A1111 infotext (pasted or in a PNG), ComfyUI graphs and workflows,
 *   InvokeAI metadata and diffusers scheduler configs.
 * Export: our JSON (see PresetStore), A1111 infotext, ComfyUI API workflow.
 *
 * An import never overwrites silently: with mode "error" (the default) nothing is written when any name
 * is taken, and the clashes are returned so the caller can ask for "rename" or "overwrite".
 */
import { readFileSync } from 'node:fs'
import { basename, extname } from 'node:path'
import { DEFAULT_PARAMS, validateGenerationParams, type GenerationParams } from '../../shared/params'
import type { ScheduleFamilyHint } from '../../shared/catalogue'
import { isPngSignature } from '../png/chunks'
import { readForeignJson, readPngSettings, readTextSettings } from '../formats/read'
import { parseJsonKeepingBigInts, type FormatId, type ReadResult } from '../formats/types'
import { PresetError } from './errors'
import { FormatError } from '../formats/errors'
import { formatInfotext, type InfotextModel } from '../formats/infotext'
import { comfyWorkflowJson, type ComfyExportOptions } from '../formats/comfy-write'
import { makePreset, parseJsonText, presetParamsFrom, validateBundle, validatePreset, validatePresetParams, PRESET_BUNDLE_FORMAT, type Preset, type PresetParams } from './schema'
import type { ConflictMode, PresetStore, SaveOutcome } from './store'

/** Our own JSON, or the format another tool's file was read as. */
export type ImportOrigin = 'preset-json' | 'bundle-json' | FormatId

export interface ImportCandidate {
  preset: Preset
  origin: ImportOrigin
  warnings: string[]
  /** The model the source names, when it names one (presets do not store it). */
  model?: InfotextModel
}

export type ImportInput = { file: string } | { text: string; source?: string } | { bytes: Uint8Array; source?: string }

export interface ReadOptions {
  /** Name for a preset read from infotext or a PNG (which carry none). */
  name?: string
  family?: ScheduleFamilyHint
}

function nameFromPrompt(prompt: string | undefined): string {
  const clean = (prompt ?? '').replace(/[/\\\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim()
  if (!clean) return 'Imported preset'
  const chars = [...clean]
  return chars.length > 40 ? `${chars.slice(0, 40).join('').trim()}…` : clean
}

function defaultName(opts: ReadOptions, source: string | undefined, prompt: string | undefined): string {
  if (opts.name !== undefined) return opts.name
  if (source) {
    const b = basename(source, extname(source)).replace(/[/\\\u0000-\u001f]+/g, ' ').trim()
    if (b) return [...b].slice(0, 80).join('')
  }
  return nameFromPrompt(prompt)
}

/** A format the file is in could not be read: the same message, as the presets layer's error. */
function asPresetError<T>(f: () => T): T {
  try {
    return f()
  } catch (e) {
    // A field to blame means the file was read but a value is wrong; none means it could not be read.
    if (e instanceof FormatError) throw new PresetError(e.field ? 'invalid' : 'unreadable', e.detail, e.field, e.source)
    throw e
  }
}

/** A preset from settings another tool (or an A1111 text) holds. */
function fromRead(r: ReadResult, opts: ReadOptions, source: string | undefined): ImportCandidate {
  // Presets never hold the model or an img2img input (they are per machine).
  const { model: _model, img2img: _img2img, ...rest } = r.params
  const params = r.format === 'sigma-png' ? presetParamsFrom(r.params as GenerationParams) : validatePresetParams(rest, 'params', source)
  const preset = makePreset(defaultName(opts, source, r.params.prompt), params)
  return { preset, origin: r.format, warnings: r.warnings, model: r.model }
}

/** Reads every preset a source holds, validated, without touching any store. */
export function readPresets(input: ImportInput, opts: ReadOptions = {}): ImportCandidate[] {
  let bytes: Buffer
  let source: string | undefined
  if ('file' in input) {
    source = input.file
    try {
      bytes = readFileSync(input.file)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      throw new PresetError(code === 'ENOENT' ? 'not-found' : 'unreadable', code === 'ENOENT' ? 'no such file; check the path' : `cannot be read (${code ?? String(e)})`, undefined, input.file)
    }
  } else if ('bytes' in input) {
    source = input.source
    bytes = Buffer.from(input.bytes)
  } else {
    source = input.source
    bytes = Buffer.from(input.text, 'utf8')
  }

  if (isPngSignature(bytes)) return [fromRead(asPresetError(() => readPngSettings(bytes, { source, family: opts.family })), opts, source)]

  const text = bytes.toString('utf8').replace(/^\uFEFF/, '')
  const trimmed = text.trim()
  if (trimmed === '') throw new PresetError('unreadable', 'is empty; nothing to import', undefined, source)
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const doc = parseJsonText(trimmed, source)
    if (typeof doc === 'object' && doc !== null && (doc as Record<string, unknown>).format === PRESET_BUNDLE_FORMAT) {
      const notes: string[] = []
      return validateBundle(doc, source, notes).presets.map((preset, i) => ({ preset, origin: 'bundle-json' as const, warnings: notes.filter((n) => n.startsWith(`presets[${i}]: `)).map((n) => n.slice(n.indexOf(': ') + 2)) }))
    }
    if (typeof doc === 'object' && doc !== null && (doc as Record<string, unknown>).format === undefined) {
      // Not ours: another tool's JSON (read again keeping seeds above 2^53 exact).
      const r = asPresetError(() => readForeignJson(parseJsonKeepingBigInts(trimmed), { source, family: opts.family }))
      if (r) return [fromRead(r, opts, source)]
    }
    const notes: string[] = []
    const preset = validatePreset(doc, source, '', notes)
    return [{ preset, origin: 'preset-json', warnings: notes }]
  }
  return [fromRead(asPresetError(() => readTextSettings(text, { source, family: opts.family })), opts, source)]
}

export interface ImportResult {
  /** What was written (empty when conflicts stopped the import). */
  imported: SaveOutcome[]
  /** Names already taken (mode "error" only); nothing was written when this is not empty. */
  conflicts: Array<{ name: string; existing: string }>
  warnings: string[]
  candidates: ImportCandidate[]
}

/** Reads a source and saves its presets into the store, by the chosen conflict mode. */
export function importPresets(store: PresetStore, input: ImportInput, opts: ReadOptions & { mode?: ConflictMode } = {}): ImportResult {
  const mode = opts.mode ?? 'error'
  const candidates = readPresets(input, opts)
  const warnings = candidates.flatMap((c) => c.warnings.map((w) => `${c.preset.name}: ${w}`))
  if (mode === 'error') {
    // One listing for the whole check (a lookup per preset re-read the folder each time).
    const conflicts: ImportResult['conflicts'] = []
    const seen = new Map(store.list().presets.map((p) => [p.name.toLowerCase(), p.name]))
    for (const c of candidates) {
      const k = c.preset.name.toLowerCase()
      const existing = seen.get(k)
      if (existing !== undefined) conflicts.push({ name: c.preset.name, existing })
      seen.set(k, c.preset.name)
    }
    if (conflicts.length) return { imported: [], conflicts, warnings, candidates }
  }
  // All or nothing, in one pass over the folder (see PresetStore.saveAll).
  const imported = store.saveAll(candidates.map((c) => c.preset), mode)
  return { imported, conflicts: [], warnings, candidates }
}

/** Full parameters for exporting a preset to other tools: the preset over the defaults (or a base). */
export function presetToParams(preset: Preset | PresetParams, base: Partial<GenerationParams> = {}): GenerationParams {
  const params = 'format' in preset ? (preset as Preset).params : preset
  return validateGenerationParams({ ...DEFAULT_PARAMS, ...base, ...params })
}

export function exportInfotext(preset: Preset, opts: { model?: InfotextModel; base?: Partial<GenerationParams> } = {}): string {
  return formatInfotext(presetToParams(preset, opts.base), { model: opts.model })
}

export function exportComfy(preset: Preset, opts: ComfyExportOptions & { base?: Partial<GenerationParams> } = {}): { json: string; warnings: string[] } {
  return asPresetError(() => comfyWorkflowJson(presetToParams(preset, opts.base), opts))
}
