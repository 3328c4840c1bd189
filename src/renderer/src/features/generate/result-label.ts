/**
 * The label a generated image carries into the compare view: prompt (shortened), sampler / schedule,
 * steps, CFG and seed, so the two sides can be told apart by their settings.
 */
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from '../../../../shared/catalogue'
import type { GenerationParams } from '../../../../shared/params'

const MAX_PROMPT = 40

export function resultLabel(p: Pick<GenerationParams, 'prompt' | 'sampler' | 'schedule' | 'steps' | 'cfg' | 'seed'>): string {
  const text = p.prompt.trim()
  const prompt = text === '' ? '(empty prompt)' : text.length > MAX_PROMPT ? `${text.slice(0, MAX_PROMPT - 1)}…` : text
  const sampler = SAMPLER_BY_ID.get(p.sampler)?.displayName ?? p.sampler
  const schedule = SCHEDULE_BY_ID.get(p.schedule)?.displayName ?? p.schedule
  return `${prompt} · ${sampler} / ${schedule} · ${p.steps} steps · CFG ${p.cfg} · seed ${p.seed}`
}
