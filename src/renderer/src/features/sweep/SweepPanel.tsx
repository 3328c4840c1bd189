/**
 * Guidance sweeps: base settings, an X and a Y axis over any sweepable parameter (as a list or a range),
 * run as ONE grid job whose cells fill in live (rows = Y values, columns = X values), then exported as
 * one labelled PNG. The cells are kept in the library as one group with both axes.
 */
import { useEffect } from 'react'
import { type SweepParam } from '../../../../shared/sweep'
import { AXIS_SYNTAX_HELP } from '../../../../shared/sweep-text'
import type { StudioClient } from '../../api'
import { ModelSelect, resolveModel, useModels } from '../../components/ModelSelect'
import { PromptField } from '../../components/PromptField'
import { SamplerSelect, ScheduleSelect } from '../../components/SamplerSelect'
import { SizeField } from '../../components/SizeField'
import { setSweepDraft, sweepSelectors, useSweepStore } from '../../store/sweep'
import { gridProgressLine } from '../grid-job/job'
import { cancelSweep, connectSweepEvents, exportSweepGrid, runSweep } from './actions'
import { AxisField } from './AxisField'
import { planSweep } from './plan'
import { SweepCellView } from './SweepCell'
import { SweepOverlay } from './SweepOverlay'
import './sweep.css'

/** Wires the client's events into the sweep store for as long as the caller is mounted. */
export function useSweepEvents(client: StudioClient | null): void {
  useEffect(() => (client ? connectSweepEvents(client) : undefined), [client])
}

export function SweepPanel({ client }: { client: StudioClient }): React.JSX.Element {
  const draft = useSweepStore((s) => s.draft)
  const busy = useSweepStore(sweepSelectors.busy)
  const status = useSweepStore((s) => s.status)
  const error = useSweepStore((s) => s.error)
  const done = useSweepStore(sweepSelectors.doneCount)
  const total = useSweepStore((s) => s.cells.length)
  const { models, error: modelsError, availableMemory } = useModels(client)
  const chosen = resolveModel(models, draft.model)
  const plan = planSweep(draft, chosen ? { sizeStep: chosen.sizeStep, memory: chosen.memory, available: availableMemory } : undefined)
  // A base field that an axis sweeps is not used; say so instead of letting it look meaningful.
  const swept = (p: SweepParam): boolean => draft.x.param === p || draft.y.param === p

  return (
    <section className="sweep" aria-label="Sweep">
      <form
        className="sweep-form"
        aria-label="Sweep settings"
        onSubmit={(e) => {
          e.preventDefault()
          if (!busy) void runSweep(client)
        }}
      >
        <AxisField which="x" disabled={busy} />
        <AxisField which="y" disabled={busy} />
        <details className="syntax">
          <summary>Axis syntax</summary>
          <ul>
            {AXIS_SYNTAX_HELP.map((h) => (
              <li key={h}>{h}</li>
            ))}
          </ul>
        </details>
        <div className="actions">
          <button type="submit" className="primary" disabled={!plan.ok || busy}>
            Run sweep
          </button>
          <button type="button" disabled={!busy} onClick={() => void cancelSweep(client)}>
            Cancel
          </button>
          <span className="plan" aria-label="Planned cells">
            {plan.cells === null ? '–' : `${plan.cells} cell${plan.cells === 1 ? '' : 's'}`}
          </span>
        </div>
        <p className={`field-desc plan-problem${plan.ok ? '' : ' warn'}`} title={plan.ok ? '' : plan.error}>
          {plan.ok ? `Rows = Y values, columns = X values.${plan.memory ? ` ${plan.memory}` : ''}` : plan.error}
        </p>
        <h3 className="base-head">Base settings</h3>
        <PromptField label="Prompt" value={draft.prompt} onChange={(prompt) => setSweepDraft({ prompt })} client={client} model={draft.model} rows={2} />
        <PromptField label="Negative prompt" value={draft.negativePrompt} onChange={(negativePrompt) => setSweepDraft({ negativePrompt })} client={client} model={draft.model} rows={1} />
        <ModelSelect models={models} value={draft.model} onChange={(model) => setSweepDraft({ model })} error={modelsError} />
        <div className="pair">
          <SamplerSelect value={draft.sampler} disabled={swept('sampler')} label={swept('sampler') ? 'Sampler (swept)' : 'Sampler'} onChange={(sampler) => setSweepDraft({ sampler })} />
          <ScheduleSelect value={draft.schedule} disabled={swept('schedule')} label={swept('schedule') ? 'Schedule (swept)' : 'Schedule'} onChange={(schedule) => setSweepDraft({ schedule })} />
        </div>
        <div className="triple">
          <NumberField label="Steps" swept={swept('steps')} value={draft.steps} min={1} step={1} onChange={(steps) => setSweepDraft({ steps })} />
          <NumberField label="CFG" swept={swept('cfg')} value={draft.cfg} min={0} step={0.5} onChange={(cfg) => setSweepDraft({ cfg })} />
          <div className="field">
            <label htmlFor="sweep-seed">{swept('seed') ? 'Seed (swept)' : 'Seed'}</label>
            <input id="sweep-seed" value={draft.seed} inputMode="numeric" disabled={swept('seed')} onChange={(e) => setSweepDraft({ seed: e.target.value.trim() })} />
          </div>
        </div>
        <SizeField width={draft.width} height={draft.height} step={chosen?.sizeStep ?? 8} native={chosen?.nativeSize ?? null} onChange={({ width, height }) => setSweepDraft({ width, height })} />
      </form>
      <div className="sweep-result">
        <p className="progress" role="status" data-status={status}>
          {error ?? (status === 'idle' ? 'Choose two axes, then run the sweep.' : gridProgressLine(status, done, total))}
        </p>
        {/* Above the grid, so it stays in view however large the grid is. */}
        <ExportBar client={client} />
        <SweepGrid />
      </div>
      <SweepOverlay />
    </section>
  )
}

