/**
 * The preset file format, version 1:
 *
 *     { "format": "sigma-studio-preset", "schemaVersion": 1, "name": "Crisp portrait",
 *       "params": { "sampler": "dpmpp_2m", "schedule": "karras", "steps": 28, "cfg": 6.5, … },
 *       "createdAt": "2026-11-24T18:00:00.000Z", "notes": "optional" }
 *
 * `params` is a subset of GenerationParams: whatever the preset sets, nothing else. It never holds
 * `model` (model folders differ between machines; the model stays the user's current choice) nor
 * `img2img` (a path on someone's disk). A preset that sets `sampler` always carries its
 * `samplerOptions` (possibly {}), and one that sets `schedule` its `scheduleParams`, so applying it
 * never mixes one sampler's options with another's.
 *
 * Several presets travel together as a bundle: { "format": "sigma-studio-presets", "schemaVersion": 1,
 * "exportedAt": …, "presets": [preset, …] }.
 *
 * Versioning: `PRESET_MIGRATIONS[n]` turns a version-n document into version n+1; files are migrated
 * up on read, and a version above PRESET_SCHEMA_VERSION is refused with a message to update the app.
 * `paramsVersion` (absent = 1) is the version of the parameters' own shape: they are migrated by
 * src/shared/params-version.ts, which says what it changed (an import shows it as a warning).
 */
import { InpaintSettingsError, validateImg2ImgPresetSettings, type Img2ImgPresetSettings } from '../../shared/inpaint'
import { DEFAULT_PARAMS, ParamsError, validateGenerationParams, type GenerationParams } from '../../shared/params'
import { migrateParams, PARAMS_VERSION, storedParamsVersion } from '../../shared/params-version'
import { PresetError } from './errors'

export const PRESET_FORMAT = 'sigma-studio-preset'
export const PRESET_BUNDLE_FORMAT = 'sigma-studio-presets'
export const PRESET_SCHEMA_VERSION = 2
export const MAX_PRESET_NAME = 80
export const MAX_PRESET_NOTES = 4000

/** Generation parameters a preset may set. */
export type PresetParams = Partial<Omit<GenerationParams, 'model' | 'img2img'>>
export const PRESET_PARAM_KEYS = Object.keys(DEFAULT_PARAMS).filter((k) => k !== 'model' && k !== 'img2img') as Array<keyof PresetParams>

export interface Preset {
  format: typeof PRESET_FORMAT
  schemaVersion: typeof PRESET_SCHEMA_VERSION
  name: string
  /** The version of the GenerationParams shape `params` is in (src/shared/params-version.ts; absent = 1). */
  paramsVersion: number
  params: PresetParams
  /** ISO 8601. */
  createdAt: string
  notes?: string
  /**
   * Schema 2: the img2img settings (denoising strength, inpainting options) without the images, which
   * belong to one machine; applied when the form has an init image.
   */
  img2img?: Img2ImgPresetSettings
}

