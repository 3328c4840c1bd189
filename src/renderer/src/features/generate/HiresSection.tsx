/**
 * The Generate view's "Hires fix" section (A1111's names), collapsed by default: on/off, upscaler,
 * "Upscale by" or "Resize width/height to", hires steps and denoising strength, with the final size
 * shown before anything runs. The second pass uses the first pass's sampler, schedule, CFG and prompts
 * (presets, dropped settings and the CLI may set others; the draft keeps them as they came).
 * Upscaler models run from the CLI for now: the service refuses them in app jobs (see README).
 */
import { useState } from 'react'
import { BUILTIN_UPSCALERS, MAX_HIRES_SCALE } from '../../../../shared/hires'
import { LIMITS } from '../../../../shared/params'
import { setDraft, useGenerateStore } from '../../store/generate'
import { hiresLine } from './hires-line'

const shown = (n: number): number | '' => (Number.isNaN(n) ? '' : n)

export function HiresSection({ sizeStep, img2img }: { sizeStep: number; img2img: boolean }): React.JSX.Element {
  const draft = useGenerateStore((s) => s.draft)
  // Fields exist only while the section is open, so a closed section adds nothing to the form's labels.
  const [open, setOpen] = useState(false)
  const h = draft.hires
  const set = (patch: Partial<typeof h>): void => setDraft({ hires: { ...h, ...patch } })
  const line = draft.hiresOn ? hiresLine(draft.width, draft.height, draft.steps, h, sizeStep, img2img) : null
  const num = (label: string, value: number, min: number, max: number, step: number, onChange: (v: number) => void, title: string): React.JSX.Element => (
    <label className="field number-field" title={title}>
      {label}
      <input type="number" min={min} max={max} step={step} value={shown(value)} disabled={!draft.hiresOn} onChange={(e) => onChange(e.target.valueAsNumber)} />
    </label>
  )
  return (
    <details className="hires" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Hires fix{draft.hiresOn ? (line?.ok ? `: ${line.text.replace(/^Final size /, '').replace(/;.*$/, '')}` : ': check the settings') : ''}</summary>
      {open && (
        <>
          <label className="check">
            <input type="checkbox" checked={draft.hiresOn} onChange={(e) => setDraft({ hiresOn: e.target.checked })} /> Upscale and refine in a second pass
          </label>
          <label className="field">
            Upscaler
            <select aria-label="Upscaler" value={h.upscaler} disabled={!draft.hiresOn} onChange={(e) => set({ upscaler: e.target.value })}>
              {BUILTIN_UPSCALERS.map((u) => (
                <option key={u} value={u}>
                  {u}
                </option>
              ))}
            </select>
          </label>
          <div className="numbers">
            {num('Upscale by', h.scale, 1, MAX_HIRES_SCALE, 0.05, (scale) => set({ scale }), 'Factor for both sides (used when both resize sides are 0)')}
            {num('Resize width to', h.resizeWidth, 0, LIMITS.maxSide, sizeStep, (resizeWidth) => set({ resizeWidth }), '0 = from the height and the aspect ratio, or from "Upscale by"')}
            {num('Resize height to', h.resizeHeight, 0, LIMITS.maxSide, sizeStep, (resizeHeight) => set({ resizeHeight }), '0 = from the width and the aspect ratio, or from "Upscale by"')}
          </div>
          <div className="numbers">
            {num('Hires steps', h.steps, 0, LIMITS.maxSteps, 1, (steps) => set({ steps }), '0 = as many as the first pass')}
            {num('Hires denoising strength', h.denoise, 0.01, 1, 0.05, (denoise) => set({ denoise }), 'How much the second pass may change the upscaled picture')}
          </div>
          {line && (
            <p className={line.ok ? 'field-desc' : 'field-desc warn'} aria-live="polite">
              {line.text}
            </p>
          )}
        </>
      )}
    </details>
  )
}
