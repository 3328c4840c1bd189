/**
 * One sweep axis: which parameter it varies and its values as typed (a list or a range), with the
 * parse result live under the field — "3 values: 1, 4, 7" or the error naming the bad token. The
 * feedback line has a fixed height so typing never moves the form.
 */
import { useId } from 'react'
import { SWEEP_PARAM_IDS, SWEEP_PARAMS, formatSweepValue, type SweepParam } from '../../../../shared/sweep'
import { AXIS_SYNTAX_HELP } from '../../../../shared/sweep-text'
import { AXIS_NAMES, parseDraftAxis, setSweepAxis, useSweepStore } from '../../store/sweep'

export function AxisField({ which, disabled }: { which: 'x' | 'y'; disabled?: boolean }): React.JSX.Element {
  const id = useId()
  const axis = useSweepStore((s) => s.draft[which])
  const name = AXIS_NAMES[which]
  const parsed = parseDraftAxis(axis, which)
  const info = axis.param === '' ? null : SWEEP_PARAMS[axis.param]
  let feedback: string
  if (!parsed) feedback = 'No Y axis: the sweep is one row.'
  else if (!parsed.ok) feedback = parsed.error
  else {
    const shown = parsed.values.map((v) => formatSweepValue(axis.param as SweepParam, v))
    const list = shown.length > 8 ? `${shown.slice(0, 8).join(', ')}, …` : shown.join(', ')
    feedback = `${parsed.values.length} value${parsed.values.length === 1 ? '' : 's'}: ${list}`
  }
  const bad = parsed !== null && !parsed.ok
  return (
    <fieldset className="field axis-field" data-axis={which}>
      <legend>{name}</legend>
      <div className="axis-row">
        <select
          id={`${id}-param`}
          aria-label={`${name} parameter`}
          value={axis.param}
          disabled={disabled}
          onChange={(e) => {
            const param = e.target.value as SweepParam | ''
            // A new parameter starts from its example, so the axis is valid right away.
            setSweepAxis(which, { param, text: param === '' ? '' : SWEEP_PARAMS[param].example })
          }}
        >
          {which === 'y' && <option value="">None (one row)</option>}
          {SWEEP_PARAM_IDS.map((p) => (
            <option key={p} value={p} title={SWEEP_PARAMS[p].description}>
              {SWEEP_PARAMS[p].label}
            </option>
          ))}
        </select>
        <input
          aria-label={`${name} values`}
          value={axis.text}
          disabled={disabled || axis.param === ''}
          placeholder={info?.example ?? ''}
          spellCheck={false}
          aria-invalid={bad || undefined}
          aria-describedby={`${id}-feedback`}
          title={`Values as a list or a range:\n${AXIS_SYNTAX_HELP.join('\n')}`}
          onChange={(e) => setSweepAxis(which, { text: e.target.value })}
        />
      </div>
      <p id={`${id}-feedback`} className={`field-desc axis-feedback${bad ? ' warn' : ''}`} role={bad ? 'alert' : undefined} title={feedback}>
        {feedback}
      </p>
    </fieldset>
  )
}