export interface PresetBundle {
  format: typeof PRESET_BUNDLE_FORMAT
  schemaVersion: typeof PRESET_SCHEMA_VERSION
  exportedAt: string
  presets: Preset[]
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Ordered migrations: entry n upgrades a document of version n to n+1. 1 → 2 adds the optional
 * `img2img` settings; a version-1 preset has none, so it is unchanged.
 */
export const PRESET_MIGRATIONS: ReadonlyArray<{ from: number; up: (doc: Obj) => Obj }> = [{ from: 1, up: (doc) => doc }]

/** Checks a preset name; returns it or throws a PresetError('bad-name') saying what is wrong. */
export function validatePresetName(name: unknown, field = 'name', source?: string): string {
  const fail = (msg: string): never => {
    throw new PresetError('bad-name', msg, field, source)
  }
  if (typeof name !== 'string') return fail(`must be text, got ${JSON.stringify(name)}`)
  if (name.trim() === '') return fail('is empty; give the preset a name')
  if (name !== name.trim()) return fail(`"${name}" starts or ends with spaces; remove them`)
  if ([...name].length > MAX_PRESET_NAME) return fail(`is ${[...name].length} characters long; the limit is ${MAX_PRESET_NAME}`)
  if (/[/\\]/.test(name)) return fail(`"${name}" contains a path separator (/ or \\); preset names become file names, so choose a name without them`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return fail('contains a control character (such as a newline or tab); use plain text')
  if (/^\.+$/.test(name)) return fail(`"${name}" is only dots; choose a real name`)
  return name
}

/** Validates the `params` of a preset: the fields it sets must be valid generation parameters. */
export function validatePresetParams(raw: unknown, field = 'params', source?: string): PresetParams {
  if (!isObj(raw)) throw new PresetError('invalid', `must be an object of generation parameters, got ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}`, field, source)
  for (const k of Object.keys(raw)) {
    if (k === 'model' || k === 'img2img') {
      throw new PresetError('invalid', 'is not stored in presets (it is specific to one machine); remove it', `${field}.${k}`, source)
    }
  }
  if (raw.samplerOptions !== undefined && raw.sampler === undefined) throw new PresetError('invalid', 'is given without "sampler"; add the sampler these options belong to', `${field}.samplerOptions`, source)
  if (raw.scheduleParams !== undefined && raw.schedule === undefined) throw new PresetError('invalid', 'is given without "schedule"; add the schedule these parameters belong to', `${field}.scheduleParams`, source)
  let full: GenerationParams
  try {
    full = validateGenerationParams(raw)
  } catch (e) {
    if (e instanceof ParamsError) throw new PresetError('invalid', e.message.slice(e.field.length + 2), `${field}.${e.field}`, source)
    throw e
  }
  const out: PresetParams = {}
  for (const k of PRESET_PARAM_KEYS) if (raw[k] !== undefined) (out as Obj)[k] = full[k]
  if (out.sampler !== undefined && out.samplerOptions === undefined) out.samplerOptions = {}
  if (out.schedule !== undefined && out.scheduleParams === undefined) out.scheduleParams = {}
  return out
}

function checkVersion(doc: Obj, source?: string): Obj {
  const v = doc.schemaVersion
  if (v === undefined) throw new PresetError('invalid', `is missing; a Sigma Studio preset has "schemaVersion": ${PRESET_SCHEMA_VERSION}`, 'schemaVersion', source)
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new PresetError('invalid', `must be a whole number from 1 up, got ${JSON.stringify(v)}`, 'schemaVersion', source)
  if (v > PRESET_SCHEMA_VERSION) {
    throw new PresetError('newer-schema', `this preset was made by a newer Sigma Studio (schema ${v}); update the app to import it (this version reads schema ${PRESET_SCHEMA_VERSION})`, undefined, source)
  }
  let cur = doc
  for (let n = v; n < PRESET_SCHEMA_VERSION; n++) {
    const m = PRESET_MIGRATIONS.find((x) => x.from === n)
    if (!m) throw new PresetError('invalid', `schema ${n} cannot be upgraded (no migration from it)`, 'schemaVersion', source)
    cur = { ...m.up(cur), schemaVersion: n + 1 }
  }
  return cur
}

/**
 * Validates one preset document (already parsed JSON) and returns it in the current schema.
 * `fieldPrefix` prefixes field paths (e.g. "presets[2]") for presets inside a bundle.
 */
export function validatePreset(raw: unknown, source?: string, fieldPrefix = '', migrationNotes?: string[]): Preset {
  const f = (name: string): string => (fieldPrefix ? `${fieldPrefix}.${name}` : name)
  if (!isObj(raw)) throw new PresetError('invalid', 'must be a JSON object', fieldPrefix || '(preset)', source)
  if (raw.format !== PRESET_FORMAT) {
    throw new PresetError('invalid', raw.format === undefined ? `is missing; a Sigma Studio preset has "format": "${PRESET_FORMAT}"` : `is ${JSON.stringify(raw.format)}, expected "${PRESET_FORMAT}"`, f('format'), source)
  }
  const doc = checkVersion(raw, source)
  const known = new Set(['format', 'schemaVersion', 'paramsVersion', 'name', 'params', 'createdAt', 'notes', 'img2img'])
  for (const k of Object.keys(doc)) if (!known.has(k)) throw new PresetError('invalid', `is not a preset field; known: ${[...known].join(', ')}`, f(k), source)
  if (doc.name === undefined) throw new PresetError('invalid', 'is missing; every preset has a name', f('name'), source)
  const name = validatePresetName(doc.name, f('name'), source)
  if (doc.params === undefined) throw new PresetError('invalid', 'is missing; a preset holds its settings in "params"', f('params'), source)
  // Parameters written by an older version are brought up to date first (with a note), then validated.
  let migrated: { params: unknown; notes: string[] }
  try {
    migrated = migrateParams(doc.params, storedParamsVersion(doc.paramsVersion))
  } catch (e) {
    if (e instanceof ParamsError) throw new PresetError(/newer/.test(e.message) ? 'newer-schema' : 'invalid', e.message.slice(e.field.length + 2), f('paramsVersion'), source)
    throw e
  }
  const params = validatePresetParams(migrated.params, f('params'), source)
  migrationNotes?.push(...migrated.notes.map((n) => `${fieldPrefix ? `${fieldPrefix}: ` : ''}${n}`))
  if (doc.createdAt === undefined) throw new PresetError('invalid', 'is missing; give the creation time as an ISO date such as "2026-01-31T12:00:00Z"', f('createdAt'), source)
  if (typeof doc.createdAt !== 'string' || Number.isNaN(Date.parse(doc.createdAt))) throw new PresetError('invalid', `must be an ISO date such as "2026-01-31T12:00:00Z", got ${JSON.stringify(doc.createdAt)}`, f('createdAt'), source)
  const out: Preset = { format: PRESET_FORMAT, schemaVersion: PRESET_SCHEMA_VERSION, name, paramsVersion: PARAMS_VERSION, params, createdAt: new Date(doc.createdAt).toISOString() }
  if (doc.notes !== undefined) {
    if (typeof doc.notes !== 'string') throw new PresetError('invalid', `must be text, got ${JSON.stringify(doc.notes)}`, f('notes'), source)
    if (doc.notes.length > MAX_PRESET_NOTES) throw new PresetError('invalid', `is ${doc.notes.length} characters long; the limit is ${MAX_PRESET_NOTES}`, f('notes'), source)
    out.notes = doc.notes
  }
  if (doc.img2img !== undefined) {
    try {
      out.img2img = validateImg2ImgPresetSettings(doc.img2img, f('img2img'))
    } catch (e) {
      if (e instanceof InpaintSettingsError) throw new PresetError('invalid', e.message.slice(e.field.length + 2), e.field, source)
      throw e
    }
  }
  return out
}

/** Validates a bundle of presets; every preset's errors name its index ("presets[3].params.steps"). */
export function validateBundle(raw: unknown, source?: string, migrationNotes?: string[]): PresetBundle {
  if (!isObj(raw) || raw.format !== PRESET_BUNDLE_FORMAT) throw new PresetError('invalid', `expected "${PRESET_BUNDLE_FORMAT}"`, 'format', source)
  checkVersion(raw, source)
  if (!Array.isArray(raw.presets)) throw new PresetError('invalid', 'must be a list of presets', 'presets', source)
  const presets = raw.presets.map((p, i) => validatePreset(p, source, `presets[${i}]`, migrationNotes))
  return { format: PRESET_BUNDLE_FORMAT, schemaVersion: PRESET_SCHEMA_VERSION, exportedAt: typeof raw.exportedAt === 'string' ? raw.exportedAt : new Date().toISOString(), presets }
}

/** Parses JSON text with a message that says where it breaks (a truncated file, a stray comma). */
export function parseJsonText(text: string, source?: string): unknown {
  try {
    return JSON.parse(text)
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    const truncated = /end of (JSON )?input|Unterminated/i.test(msg)
    throw new PresetError('unreadable', `is not valid JSON${truncated ? ' (the file looks truncated: it ends in the middle)' : ''}: ${msg}. Re-export the preset or fix the file`, undefined, source)
  }
}

export function makePreset(name: string, params: unknown, notes?: string, createdAt = new Date(), img2img?: Img2ImgPresetSettings): Preset {
  const p: Preset = { format: PRESET_FORMAT, schemaVersion: PRESET_SCHEMA_VERSION, name: validatePresetName(name), paramsVersion: PARAMS_VERSION, params: validatePresetParams(params), createdAt: createdAt.toISOString() }
  if (notes !== undefined) p.notes = notes
  if (img2img !== undefined) p.img2img = img2img
  return validatePreset(p)
}

/**
 * Applies a preset's settings over the current parameters; the result is validated. Its img2img settings
 * apply when the current parameters have an init image: the strength always, the inpainting options when
 * they can run (the current job has a mask, or they need none: mask from alpha, outpaint).
 */
export function applyPreset(base: GenerationParams, preset: Preset): GenerationParams {
  let img2img = base.img2img
  if (img2img && preset.img2img) {
    const pi = preset.img2img.inpaint
    const mask = img2img.inpaint?.mask ?? ''
    const inpaint = pi === null ? null : mask !== '' || pi.maskFromAlpha || pi.outpaint ? { ...pi, mask: pi.maskFromAlpha ? '' : mask } : img2img.inpaint
    img2img = { ...img2img, strength: preset.img2img.strength, inpaint }
  }
  return validateGenerationParams({ ...base, ...preset.params, img2img })
}

/** The img2img settings a preset keeps from full parameters (none for a text-to-image job). */
export function presetImg2ImgFrom(p: GenerationParams): Img2ImgPresetSettings | undefined {
  if (!p.img2img) return undefined
  const inpaint = p.img2img.inpaint ? (({ mask: _mask, ...rest }) => rest)(p.img2img.inpaint) : null
  return { strength: p.img2img.strength, inpaint }
}

/** The preset part of full parameters: everything except the model and the img2img input. */
export function presetParamsFrom(p: GenerationParams): PresetParams {
  const out: Record<string, unknown> = {}
  for (const k of PRESET_PARAM_KEYS) out[k] = p[k]
  return out as PresetParams
}