function NumberField(props: { label: string; swept: boolean; value: number; min: number; step: number; onChange: (v: number) => void }): React.JSX.Element {
  const id = `sweep-${props.label.toLowerCase()}`
  return (
    <div className="field">
      <label htmlFor={id}>{props.swept ? `${props.label} (swept)` : props.label}</label>
      <input id={id} type="number" min={props.min} step={props.step} value={props.value} disabled={props.swept} onChange={(e) => props.onChange(e.target.valueAsNumber)} />
    </div>
  )
}

function SweepGrid(): React.JSX.Element | null {
  const x = useSweepStore((s) => s.x)
  const y = useSweepStore((s) => s.y)
  const run = useSweepStore((s) => s.run)
  if (!x || !y) return null
  const hasY = y.param !== ''
  return (
    <div className="sweep-scroll">
      <div key={run} className="sweep-grid" role="group" aria-label="Sweep grid" style={{ gridTemplateColumns: `${hasY ? '96px ' : ''}repeat(${x.labels.length}, 172px)` }}>
        {hasY && (
          <div className="corner" aria-hidden="true">
            <span>X → {x.label}</span>
            <span>Y ↓ {y.label}</span>
          </div>
        )}
        {x.labels.map((l, i) => (
          <div key={i} className="col-head" title={`${x.label} ${l}`}>
            {!hasY && <span className="axis-name">{x.label} </span>}
            {l}
          </div>
        ))}
        {y.labels.map((l, r) => (
          <div key={r} className="sweep-row">
            {hasY && (
              <div className="row-head" title={`${y.label} ${l}`}>
                {l}
              </div>
            )}
            {x.labels.map((_, c) => (
              <SweepCellView key={c} index={r * x.labels.length + c} />
            ))}
          </div>
        ))}
      </div>
    </div>
  )
}

function ExportBar({ client }: { client: StudioClient }): React.JSX.Element | null {
  const status = useSweepStore((s) => s.status)
  const done = useSweepStore(sweepSelectors.doneCount)
  const exported = useSweepStore((s) => s.exported)
  if (status === 'idle') return null
  const finished = status === 'completed' || status === 'cancelled' || status === 'failed'
  return (
    <div className="export-bar">
      <button type="button" disabled={!finished || done === 0 || exported.status === 'working'} onClick={() => void exportSweepGrid(client)}>
        Export grid PNG
      </button>
      <span className="export-state" role="status" aria-label="Export">
        {exported.status === 'working' && 'Composing the grid…'}
        {exported.status === 'failed' && <span className="warn">Export failed: {exported.error}</span>}
        {exported.status === 'done' && (
          <>
            <a href={exported.url} download={exported.fileName} data-width={exported.width} data-height={exported.height}>
              Download {exported.fileName}
            </a>{' '}
            <span className="where">
              ({exported.width}×{exported.height}){exported.path ? ` · saved to ${exported.path}` : ' · not saved on disk: the studio runs without a library'}
            </span>
          </>
        )}
        {exported.status === 'idle' && (finished ? (done === 0 ? 'Nothing to export: no cell finished.' : '\u00a0') : 'Export becomes available when the sweep ends.')}
      </span>
    </div>
  )
}
