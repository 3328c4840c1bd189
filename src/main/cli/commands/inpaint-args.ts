/**
 * The inpainting and outpainting flags of `studio generate`, with A1111's option names: turned into the
 * shared InpaintSettings (src/shared/inpaint.ts), whose validator names a bad field; here the message
 * names the flag instead, since that is what the user typed.
 */
import sharp from 'sharp'
import { InpaintSettingsError, validateInpaintSettings, type InpaintSettings } from '../../../shared/inpaint'
import { parseOutpaintSides } from '../../models/inpaint/outpaint'
import { CliUsageError, type OptionSpec } from './args'

export const INPAINT_OPTIONS: OptionSpec = {
  mask: { type: 'string', value: 'MASK.png', help: 'inpaint: repaint where the mask is white (with --init)' },
  'mask-from-alpha': { type: 'flag', help: 'inpaint: repaint where the init image is transparent' },
  'mask-blur': { type: 'int', value: 'N', help: 'inpaint: Gaussian blur of the mask in pixels (default 4)' },
  'masked-content': { type: 'string', value: 'MODE', help: 'inpaint: fill, original (default), latent-noise or latent-nothing' },
  'inpaint-area': { type: 'string', value: 'AREA', help: 'inpaint: whole (default) or masked (only the masked box + padding, at the job size)' },
  'masked-padding': { type: 'int', value: 'N', help: 'inpaint, only masked: pixels around the mask\'s box (default 32)' },
  'invert-mask': { type: 'flag', help: 'inpaint: repaint what is not masked' },
  outpaint: { type: 'string', value: 'L,R,T,B', help: 'outpaint: extend the init image by these pixels per side, then inpaint the new area' },
  'outpaint-fill': { type: 'string', value: 'MODE', help: 'outpaint: how the new area starts, edge (default) or noise' }
}

const FLAG_OF: Record<string, string> = {
  mask: '--mask',
  maskFromAlpha: '--mask-from-alpha',
  maskBlur: '--mask-blur',
  maskedContent: '--masked-content',
  area: '--inpaint-area',
  padding: '--masked-padding',
  invert: '--invert-mask',
  outpaint: '--outpaint'
}

/** The inpaint settings the flags ask for, or null when none is given. `mask` is the mask file's path. */
export function inpaintFromFlags(o: Record<string, unknown>, hasInit: boolean): InpaintSettings | null {
  const given = Object.keys(INPAINT_OPTIONS).filter((k) => o[k] !== undefined)
  if (given.length === 0) return null
  if (!hasInit) throw new CliUsageError(`--${given[0]} needs --init IMG (the image to repaint)`)
  if (o.mask === undefined && o['mask-from-alpha'] === undefined && o.outpaint === undefined) {
    throw new CliUsageError(`--${given[0]} needs a mask: --mask MASK.png, --mask-from-alpha or --outpaint L,R,T,B`)
  }
  let outpaint: InpaintSettings['outpaint'] = null
  if (o.outpaint !== undefined) {
    try {
      outpaint = { ...parseOutpaintSides(o.outpaint as string), fill: ((o['outpaint-fill'] as string | undefined) ?? 'edge') as 'edge' }
    } catch (e) {
      throw new CliUsageError(`--outpaint: ${(e as Error).message.replace(/^outpaint: /, '')}`)
    }
  } else if (o['outpaint-fill'] !== undefined) throw new CliUsageError('--outpaint-fill only applies with --outpaint L,R,T,B')
  try {
    return validateInpaintSettings({
      mask: (o.mask as string | undefined) ?? '',
      maskFromAlpha: o['mask-from-alpha'] === true,
      ...(o['mask-blur'] !== undefined ? { maskBlur: o['mask-blur'] } : {}),
      ...(o['masked-content'] !== undefined ? { maskedContent: o['masked-content'] } : {}),
      ...(o['inpaint-area'] !== undefined ? { area: o['inpaint-area'] } : {}),
      ...(o['masked-padding'] !== undefined ? { padding: o['masked-padding'] } : {}),
      invert: o['invert-mask'] === true,
      outpaint
    })
  } catch (e) {
    if (!(e instanceof InpaintSettingsError)) throw e
    const key = e.field.split('.')[1] ?? ''
    const flag = key === 'outpaint' && e.field.endsWith('.fill') ? '--outpaint-fill' : (FLAG_OF[key] ?? e.field)
    throw new CliUsageError(`${flag}: ${e.message.slice(e.field.length + 2)}`)
  }
}

/**
 * The job size an inpaint asks for when --width/--height are not given: the whole picture keeps the
 * init image's size (plus the outpainted sides); only masked works at the model's own size.
 */
export async function inpaintJobSize(initPath: string, s: InpaintSettings, modelDefault: { width: number; height: number }): Promise<{ width: number; height: number }> {
  if (s.area === 'masked') return modelDefault
  const meta = await sharp(initPath).metadata()
  const o = s.outpaint
  return { width: (meta.width ?? modelDefault.width) + (o ? o.left + o.right : 0), height: (meta.height ?? modelDefault.height) + (o ? o.top + o.bottom : 0) }
}
