/**
 * The preset calls of the contract: list, save from the form's parameters, apply over the form, rename,
 * delete, export (our JSON, A1111 infotext, ComfyUI API workflow) and import (our JSON, infotext, PNGs).
 * Presets live in the library in use (LIBRARY/presets, as for `studio presets`); the work is
 * src/main/presets' — this module maps it onto the contract.
 *
 * Errors: a PresetError about something the request said (a name) becomes a RequestError naming that
 * request field; what is wrong inside an imported file is returned as `problems`, every bad field with its
 * message, so the person can fix the whole file in one go.
 */
import { ParamsError } from '../../shared/params'
import { RequestError, type InvokeHandlers, type PresetFile, type PresetImportResult, type PresetProblem, type SettingsReadResult } from '../../shared/api'
import { isPngSignature } from '../png/chunks'
import { PresetError } from '../presets/errors'
import { exportComfy, exportInfotext, importPresets, presetToParams, readPresets, type ImportInput } from '../presets/import'
import { applyPreset, parseJsonText, presetImg2ImgFrom, presetParamsFrom, validatePresetName, PRESET_BUNDLE_FORMAT, PRESET_SCHEMA_VERSION, type Preset, type PresetBundle } from '../presets/schema'
import { modelDisplayName } from '../library/library'
import type { LibraryHolder } from './library-holder'

type PresetCalls = Pick<
  InvokeHandlers,
  | 'studio:presets:list'
  | 'studio:presets:save'
  | 'studio:presets:apply'
  | 'studio:presets:rename'
  | 'studio:presets:delete'
  | 'studio:presets:export'
  | 'studio:presets:import'
  | 'studio:presets:read'
>

/** A PresetError's message without the "source: field: " prefix it carries for the command line. */
export function bareMessage(e: PresetError): string {
  let m = e.message
  if (e.source && m.startsWith(`${e.source}: `)) m = m.slice(e.source.length + 2)
  if (e.field && m.startsWith(`${e.field}: `)) m = m.slice(e.field.length + 2)
  return m
}

/**
 * Runs a store operation; a PresetError becomes a RequestError on the request field it concerns:
 * `fields` maps the error's own field (or '' for none, e.g. not-found) to the request's.
 */
function mapped<T>(run: () => T, fields: Record<string, string>): T {
  try {
    return run()
  } catch (e) {
    if (e instanceof PresetError) {
      const f = e.field ?? ''
      const field = fields[f] ?? fields[f.split('.')[0]] ?? (f || fields[''] || '(preset)')
      throw new RequestError(field, bareMessage(e))
    }
    if (e instanceof ParamsError) throw new RequestError(`params.${e.field}`, e.message.slice(e.field.length + 2))
    throw e
  }
}

/** A name that is safe as a downloaded file's name on every system. */
export function downloadName(name: string): string {
  const s = name.replace(/[^\p{L}\p{N} ._()-]+/gu, '_').replace(/^[ .]+|[ .]+$/g, '')
  return s || 'preset'
}

//#region every problem of an imported file

type Path = Array<string | number>

function parsePath(field: string): Path {
  const out: Path = []
  for (const part of field.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part)
    if (!m) return []
    out.push(m[1])
    for (const i of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]))
  }
  return out
}

/** Values that make a required top-level preset field valid, so validation can move past it. */
const PLACEHOLDERS: Record<string, unknown> = { name: 'placeholder', createdAt: '2000-01-01T00:00:00.000Z', format: 'sigma-studio-preset', schemaVersion: PRESET_SCHEMA_VERSION, params: {} }

/** Removes (or, for required fields, replaces) the value at `path`; false when there is nothing there. */
function repair(doc: unknown, path: Path): boolean {
  let node: unknown = doc
  for (let i = 0; i < path.length - 1; i++) {
    if (typeof node !== 'object' || node === null) return false
    node = (node as Record<string | number, unknown>)[path[i]]
  }
  if (typeof node !== 'object' || node === null) return false
  const key = path[path.length - 1]
  const container = node as Record<string | number, unknown>
  const topLevel = path.length === 1 || (path.length === 3 && path[0] === 'presets')
  if (topLevel && typeof key === 'string' && key in PLACEHOLDERS) {
    if (JSON.stringify(container[key]) === JSON.stringify(PLACEHOLDERS[key])) return false
    container[key] = PLACEHOLDERS[key]
    return true
  }
  if (!(key in container)) return false
  delete container[key]
  return true
}

/**
 * Every problem of a file that failed to import. The presets module stops at the first bad field; to
 * list them all, the JSON is re-read with each reported field set aside in turn (removed, or given a
 * harmless value when required) until it validates — the same validation, nothing re-implemented.
 */
export function importProblems(input: ImportInput, first: PresetError, read: (i: ImportInput) => unknown): PresetProblem[] {
  const problems: PresetProblem[] = [{ field: first.field ?? null, message: bareMessage(first) }]
  if (!first.field || 'file' in input) return problems
  // A file's bytes are JSON text unless they are a PNG (whose settings come in one piece: nothing to list).
  if ('bytes' in input && isPngSignature(input.bytes)) return problems
  const text = 'text' in input ? input.text : new TextDecoder().decode(input.bytes).replace(/^\uFEFF/, '')
  let doc: unknown
  try {
    doc = parseJsonText(text.trim())
  } catch {
    return problems
  }
  let field = first.field
  for (let i = 0; i < 50; i++) {
    if (!repair(doc, parsePath(field))) break
    try {
      read({ text: JSON.stringify(doc), ...(input.source ? { source: input.source } : {}) })
      break
    } catch (e) {
      if (!(e instanceof PresetError) || !e.field || problems.some((p) => p.field === e.field)) break
      problems.push({ field: e.field, message: bareMessage(e) })
      field = e.field
    }
  }
  return problems
}

