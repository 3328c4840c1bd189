/** What the "More options" section has set away from the defaults, and how to reset it (pure, for tests). */
import { DEFAULT_PARAMS, type GenerationParams } from '../../../shared/params'

export type AdvancedValue = Pick<GenerationParams, 'sampler' | 'samplerOptions' | 'schedule' | 'scheduleParams' | 'guidance' | 'noise'>

/** Short "name value" items for everything set away from its default (the section's summary line). */
export function advancedSummary(v: AdvancedValue): string[] {
  const out: string[] = []
  for (const [k, x] of Object.entries(v.samplerOptions)) out.push(`${k} ${x}`)
  for (const [k, x] of Object.entries(v.scheduleParams)) out.push(`${k} ${x}`)
  const g = v.guidance
  if (g.interval) out.push(`CFG σ ${g.interval[0]}–${g.interval[1]}`)
  if (g.thresholdPercentile !== null) out.push(`threshold ${g.thresholdPercentile}`)
  if (g.clipSample !== null) out.push(`clip ${g.clipSample}`)
  if (v.noise.temperature !== DEFAULT_PARAMS.noise.temperature) out.push(`temperature ${v.noise.temperature}`)
  if (v.noise.noiseInjection !== DEFAULT_PARAMS.noise.noiseInjection) out.push(`injection ${v.noise.noiseInjection}`)
  return out
}

/** The patch that returns everything in the section to its default (guidance rescale has its own field and is kept). */
export function advancedDefaults(v: AdvancedValue): Pick<AdvancedValue, 'samplerOptions' | 'scheduleParams' | 'guidance' | 'noise'> {
  return { samplerOptions: {}, scheduleParams: {}, guidance: { ...DEFAULT_PARAMS.guidance, rescale: v.guidance.rescale }, noise: { ...DEFAULT_PARAMS.noise } }
}
