/**
 * The hires fix in A1111 infotext, with A1111's keys (processing.py): "Denoising strength: 0.5" (the
 * hires strength, in a text-to-image infotext), "Hires upscale: 2" or "Hires resize: 1024x1024",
 * "Hires steps: 10" (only when not 0), "Hires upscaler: Latent", and — when they differ from the first
 * pass — "Hires sampler: Euler a", "Hires schedule type: Karras", "Hires CFG Scale: 5", "Hires prompt",
 * "Hires negative prompt". Samplers and schedules A1111 lacks are written under our ids, which the
 * reader takes back.
 */
import { resolveSamplerName, resolveScheduleName, SAMPLER_BY_ID, SCHEDULE_BY_ID } from '../../shared/catalogue'
import { canonicalUpscaler, DEFAULT_HIRES, type HiresSettings } from '../../shared/hires'
import type { GenerationParams } from '../../shared/params'
import { FormatError } from './errors'

const num = (n: number): string => String(Number(n.toFixed(6)))

/** The hires pairs of parameters with hires set (empty without). */
export function hiresInfotextPairs(p: GenerationParams): Array<[string, string]> {
  const h = p.hires
  if (!h) return []
  const pairs: Array<[string, string]> = [['Denoising strength', num(h.denoise)]]
  if (h.resizeWidth === 0 && h.resizeHeight === 0) pairs.push(['Hires upscale', num(h.scale)])
  else pairs.push(['Hires resize', `${h.resizeWidth}x${h.resizeHeight}`])
  if (h.steps > 0) pairs.push(['Hires steps', String(h.steps)])
  pairs.push(['Hires upscaler', h.upscaler])
  if (h.sampler !== null && h.sampler !== p.sampler) pairs.push(['Hires sampler', SAMPLER_BY_ID.get(h.sampler)?.a1111?.names[0] ?? h.sampler])
  if (h.schedule !== null && h.schedule !== p.schedule) pairs.push(['Hires schedule type', SCHEDULE_BY_ID.get(h.schedule)?.a1111 ?? h.schedule])
  if (h.cfg !== null && h.cfg !== p.cfg) pairs.push(['Hires CFG Scale', num(h.cfg)])
  if (h.prompt !== '' && h.prompt !== p.prompt) pairs.push(['Hires prompt', h.prompt])
  if (h.negativePrompt !== '' && h.negativePrompt !== p.negativePrompt) pairs.push(['Hires negative prompt', h.negativePrompt])
  return pairs
}

const HIRES_KEYS = ['Hires upscale', 'Hires resize', 'Hires steps', 'Hires upscaler', 'Hires sampler', 'Hires schedule type', 'Hires CFG Scale', 'Hires prompt', 'Hires negative prompt'] as const

/** True when the infotext describes a hires fix (then its "Denoising strength" is the hires strength). */
export function hasHires(v: Readonly<Record<string, string>>): boolean {
  return HIRES_KEYS.some((k) => v[k] !== undefined)
}

/** The hires settings the pairs describe (A1111's "Use same sampler" and the like read as null). */
export function hiresFromInfotext(v: Readonly<Record<string, string>>, source?: string): HiresSettings {
  const bad = (key: string, message: string): never => {
    throw new FormatError(message, key, source)
  }
  const number = (key: string, lo: number, hi: number): number | undefined => {
    const raw = v[key]?.trim()
    if (raw === undefined) return undefined
    const n = Number(raw)
    if (raw === '' || !Number.isFinite(n) || n < lo || n > hi) bad(key, `is "${v[key]}"; it must be a number from ${lo} to ${hi}`)
    return n
  }
  const h: HiresSettings = { ...DEFAULT_HIRES }
  h.denoise = number('Denoising strength', 0, 1) ?? DEFAULT_HIRES.denoise
  h.scale = number('Hires upscale', 1, 8) ?? DEFAULT_HIRES.scale
  if (v['Hires resize'] !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(v['Hires resize'].trim())
    if (!m) bad('Hires resize', `is "${v['Hires resize']}"; expected WIDTHxHEIGHT such as 1024x1024`)
    h.resizeWidth = Number(m![1])
    h.resizeHeight = Number(m![2])
  }
  const steps = number('Hires steps', 0, 1000)
  if (steps !== undefined) {
    if (!Number.isInteger(steps)) bad('Hires steps', `is "${v['Hires steps']}"; it must be a whole number`)
    h.steps = steps
  }
  if (v['Hires upscaler'] !== undefined) h.upscaler = canonicalUpscaler(v['Hires upscaler'])
  const sampler = v['Hires sampler']?.trim()
  if (sampler !== undefined && sampler !== 'Use same sampler') {
    const r = SAMPLER_BY_ID.has(sampler) ? { sampler } : resolveSamplerName(sampler)
    if (!r) bad('Hires sampler', `"${sampler}" is not a sampler Sigma Studio knows`)
    h.sampler = r!.sampler
  }
  const schedule = v['Hires schedule type']?.trim()
  if (schedule !== undefined && schedule !== 'Use same scheduler' && schedule !== 'Automatic') {
    const s = SCHEDULE_BY_ID.has(schedule) ? schedule : resolveScheduleName(schedule)
    if (!s) bad('Hires schedule type', `"${schedule}" is not a schedule Sigma Studio knows`)
    h.schedule = s!
  }
  h.cfg = number('Hires CFG Scale', 0, 100) ?? null
  if (v['Hires prompt'] !== undefined) h.prompt = v['Hires prompt']
  if (v['Hires negative prompt'] !== undefined) h.negativePrompt = v['Hires negative prompt']
  return h
}
