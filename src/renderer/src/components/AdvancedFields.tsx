/**
 * The settings most people leave alone, folded under one disclosure: the chosen sampler's options (eta,
 * s_noise, churn, order, …, exactly those the catalogue lists for it), the schedule's parameters, the
 * guidance modifiers (CFG sigma interval, dynamic thresholding, clip_sample) and the noise modifiers.
 * An empty box means "the default"; the summary lists whatever is set, so a loaded preset's eta is never
 * applied unseen while the section is closed.
 */
import { useEffect, useState } from 'react'
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from '../../../shared/catalogue'
import { advancedDefaults, advancedSummary, type AdvancedValue } from './advanced-summary'
import './fields.css'

export type { AdvancedValue } from './advanced-summary'

/** A number box where empty means "not set"; a half-typed number ("-", "1e") is not reported. */
function OptionalNumber({ label, value, placeholder, step = 'any', onChange }: { label: string; value: number | null | undefined; placeholder: string; step?: number | 'any'; onChange: (v: number | null) => void }): React.JSX.Element {
  return (
    <label className="field number-field">
      {label}
      <input
        type="number"
        step={step}
        value={value ?? ''}
        placeholder={placeholder}
        onChange={(e) => {
          if (e.target.value === '') onChange(null)
          else if (!Number.isNaN(e.target.valueAsNumber)) onChange(e.target.valueAsNumber)
        }}
      />
    </label>
  )
}

export function AdvancedFields({ value, onChange }: { value: AdvancedValue; onChange: (patch: Partial<AdvancedValue>) => void }): React.JSX.Element {
  const sampler = SAMPLER_BY_ID.get(value.sampler)
  const schedule = SCHEDULE_BY_ID.get(value.schedule)
  const summary = advancedSummary(value)
  const setOption = (k: string, x: number | string | boolean | null): void => {
    const next = { ...value.samplerOptions }
    if (x === null || x === '') delete next[k]
    else next[k] = x
    onChange({ samplerOptions: next })
  }
  const setParam = (k: string, x: number | null): void => {
    const next = { ...value.scheduleParams }
    if (x === null) delete next[k]
    else next[k] = x
    onChange({ scheduleParams: next })
  }
  const g = value.guidance
  // Only a complete pair is an interval; one box filled in alone waits here for the other.
  const [pending, setPending] = useState<[number | null, number | null]>([null, null])
  const setInterval = (i: 0 | 1, x: number | null): void => {
    const next: [number | null, number | null] = [...(g.interval ?? pending)]
    next[i] = x
    setPending(next)
    onChange({ guidance: { ...g, interval: next[0] !== null && next[1] !== null ? [next[0], next[1]] : null } })
  }
  const shownInterval = g.interval ?? pending
  // Opened whenever something is set (a loaded preset's eta must not hide in a closed section); closing is the user's.
  const [open, setOpen] = useState(summary.length > 0)
  const anySet = summary.length > 0
  useEffect(() => {
    if (anySet) setOpen(true)
  }, [anySet])
  return (
    <details className="advanced" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        More options<span className="advanced-summary">{summary.length > 0 ? ` · ${summary.join(', ')}` : ''}</span>
      </summary>
      <div className="advanced-grid">
        {sampler?.optionSpecs.map((o) =>
          o.type === 'choice' ? (
            <label key={o.name} className="field number-field" title={o.description}>
              {o.name}
              <select value={String(value.samplerOptions[o.name] ?? '')} onChange={(e) => setOption(o.name, e.target.value || null)}>
                <option value="">default ({o.default})</option>
                {o.choices.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </label>
          ) : o.type === 'boolean' ? (
            <label key={o.name} className="field number-field" title={o.description}>
              {o.name}
              <select value={value.samplerOptions[o.name] === undefined ? '' : String(value.samplerOptions[o.name])} onChange={(e) => setOption(o.name, e.target.value === '' ? null : e.target.value === 'true')}>
                <option value="">default ({String(o.default)})</option>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            </label>
          ) : (
            <OptionalNumber key={o.name} label={o.name} value={value.samplerOptions[o.name] as number | undefined} placeholder={o.default === undefined ? 'model' : String(o.default)} step={o.type === 'integer' ? 1 : 'any'} onChange={(x) => setOption(o.name, x)} />
          )
        )}
        {schedule &&
          Object.entries(schedule.params).map(([k, d]) => <OptionalNumber key={k} label={k} value={value.scheduleParams[k]} placeholder={String(d)} onChange={(x) => setParam(k, x)} />)}
        <OptionalNumber label="Guidance σ min" value={shownInterval[0]} placeholder="always" onChange={(x) => setInterval(0, x)} />
        <OptionalNumber label="Guidance σ max" value={shownInterval[1]} placeholder="always" onChange={(x) => setInterval(1, x)} />
        <OptionalNumber label="Threshold" value={g.thresholdPercentile} placeholder="off" onChange={(x) => onChange({ guidance: { ...g, thresholdPercentile: x } })} />
        <OptionalNumber label="Clip x0" value={g.clipSample} placeholder="off" onChange={(x) => onChange({ guidance: { ...g, clipSample: x } })} />
        <OptionalNumber label="Temperature" value={value.noise.temperature === 1 ? null : value.noise.temperature} placeholder="1" onChange={(x) => onChange({ noise: { ...value.noise, temperature: x ?? 1 } })} />
        <OptionalNumber label="Injection" value={value.noise.noiseInjection === 0 ? null : value.noise.noiseInjection} placeholder="0" onChange={(x) => onChange({ noise: { ...value.noise, noiseInjection: x ?? 0 } })} />
      </div>
      {summary.length > 0 && (
        <button type="button" className="advanced-reset" onClick={() => onChange(advancedDefaults(value))}>
          Reset these to defaults
        </button>
      )}
    </details>
  )
}
