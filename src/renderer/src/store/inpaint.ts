/**
 * Inpainting in the generate form: whether it is on, its settings (src/shared/inpaint.ts, A1111's names)
 * and the painted mask. The mask is bytes (a PNG of the init image's size, white = repaint) and, like
 * the init image, never goes into a preset; its label is the content hash the service will store.
 */
import { DEFAULT_INPAINT, type InpaintSettings } from '../../../shared/inpaint'
import { defineSlice } from './root'

export type InpaintDraft = Omit<InpaintSettings, 'mask'>

export interface PaintedMask {
  /** PNG bytes of the mask, sent as the request's `maskImage`. */
  bytes: Uint8Array
  /** `sha256:<32 hex>`, as the service labels these bytes. */
  label: string
  width: number
  height: number
  /** Nothing painted: the job would return the init image unchanged. */
  blank: boolean
}

export interface InpaintState {
  /** Inpainting is on (needs an init image); off = plain img2img. */
  on: boolean
  settings: InpaintDraft
  mask: PaintedMask | null
  /**
   * A mask to load into the editor ("use these settings" on a library image made with one): PNG bytes
   * and the label of the init image it belongs to; the MaskEditor takes (and clears) it once that init
   * image is the one shown.
   */
  restoreMask: { bytes: Uint8Array; forInit: string } | null
}

const { mask: _mask, ...defaults } = DEFAULT_INPAINT
export const initialInpaintState: InpaintState = { on: false, settings: { ...defaults }, mask: null, restoreMask: null }

declare module './root' {
  interface Slices {
    inpaint: InpaintState
  }
}

export const useInpaintStore = defineSlice('inpaint', initialInpaintState)

export function setInpaint(patch: Partial<InpaintState>): void {
  useInpaintStore.setState((s) => ({ ...s, ...patch }))
}

export function setInpaintSettings(patch: Partial<InpaintDraft>): void {
  useInpaintStore.setState((s) => ({ settings: { ...s.settings, ...patch } }))
}

/**
 * The inpaint settings the form describes, or null when inpainting is off (or there is nothing that
 * says what to repaint: no mask painted, no alpha, no outpaint).
 */
export function draftInpaint(): InpaintSettings | null {
  const { on, settings, mask } = useInpaintStore.getState()
  if (!on) return null
  const maskLabel = settings.maskFromAlpha ? '' : (mask?.label ?? '')
  if (maskLabel === '' && !settings.maskFromAlpha && !settings.outpaint) return null
  return { ...settings, mask: maskLabel }
}
