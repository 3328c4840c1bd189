/**
 * How sampler and schedule names translate between Sigma Studio and AUTOMATIC1111 1.10 infotext.
 *
 * - A1111 knows a sampler by its label ("DPM++ 2M"); UniPC's variant is a separate key ("UniPC
 *   variant: bh2", A1111's default being bh1). A sampler A1111 does not have must not be written under a
 *   label A1111 would not find (it would quietly keep whatever sampler its UI had), so it is written as
 *   `Sigma sampler: <id>` only, which A1111 ignores and this reader prefers.
 * - "Schedule type: Automatic", or no schedule type (older infotexts), means the sampler's own default
 *   as A1111 1.10 runs it (the descriptor's `a1111.automaticSchedule`): Karras for DPM++ 2M, DPM++ SDE,
 *   DPM++ 2S a, DPM2 and DPM2 a; exponential for the DPM++ 2M/3M SDE family; uniform otherwise.
 * - Schedules A1111 lacks, and the two it has under the same label with other maths (Beta and Align
 *   Your Steps, see below), are written as `Sigma schedule: <id>` with no Schedule type label.
 *
 * A1111's "Beta" spaces Beta(α, β) quantiles linearly between sigma_min and sigma_max; ComfyUI's
 * picks them from the model's timestep table. A1111's "Align Your Steps" interpolates its 11-point table
 * to steps points and appends 0, while ComfyUI's interpolates to steps+1 points and replaces the last
 * with 0. Both A1111 forms are schedules of their own here (`beta_a1111`, `ays_a1111_sd1`/`_sdxl`,
 * src/main/engine/schedules/a1111.ts), so A1111's labels read and write exactly; ComfyUI's `beta` and
 * `ays_*` are written as `Sigma schedule`. Only A1111's choice of table by model (SDXL or not) needs the
 * model family; without it the SD table is taken, with a warning.
 */
import { SAMPLER_BY_ID, SCHEDULE_BY_ID, SCHEDULES, type ScheduleFamilyHint } from '../../shared/catalogue'
import type { GenerationParams } from '../../shared/params'

/**
 * A1111 1.10's "Automatic" schedule for a sampler: its descriptor's (src/shared/samplers.ts); k-diffusion's
 * uniform timesteps (ComfyUI's "normal") for samplers A1111 lacks.
 */
export function a1111AutomaticSchedule(sampler: string): string {
  if (sampler === 'uni_pc_bh2') return a1111AutomaticSchedule('uni_pc')
  return SAMPLER_BY_ID.get(sampler)?.a1111?.automaticSchedule ?? 'normal'
}

/** A1111's schedule label for ours, when A1111 has that schedule with the same maths. */
function scheduleLabel(schedule: string): string | undefined {
  return SCHEDULE_BY_ID.get(schedule)?.a1111 ?? undefined
}

/**
 * Our schedule for an A1111 "Schedule type" label, by A1111's maths; undefined for a label A1111 does
 * not have. `family` picks the Align Your Steps table as A1111 does (SDXL's for SDXL, else SD's).
 */
export function a1111ScheduleFor(label: string, family?: ScheduleFamilyHint): { schedule: string; warning?: string } | undefined {
  const k = label.trim().toLowerCase()
  if (k === 'align your steps') {
    if (family === 'sdxl') return { schedule: 'ays_a1111_sdxl' }
    if (family !== undefined) return { schedule: 'ays_a1111_sd1' }
    return { schedule: 'ays_a1111_sd1', warning: "A1111's Align Your Steps uses its SDXL table for SDXL models; the model is not known here, so the SD table was taken" }
  }
  const d = SCHEDULES.find((s) => s.a1111 !== null && s.a1111.toLowerCase() === k)
  return d ? { schedule: d.id } : undefined
}

/** The sampler and schedule as infotext pairs, by the rules above (labels from the descriptors). */
export function a1111SamplerPairs(p: Pick<GenerationParams, 'sampler' | 'samplerOptions' | 'schedule'>): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  if (p.sampler === 'uni_pc_bh2') pairs.push(['Sampler', 'UniPC'], ['UniPC variant', 'bh2'])
  else {
    const label = SAMPLER_BY_ID.get(p.sampler)?.a1111?.names[0]
    if (label) pairs.push(['Sampler', label === 'DPM++ 2M SDE' && p.samplerOptions.solver_type === 'heun' ? 'DPM++ 2M SDE Heun' : label])
    else pairs.push(['Sigma sampler', p.sampler])
  }
  const sched = scheduleLabel(p.schedule)
  pairs.push(sched ? ['Schedule type', sched] : ['Sigma schedule', p.schedule])
  return pairs
}

/** A1111's label for a sampler, or our display name when A1111 has none (for people, not for parsing). */
export function a1111SamplerLabel(sampler: string): string {
  return SAMPLER_BY_ID.get(sampler)?.a1111?.names[0] ?? SAMPLER_BY_ID.get(sampler)?.displayName ?? sampler
}
