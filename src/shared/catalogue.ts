/**
 * The one catalogue of samplers and schedules the whole app shows and accepts: the descriptors of
 * samplers.ts and schedules.ts, and name resolution over them.
 *
 * Canonical ids are ComfyUI's sampler and scheduler names. Everything a person may type or paste — A1111
 * names ("DPM++ 2M", "Euler a", "DPM++ 2M Karras", "k_euler_a"), diffusers scheduler class names — is
 * resolved here, in one place, to an id plus the options or schedule it implies, from the descriptors'
 * own name lists; only names no descriptor carries are listed below. The engine's registries
 * (src/main/engine/samplers, src/main/engine/schedules) hold the implementations; a test checks both
 * list the same ids.
 */
import { FAMILIES, type ModelFamily } from './model-family'
import { SAMPLERS } from './samplers'
import { SCHEDULES } from './schedules'

export type { SamplerDescriptor, SamplerInfo, SamplerKind } from './samplers'
export { SAMPLERS, SAMPLER_BY_ID, SAMPLER_IDS, SAMPLER_DESCRIPTORS, implementationId } from './samplers'
export type { ScheduleDescriptor, ScheduleInfo } from './schedules'
export { SCHEDULES, SCHEDULE_BY_ID, SCHEDULE_IDS, SCHEDULE_DESCRIPTORS } from './schedules'
export type { OptionSpec, OptionValue } from './option-spec'

/** What a name typed or pasted by a person means. */
export interface ResolvedSampler {
  sampler: string
  /** Options the name implies (e.g. "DPM++ 2M SDE Heun" → solver_type heun). */
  options?: Readonly<Record<string, string | number>>
  /** A schedule folded into an older A1111 name ("DPM++ 2M Karras"). */
  schedule?: string
}

/** Normalises a name for lookup: case, spaces, dashes, underscores and "+" spellings. */
function key(name: string): string {
  return name.trim().toLowerCase().replace(/\+\+/g, 'pp').replace(/[\s_\-.]+/g, '')
}

/** Names no descriptor carries: other tools' spellings, and diffusers classes that share a method. */
const SAMPLER_ALIASES: Record<string, ResolvedSampler> = {
  // Forge / older UIs
  'Heun++': { sampler: 'heunpp2' },
  // diffusers classes that are the EDM forms of ours
  EDMEulerScheduler: { sampler: 'euler' },
  EDMDPMSolverMultistepScheduler: { sampler: 'dpmpp_2m' },
  // diffusers' UniPC defaults to solver_type "bh2", its DPMSolverMultistep to 2M (data prediction).
  UniPCMultistepScheduler: { sampler: 'uni_pc_bh2' },
  DPMSolverMultistepScheduler: { sampler: 'dpmpp_2m' }
}

/** Older A1111 names carry the schedule as a suffix ("DPM++ 2M Karras"). */
const SCHEDULE_SUFFIXES: Array<[string, string]> = [
  [' Karras', 'karras'],
  [' Exponential', 'exponential']
]

const SAMPLER_LOOKUP: ReadonlyMap<string, ResolvedSampler> = (() => {
  const m = new Map<string, ResolvedSampler>()
  for (const s of SAMPLERS) {
    // A diffusers class shared by several methods resolves to the first (the explicit aliases below win).
    if (s.diffusers && !m.has(key(s.diffusers.className))) m.set(key(s.diffusers.className), { sampler: s.id })
  }
  for (const s of SAMPLERS) {
    for (const n of [s.id, s.displayName, ...(s.a1111?.names ?? [])]) m.set(key(n), { sampler: s.id })
  }
  for (const [alias, r] of Object.entries(SAMPLER_ALIASES)) m.set(key(alias), r)
  return m
})()

/** Resolves an id, display name or alias; undefined when nothing matches. */
export function resolveSamplerName(name: string): ResolvedSampler | undefined {
  const direct = SAMPLER_LOOKUP.get(key(name))
  if (direct) return direct
  for (const [suffix, schedule] of SCHEDULE_SUFFIXES) {
    if (name.trim().toLowerCase().endsWith(suffix.toLowerCase())) {
      const base = SAMPLER_LOOKUP.get(key(name.trim().slice(0, -suffix.length)))
      if (base) return { ...base, schedule }
    }
  }
  return undefined
}

/** The latent family a model belongs to, for schedules that depend on it (A1111's "Align Your Steps"). */
export type ScheduleFamilyHint = ModelFamily | undefined

/** Names no descriptor carries. */
const SCHEDULE_ALIASES: Record<string, string> = {
  // A1111's "Uniform" is the k-diffusion model's own spacing: evenly spaced timesteps, as `normal`.
  Uniform: 'normal',
  Automatic: 'normal'
}

/** Resolves a schedule id, display name or alias ("Karras", "Align Your Steps"…); undefined when unknown. */
export function resolveScheduleName(name: string, family?: ScheduleFamilyHint): string | undefined {
  const k = key(name)
  if (k === key('Align Your Steps') || k === 'ays' || k === 'alignyoursteps') return FAMILIES[family ?? 'sd1'].aysSchedule
  for (const s of SCHEDULES) {
    const names = [s.id, s.displayName, s.a1111, s.diffusers && typeof s.diffusers.value === 'boolean' ? s.diffusers.flag : null]
    if (names.some((n) => n !== null && key(n) === k)) return s.id
  }
  for (const [alias, id] of Object.entries(SCHEDULE_ALIASES)) if (key(alias) === k) return id
  return undefined
}
