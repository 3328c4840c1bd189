/**
 * The version of the GenerationParams shape, and the migrations that bring stored parameters written by
 * older versions up to it. Every stored form records the version beside (or inside) its parameters —
 * presets (`paramsVersion` beside `params`), the PNG's `sigma-studio` chunk (the same), library rows
 * (inside `params_json`) — and each reader runs `migrateParams` before validating, so an old file still
 * reads and says what changed, rather than failing validation. A version above ours is refused with
 * "update the app".
 *
 * Version 1 is everything written before versions were recorded. Migrations work on plain parsed JSON
 * (they run before validation), never edit a released step, and say in a note what they changed.
 *
 * Adding a step: bump PARAMS_VERSION, append { from: PARAMS_VERSION - 1, up }, add a fixture of the old
 * shape to params-version.test.ts.
 */
import { ParamsError } from './params'

export const PARAMS_VERSION = 2

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

export interface ParamsMigration {
  from: number
  /** Returns the upgraded parameters (a copy) and pushes one sentence per change into `notes`. */
  up: (params: Obj, notes: string[]) => Obj
}

/** Options that samplers lost, by sampler: how the old value maps onto today's parameters. */
function v1ToV2(params: Obj, notes: string[]): Obj {
  const out: Obj = { ...params }
  const opts = isObj(params.samplerOptions) ? { ...params.samplerOptions } : undefined
  if (!opts) return out
  // res_multistep (and its CFG++ form) listed eta, but always ran at eta 0 as ComfyUI's does; the
  // stochastic form is res_multistep_ancestral. The option had no effect, so dropping it changes nothing.
  if ((params.sampler === 'res_multistep' || params.sampler === 'res_multistep_cfg_pp') && 'eta' in opts) {
    notes.push(`${params.sampler}'s eta option (${JSON.stringify(opts.eta)}) was removed: it never had an effect (the sampler runs at eta 0); for fresh noise choose res_multistep_ancestral`)
    delete opts.eta
  }
  // uni_pc's variant option became a sampler of its own: variant bh2 is uni_pc_bh2, the same maths.
  if (params.sampler === 'uni_pc' && 'variant' in opts) {
    if (opts.variant === 'bh2') {
      out.sampler = 'uni_pc_bh2'
      notes.push('uni_pc with variant bh2 is now its own sampler, uni_pc_bh2 (UniPC BH2), with the same maths')
    } else if (opts.variant === 'bh1') notes.push("uni_pc's variant option was removed; bh1 is what uni_pc runs")
    else return out // an unknown variant: left for validation to name
    delete opts.variant
  }
  out.samplerOptions = opts
  return out
}

export const PARAMS_MIGRATIONS: readonly ParamsMigration[] = [{ from: 1, up: v1ToV2 }]

/** Reads a stored version: a missing one is 1 (written before versions were recorded). */
export function storedParamsVersion(v: unknown, field = 'paramsVersion'): number {
  if (v === undefined) return 1
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ParamsError(field, `must be a whole number from 1 up, got ${JSON.stringify(v)}`)
  if (v > PARAMS_VERSION) throw new ParamsError(field, `is ${v}: these settings were saved by a newer Sigma Studio; update the app to read them (this version reads parameters up to version ${PARAMS_VERSION})`)
  return v
}

/**
 * Brings parsed stored parameters (whole or partial, as presets keep them) of `version` up to
 * PARAMS_VERSION. Returns the upgraded copy and what changed, one sentence each; anything that is not an
 * object is returned as it is, for validation to refuse.
 */
export function migrateParams(raw: unknown, version: number): { params: unknown; notes: string[] } {
  const notes: string[] = []
  if (!isObj(raw)) return { params: raw, notes }
  let p: Obj = raw
  for (let v = storedParamsVersion(version); v < PARAMS_VERSION; v++) {
    const m = PARAMS_MIGRATIONS.find((x) => x.from === v)
    if (!m) throw new ParamsError('paramsVersion', `parameters of version ${v} cannot be upgraded (no migration from it)`)
    p = m.up(p, notes)
  }
  return { params: p, notes }
}

/** Stored parameters that carry their version inside (library rows): `{ paramsVersion, ...params }`. */
export function withParamsVersion<T extends object>(params: T): T & { paramsVersion: number } {
  return { paramsVersion: PARAMS_VERSION, ...params }
}

/** The inverse of withParamsVersion, migrated: the parameters without the version, and the notes. */
export function readVersionedParams(raw: unknown): { params: unknown; notes: string[] } {
  if (!isObj(raw)) return { params: raw, notes: [] }
  const { paramsVersion, ...rest } = raw
  return migrateParams(rest, storedParamsVersion(paramsVersion))
}
