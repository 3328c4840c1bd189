/**
 * What the Generate view's Hires section says under its fields: the final size before anything runs
 * (the same `hiresSize` the service, the CLI and the worker use), or the problem with the settings.
 */
import { describeHiresSize, hiresSize, hiresSteps, type HiresSettings } from '../../../../shared/hires'

export type HiresLine = { ok: true; text: string } | { ok: false; text: string }

export function hiresLine(width: number, height: number, firstSteps: number, h: HiresSettings, sizeStep: number, img2img: boolean): HiresLine {
  if (img2img) return { ok: false, text: 'The hires fix runs on text-to-image jobs only: remove the init image to use it.' }
  if (!Number.isFinite(h.denoise) || h.denoise <= 0 || h.denoise > 1) return { ok: false, text: 'Denoising strength must be above 0 and at most 1.' }
  if (!Number.isInteger(h.steps) || h.steps < 0) return { ok: false, text: 'Hires steps must be a whole number, 0 for as many as the first pass.' }
  const r = hiresSize(width, height, h, sizeStep)
  if (!r.ok) return { ok: false, text: `${r.problem}.`.replace(/\.\.$/, '.') }
  const steps = hiresSteps(firstSteps, h)
  return { ok: true, text: `Final size ${describeHiresSize(width, height, r.size)}; ${firstSteps} + ${steps} steps.` }
}
