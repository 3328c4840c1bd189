/**
 * "Inpaint" in the image-to-image section: switch it on, paint the mask, and set A1111's options (mask
 * blur, masked content, inpaint area and padding, mask mode, mask from alpha) and outpainting (pixels per
 * side and how the new area starts). With outpainting on the whole picture, the job's size follows the
 * grown canvas so the form always says what will be made.
 */
import { useEffect, useId } from 'react'
import { INPAINT_LIMITS, MASKED_CONTENT, MASKED_CONTENT_LABEL, type OutpaintSettings } from '../../../../shared/inpaint'
import { setDraft, type InitImage } from '../../store/generate'
import { setInpaint, setInpaintSettings, useInpaintStore } from '../../store/inpaint'
import { MaskEditor } from './MaskEditor'

const SIDES = ['left', 'right', 'top', 'bottom'] as const

export function InpaintSection({ init, sizeStep }: { init: InitImage; sizeStep: number }): React.JSX.Element {
  const id = useId()
  const on = useInpaintStore((s) => s.on)
  const s = useInpaintStore((st) => st.settings)
  const o = s.outpaint

  // Outpainting the whole picture makes a bigger picture: the job's size is the grown canvas.
  useEffect(() => {
    if (!on || !o || s.area !== 'whole') return
    setDraft({ width: init.width + o.left + o.right, height: init.height + o.top + o.bottom })
  }, [on, o, s.area, init.width, init.height])

  const setSide = (side: (typeof SIDES)[number], v: number): void => {
    const base: OutpaintSettings = o ?? { left: 0, right: 0, top: 0, bottom: 0, fill: 'edge' }
    const next = { ...base, [side]: Number.isFinite(v) ? Math.max(0, Math.min(INPAINT_LIMITS.maxOutpaint, Math.round(v))) : 0 }
    setInpaintSettings({ outpaint: next.left + next.right + next.top + next.bottom > 0 ? next : null })
  }

  return (
    <div className="inpaint-section">
      <label className="inpaint-toggle">
        <input type="checkbox" checked={on} onChange={(e) => setInpaint({ on: e.target.checked })} /> Inpaint (paint a mask) or outpaint
      </label>
      {on && (
        <>
          {!s.maskFromAlpha && <MaskEditor init={init} sizeStep={sizeStep} />}
          <div className="inpaint-options">
            <label htmlFor={`${id}-blur`}>Mask blur</label>
            <input id={`${id}-blur`} type="number" min={0} max={INPAINT_LIMITS.maxBlur} value={s.maskBlur} onChange={(e) => setInpaintSettings({ maskBlur: Math.max(0, Math.min(INPAINT_LIMITS.maxBlur, Math.round(e.target.valueAsNumber || 0))) })} />
            <label htmlFor={`${id}-content`}>Masked content</label>
            <select id={`${id}-content`} value={s.maskedContent} onChange={(e) => setInpaintSettings({ maskedContent: e.target.value as typeof s.maskedContent })}>
              {MASKED_CONTENT.map((c) => (
                <option key={c} value={c}>
                  {MASKED_CONTENT_LABEL[c]}
                </option>
              ))}
            </select>
            <label htmlFor={`${id}-area`}>Inpaint area</label>
            <select id={`${id}-area`} value={s.area} onChange={(e) => setInpaintSettings({ area: e.target.value as 'whole' | 'masked' })}>
              <option value="whole">Whole picture</option>
              <option value="masked">Only masked</option>
            </select>
            {s.area === 'masked' && (
              <>
                <label htmlFor={`${id}-pad`}>Masked area padding</label>
                <input id={`${id}-pad`} type="number" min={0} max={INPAINT_LIMITS.maxPadding} value={s.padding} onChange={(e) => setInpaintSettings({ padding: Math.max(0, Math.min(INPAINT_LIMITS.maxPadding, Math.round(e.target.valueAsNumber || 0))) })} />
              </>
            )}
            <label className="span2">
              <input type="checkbox" checked={s.invert} onChange={(e) => setInpaintSettings({ invert: e.target.checked })} /> Inpaint not masked (invert)
            </label>
            <label className="span2">
              <input type="checkbox" checked={s.maskFromAlpha} onChange={(e) => setInpaintSettings({ maskFromAlpha: e.target.checked })} /> Mask from the image's transparency
            </label>
          </div>
          <fieldset className="outpaint-fields" aria-label="Outpaint">
            <legend>Outpaint (px per side)</legend>
            {SIDES.map((side) => (
              <label key={side}>
                {side}
                <input type="number" min={0} step={sizeStep} value={o?.[side] ?? 0} aria-label={`Outpaint ${side}`} onChange={(e) => setSide(side, e.target.valueAsNumber)} />
              </label>
            ))}
            <label>
              fill
              <select value={o?.fill ?? 'edge'} disabled={!o} onChange={(e) => o && setInpaintSettings({ outpaint: { ...o, fill: e.target.value as 'edge' | 'noise' } })}>
                <option value="edge">from the edge</option>
                <option value="noise">noise</option>
              </select>
            </label>
            {o && s.area === 'whole' && (
              <p className="field-desc">
                Makes a {init.width + o.left + o.right}×{init.height + o.top + o.bottom} picture; the original stays where it is.
              </p>
            )}
          </fieldset>
        </>
      )}
    </div>
  )
}
