/**
 * Sampler and schedule pickers with the catalogue's one-line description under the select, so an artist
 * sees what a choice does without leaving the form. Shared by the generate, gallery and sweep panels.
 */
import { useId } from 'react'
import { SAMPLERS, SCHEDULES, type SamplerKind } from '../../../shared/catalogue'
import './fields.css'

const KIND_LABEL: Readonly<Record<SamplerKind, string>> = { deterministic: 'Deterministic', ancestral: 'Ancestral (fresh noise each step)', sde: 'SDE (stochastic)' }
const KINDS: readonly SamplerKind[] = ['deterministic', 'ancestral', 'sde']

export interface SelectFieldProps {
  value: string
  onChange: (id: string) => void
  /** Visible label; default "Sampler" / "Schedule". */
  label?: string
  disabled?: boolean
}

export function SamplerSelect({ value, onChange, label = 'Sampler', disabled }: SelectFieldProps): React.JSX.Element {
  const id = useId()
  const info = SAMPLERS.find((s) => s.id === value)
  return (
    <div className="field described-select">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} disabled={disabled} aria-describedby={`${id}-desc`} onChange={(e) => onChange(e.target.value)}>
        {KINDS.map((k) => (
          <optgroup key={k} label={KIND_LABEL[k]}>
            {SAMPLERS.filter((s) => s.kind === k).map((s) => (
              <option key={s.id} value={s.id}>
                {s.aliasOf ? `${s.displayName} — alias of ${s.aliasOf.id}` : s.displayName}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      <p className="field-desc" id={`${id}-desc`} title={info?.description}>
        {info ? (info.aliasOf ? `${info.description} ${info.aliasOf.note}.` : info.description) : `Unknown sampler "${value}"; choose one from the list.`}
      </p>
    </div>
  )
}

export function ScheduleSelect({ value, onChange, label = 'Schedule', disabled }: SelectFieldProps): React.JSX.Element {
  const id = useId()
  const info = SCHEDULES.find((s) => s.id === value)
  return (
    <div className="field described-select">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} disabled={disabled} aria-describedby={`${id}-desc`} onChange={(e) => onChange(e.target.value)}>
        {SCHEDULES.map((s) => (
          <option key={s.id} value={s.id}>
            {s.displayName}
          </option>
        ))}
      </select>
      <p className="field-desc" id={`${id}-desc`} title={info?.description}>
        {info ? info.description : `Unknown schedule "${value}"; choose one from the list.`}
      </p>
    </div>
  )
}
