/**
 * Image size: presets around the model's native size, free width/height in steps of the model's size
 * step, and a swap button. Errors (a side that is not a multiple of the step) come from the form's
 * validation and are shown under the field.
 */
import { useId } from 'react'
import { sizeHint, sizePresets, type SizeFits } from './size-presets'
import './fields.css'

export interface SizeFieldProps {
  width: number
  height: number
  /** Sides must be multiples of this (the model's VAE factor). */
  step: number
  /** The model's native size, which the presets are built around; null when unknown (presets around 512). */
  native: { width: number; height: number } | null
  onChange: (size: { width: number; height: number }) => void
  error?: string | null
  /** Which preset sizes fit in memory (the others are not offered). */
  fits?: SizeFits
}

export function SizeField({ width, height, step, native, onChange, error, fits }: SizeFieldProps): React.JSX.Element {
  const id = useId()
  // Until the model is known, presets centre on the size in the form (not on 512: a 64 px model must
  // not be offered 1024×1024).
  const presets = sizePresets(native ? Math.min(native.width, native.height) : Math.max(step, Math.min(width || step, height || step)), step, fits)
  const current = `${width}x${height}`
  const isPreset = presets.some((p) => `${p.width}x${p.height}` === current)
  const hint = sizeHint(width, height, step, native)
  return (
    <fieldset className="field size-field" aria-describedby={`${id}-hint`}>
      <legend>Size</legend>
      <div className="size-row">
        <select
          aria-label="Size preset"
          value={isPreset ? current : ''}
          onChange={(e) => {
            const [w, h] = e.target.value.split('x').map(Number)
            if (w && h) onChange({ width: w, height: h })
          }}
        >
          {!isPreset && <option value="">Custom</option>}
          {presets.map((p) => (
            <option key={`${p.width}x${p.height}`} value={`${p.width}x${p.height}`}>
              {p.label}
            </option>
          ))}
        </select>
        <input aria-label="Width" type="number" min={step} step={step} value={width} onChange={(e) => onChange({ width: e.target.valueAsNumber || 0, height })} />
        <button type="button" className="icon" aria-label="Swap sides" title="Swap width and height" onClick={() => onChange({ width: height, height: width })}>
          ⇄
        </button>
        <input aria-label="Height" type="number" min={step} step={step} value={height} onChange={(e) => onChange({ width, height: e.target.valueAsNumber || 0 })} />
      </div>
      <p className={`field-desc${error || hint.warn ? ' warn' : ''}`} id={`${id}-hint`} title={error ?? hint.text}>
        {error ?? hint.text}
      </p>
    </fieldset>
  )
}
