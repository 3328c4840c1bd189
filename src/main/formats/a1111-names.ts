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
 * A1111's "Beta" spaces Beta(α, β) quantiles linearly between sigma_min and sigma_max; ComfyUI's (ours)
 * picks them from the model's timestep table. A1111's "Align Your Steps" interpolates NVIDIA's 11-point
 * table to steps points and appends 0, while ComfyUI's (ours) uses the 11 points as they are at 10 steps
 * and replaces the last with 0. Reading A1111 text, these labels map to ours with a warning saying so.
 */
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from '../../shared/catalogue'
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
  const label = SCHEDULE_BY_ID.get(schedule)?.a1111 ?? undefined
  return label && !(label in A1111_DIFFERENT_MATHS) ? label : undefined
}

/** Labels that mean other maths in A1111 than in our (ComfyUI's) schedule of that name. */
export const A1111_DIFFERENT_MATHS: Readonly<Record<string, string>> = {
  Beta: "A1111's Beta spaces the Beta(0.6, 0.6) quantiles linearly between sigma_min and sigma_max; Sigma Studio's (ComfyUI's) takes them from the model's timestep table, so the sigmas differ",
  'Align Your Steps': "A1111's Align Your Steps interpolates NVIDIA's table to the step count and appends 0; Sigma Studio's (ComfyUI's) uses the table as it is at 10 steps, so the last steps differ"
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
