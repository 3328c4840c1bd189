/**
 * The inpainting part of A1111 infotext, written and read with A1111's keys and labels: "Mask blur: 4",
 * "Masked content: original", "Inpaint area: Only masked", "Masked area padding: 32", "Mask mode:
 * Inpaint not masked". Outpainting has no A1111 key (its outpainting is a script); ours are "Outpaint"
 * (left,right,top,bottom pixels) and "Outpaint fill", and "Mask source: alpha" for a mask taken from the
 * init image's transparency. The mask image itself never travels in text: a reader gets every setting
 * but must choose the mask again.
 */
import { DEFAULT_INPAINT, INPAINT_AREA_LABEL, MASKED_CONTENT, MASKED_CONTENT_LABEL, OUTPAINT_FILLS, validateInpaintSettings, type InpaintSettings, type OutpaintFill } from '../../shared/inpaint'
import { FormatError } from './errors'

export function inpaintInfotextPairs(s: InpaintSettings): Array<[string, string]> {
  const pairs: Array<[string, string]> = [['Mask blur', String(s.maskBlur)], ['Masked content', MASKED_CONTENT_LABEL[s.maskedContent]], ['Inpaint area', INPAINT_AREA_LABEL[s.area]]]
  if (s.area === 'masked') pairs.push(['Masked area padding', String(s.padding)])
  if (s.invert) pairs.push(['Mask mode', 'Inpaint not masked'])
  if (s.maskFromAlpha) pairs.push(['Mask source', 'alpha'])
  if (s.outpaint) {
    const o = s.outpaint
    pairs.push(['Outpaint', `${o.left},${o.right},${o.top},${o.bottom}`])
    pairs.push(['Outpaint fill', o.fill])
  }
  return pairs
}

const INPAINT_KEYS = ['Mask blur', 'Masked content', 'Inpaint area', 'Masked area padding', 'Mask mode', 'Mask source', 'Outpaint', 'Outpaint fill'] as const

/**
 * The inpaint settings an infotext describes, or null when it has none of their keys. The mask is left
 * empty (the text cannot carry it); `maskFromAlpha` and outpainting need no mask image.
 */
export function inpaintFromInfotext(v: Readonly<Record<string, string>>, source?: string): Omit<InpaintSettings, 'mask'> | null {
  if (!INPAINT_KEYS.some((k) => v[k] !== undefined)) return null
  const bad = (key: string, message: string): never => {
    throw new FormatError(message, key, source)
  }
  const int = (key: string): number | undefined => {
    const raw = v[key]?.trim()
    if (raw === undefined) return undefined
    if (!/^\d{1,4}$/.test(raw)) bad(key, `is "${v[key]}", not a whole number of pixels`)
    return Number(raw)
  }
  const out: Omit<InpaintSettings, 'mask'> = { ...DEFAULT_INPAINT }
  const blur = int('Mask blur')
  if (blur !== undefined) out.maskBlur = blur
  const content = v['Masked content']?.trim().toLowerCase()
  if (content !== undefined) {
    const id = MASKED_CONTENT.find((c) => MASKED_CONTENT_LABEL[c] === content || c === content)
    if (!id) bad('Masked content', `"${v['Masked content']}" is not one of fill, original, latent noise, latent nothing`)
    out.maskedContent = id!
  }
  const area = v['Inpaint area']?.trim()
  if (area !== undefined) {
    if (area === 'Only masked') out.area = 'masked'
    else if (area === 'Whole picture') out.area = 'whole'
    else bad('Inpaint area', `"${area}" is neither "Whole picture" nor "Only masked"`)
  }
  const padding = int('Masked area padding')
  if (padding !== undefined) out.padding = padding
  const mode = v['Mask mode']?.trim()
  if (mode !== undefined) {
    if (mode === 'Inpaint not masked') out.invert = true
    else if (mode !== 'Inpaint masked') bad('Mask mode', `"${mode}" is neither "Inpaint masked" nor "Inpaint not masked"`)
  }
  out.maskFromAlpha = v['Mask source']?.trim() === 'alpha'
  if (v.Outpaint !== undefined) {
    const m = /^(\d+),(\d+),(\d+),(\d+)$/.exec(v.Outpaint.replace(/\s+/g, ''))
    if (!m) bad('Outpaint', `is "${v.Outpaint}"; expected left,right,top,bottom pixels such as 64,64,0,0`)
    const fill = (v['Outpaint fill']?.trim() ?? 'edge') as OutpaintFill
    if (!OUTPAINT_FILLS.includes(fill)) bad('Outpaint fill', `"${v['Outpaint fill']}" is neither edge nor noise`)
    out.outpaint = { left: Number(m![1]), right: Number(m![2]), top: Number(m![3]), bottom: Number(m![4]), fill }
  }
  // The shared validator has the last word on ranges (blur, padding, outpaint sides); the mask is a stand-in.
  try {
    const { mask: _mask, ...checked } = validateInpaintSettings({ ...out, mask: out.maskFromAlpha || out.outpaint ? '' : 'mask' })
    return checked
  } catch (e) {
    return bad('Mask blur', (e as Error).message)
  }
}