//#endregion

export function presetHandlers(holder: LibraryHolder): PresetCalls {
  return {
    'studio:presets:list': async () => holder.presets().list(),
    'studio:presets:save': async (p) => {
      const store = holder.presets()
      const out = mapped(() => store.create(p.name, presetParamsFrom(p.params), { ...(p.notes ? { notes: p.notes } : {}), ...(p.params.img2img ? { img2img: presetImg2ImgFrom(p.params) } : {}), mode: p.overwrite ? 'overwrite' : 'error' }), {
        name: 'name',
        notes: 'notes'
      })
      return { preset: out.preset, overwrote: !!out.overwrote }
    },
    'studio:presets:apply': async (p) => {
      const store = holder.presets()
      const preset = mapped(() => store.get(p.name), { '': 'name' })
      const params = mapped(() => (p.base ? applyPreset(p.base, preset) : presetToParams(preset)), {})
      return { preset, params }
    },
    'studio:presets:rename': async (p) => {
      const store = holder.presets()
      mapped(() => store.get(p.from), { '': 'from' })
      return { preset: mapped(() => store.rename(p.from, p.to), { '': 'from', name: 'to' }) }
    },
    'studio:presets:delete': async (p) => {
      const store = holder.presets()
      const preset = mapped(() => store.get(p.name), { '': 'name' })
      store.delete(preset.name)
      return { deleted: preset.name }
    },
    'studio:presets:export': async (p): Promise<PresetFile> => {
      const store = holder.presets()
      if (p.name === null) {
        const bundle: PresetBundle = { format: PRESET_BUNDLE_FORMAT, schemaVersion: PRESET_SCHEMA_VERSION, exportedAt: new Date().toISOString(), presets: store.list().presets }
        return { filename: 'sigma-studio-presets.json', mime: 'application/json', text: `${JSON.stringify(bundle, null, 2)}\n`, warnings: [] }
      }
      const name = p.name
      const preset: Preset = mapped(() => store.get(name), { '': 'name' })
      const base = p.model ? { model: p.model } : {}
      const file = downloadName(preset.name)
      switch (p.format) {
        case 'json':
          return { filename: `${file}.json`, mime: 'application/json', text: `${JSON.stringify(preset, null, 2)}\n`, warnings: [] }
        case 'a1111': {
          const text = mapped(() => exportInfotext(preset, { base, ...(p.model ? { model: { name: modelDisplayName(p.model) } } : {}) }), { '': 'name' })
          return { filename: `${file}.txt`, mime: 'text/plain', text: `${text}\n`, warnings: [] }
        }
        case 'comfy': {
          // What ComfyUI cannot express (a sampler it lacks, a schedule parameter) is an error about the preset.
          const { json, warnings } = mapped(() => exportComfy(preset, { base }), { '': 'name', sampler: 'name', schedule: 'name', scheduleParams: 'name' })
          return { filename: `${file}.comfyui-api.json`, mime: 'application/json', text: `${json}\n`, warnings }
        }
      }
    },
    'studio:presets:import': async (p): Promise<PresetImportResult> => {
      const store = holder.presets()
      if (p.name !== undefined) mapped(() => validatePresetName(p.name), { name: 'name' })
      const source = p.filename ?? (p.text !== undefined ? 'pasted text' : 'the file')
      const input: ImportInput = p.text !== undefined ? { text: p.text, source } : { bytes: p.bytes!, source }
      const opts = { mode: p.mode ?? 'error', ...(p.name !== undefined ? { name: p.name } : {}) } as const
      try {
        const r = importPresets(store, input, opts)
        return {
          imported: r.imported.map((o) => ({ name: o.preset.name, ...(o.renamedFrom ? { renamedFrom: o.renamedFrom } : {}), ...(o.overwrote ? { overwrote: true } : {}) })),
          conflicts: r.conflicts,
          warnings: r.warnings,
          problems: []
        }
      } catch (e) {
        if (!(e instanceof PresetError)) throw e
        // readPresets only reads: listing the problems never writes anything.
        return { imported: [], conflicts: [], warnings: [], problems: importProblems(input, e, (i) => readPresets(i, opts)) }
      }
    },
    'studio:presets:read': async (p): Promise<SettingsReadResult> => {
      // The very reader a preset import uses, so a drop onto the Generate view and the Presets view read
      // every file alike and give the same warnings; nothing is saved.
      const field = p.text !== undefined ? 'text' : 'bytes'
      const source = p.filename ?? (p.text !== undefined ? 'pasted text' : 'the file')
      const input: ImportInput = p.text !== undefined ? { text: p.text, source } : { bytes: p.bytes!, source }
      let candidates
      try {
        candidates = readPresets(input)
      } catch (e) {
        if (!(e instanceof PresetError)) throw e
        throw new RequestError(field, `${e.field ? `${e.field}: ` : ''}${bareMessage(e)}`)
      }
      if (candidates.length !== 1) throw new RequestError(field, `${source} holds ${candidates.length} presets; import it in the Presets view and apply the one you want`)
      const c = candidates[0]
      return { params: c.preset.params, format: c.origin, model: c.model ?? null, warnings: c.warnings }
    }
  }
}
