/**
 * `studio generate`'s hires fix flags (A1111's names; src/shared/hires.ts): --hires-scale X or
 * --hires-size WxH turn it on; the others set the second pass. Checked by the shared validator, so the
 * CLI refuses what the app refuses, with the flag named.
 */
import { SAMPLER_BY_ID, SCHEDULE_BY_ID, SAMPLER_IDS, SCHEDULE_IDS, resolveSamplerName } from '../../../shared/catalogue'
import { BUILTIN_UPSCALERS, HiresSettingsError, validateHiresSettings, type HiresSettings } from '../../../shared/hires'
import { CliUsageError, type OptionSpec } from './args'

export const HIRES_OPTIONS: OptionSpec = {
  'hires-scale': { type: 'number', value: 'X', help: 'hires fix: upscale the first pass by X (A1111 "Upscale by"), then refine it' },
  'hires-size': { type: 'string', value: 'WxH', help: 'hires fix: the final size instead of a factor (0 for one side keeps the aspect; both set = cover and crop)' },
  'hires-steps': { type: 'int', value: 'N', help: 'hires second-pass steps (0 = as many as the first pass)' },
  'hires-denoise': { type: 'number', value: 'X', help: 'hires denoising strength (default 0.7)' },
  'hires-upscaler': { type: 'string', value: 'NAME', help: `hires upscaler: ${BUILTIN_UPSCALERS.join(', ')} (default Latent)` },
  'hires-sampler': { type: 'string', value: 'ID', help: 'second-pass sampler (default: the first pass\'s)' },
  'hires-schedule': { type: 'string', value: 'ID', help: 'second-pass schedule (default: the first pass\'s)' },
  'hires-cfg': { type: 'number', value: 'X', help: 'second-pass CFG scale (default: the first pass\'s)' },
  'hires-prompt': { type: 'string', value: 'TEXT', help: 'second-pass prompt (default: the prompt)' },
  'hires-negative': { type: 'string', value: 'TEXT', help: 'second-pass negative prompt (default: the negative prompt)' }
}

const FLAG_OF: Record<string, string> = { scale: 'hires-scale', resizeWidth: 'hires-size', resizeHeight: 'hires-size', steps: 'hires-steps', denoise: 'hires-denoise', upscaler: 'hires-upscaler', sampler: 'hires-sampler', schedule: 'hires-schedule', cfg: 'hires-cfg', prompt: 'hires-prompt', negativePrompt: 'hires-negative' }

/** The hires settings the flags ask for, or null when neither --hires-scale nor --hires-size is given. */
export function hiresFromFlags(o: Record<string, unknown>): HiresSettings | null {
  const given = Object.keys(HIRES_OPTIONS).filter((k) => o[k] !== undefined)
  if (given.length === 0) return null
  if (o['hires-scale'] === undefined && o['hires-size'] === undefined) throw new CliUsageError(`--${given[0]} needs --hires-scale X or --hires-size WxH (which turn the hires fix on)`)
  if (o['hires-scale'] !== undefined && o['hires-size'] !== undefined) throw new CliUsageError('--hires-scale and --hires-size contradict each other; pass one')
  if (o.init !== undefined) throw new CliUsageError('the hires fix follows a text-to-image pass; drop --init or the --hires-* flags')
  let resizeWidth = 0
  let resizeHeight = 0
  if (typeof o['hires-size'] === 'string') {
    const m = /^(\d+)x(\d+)$/.exec(o['hires-size'].trim())
    if (!m || (m[1] === '0' && m[2] === '0')) throw new CliUsageError(`--hires-size "${o['hires-size']}" is not WIDTHxHEIGHT such as 1024x1024 (0 for one side keeps the aspect ratio)`)
    resizeWidth = Number(m[1])
    resizeHeight = Number(m[2])
  }
  // Samplers take A1111 names too, as --sampler does.
  const sampler = typeof o['hires-sampler'] === 'string' ? (resolveSamplerName(o['hires-sampler'])?.sampler ?? o['hires-sampler']) : undefined
  try {
    return validateHiresSettings(
      {
        scale: o['hires-scale'],
        resizeWidth,
        resizeHeight,
        steps: o['hires-steps'],
        denoise: o['hires-denoise'],
        upscaler: o['hires-upscaler'],
        sampler,
        schedule: o['hires-schedule'],
        cfg: o['hires-cfg'],
        prompt: o['hires-prompt'],
        negativePrompt: o['hires-negative']
      },
      { isSampler: (id) => SAMPLER_BY_ID.has(id), isSchedule: (id) => SCHEDULE_BY_ID.has(id), samplers: SAMPLER_IDS.join(', '), schedules: SCHEDULE_IDS.join(', ') }
    )
  } catch (e) {
    if (e instanceof HiresSettingsError) {
      const key = e.field.replace(/^hires\./, '')
      throw new CliUsageError(`--${FLAG_OF[key] ?? key}: ${e.message.slice(e.field.length + 2)}`)
    }
    throw e
  }
}
