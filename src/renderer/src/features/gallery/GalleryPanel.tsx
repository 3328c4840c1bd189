/**
 * The sampler gallery: pick samplers, schedules and step counts, run them as one grid job on one
 * prompt and seed, and watch the grid (rows = samplers, columns = schedules x steps) fill in live.
 */
import { useEffect, useRef, useState } from 'react'
import { SAMPLERS, SCHEDULES } from '../../../../shared/catalogue'
import { type ModelEntry } from '../../../../shared/api'
import { jobShape, memoryLine } from '../../../../shared/memory-estimate'
import { gridCellCount, MAX_GRID_CELLS } from '../../../../shared/sweep-grid'
import type { StudioClient } from '../../api'
import { gallerySelectors, setGalleryDraft, useGalleryStore } from '../../store/gallery'
import { gridProgressLine } from '../grid-job/job'
import { cancelGallery, connectGalleryEvents, runGallery, samplerName, scheduleName } from './actions'
import { useShortcuts } from '../generate/shortcuts'
import { CalibrateControl } from './CalibrateControl'
import { GalleryCellView } from './GalleryCell'
import { GalleryOverlay } from './Overlay'
import './gallery.css'

const toggle = (list: string[], id: string, on: boolean): string[] => (on ? (list.includes(id) ? list : [...list, id]) : list.filter((x) => x !== id))

/** Wires the client's events into the gallery store for as long as the caller is mounted. */
export function useGalleryEvents(client: StudioClient | null): void {
  useEffect(() => (client ? connectGalleryEvents(client) : undefined), [client])
}

export function GalleryPanel({ client }: { client: StudioClient }): React.JSX.Element {
  const draft = useGalleryStore((s) => s.draft)
  const busy = useGalleryStore(gallerySelectors.busy)
  const status = useGalleryStore((s) => s.status)
  const error = useGalleryStore((s) => s.error)
  const done = useGalleryStore(gallerySelectors.doneCount)
  const total = useGalleryStore((s) => s.cells.length)
  const [models, setModels] = useState<ModelEntry[]>([])
  const [available, setAvailable] = useState<number | null>(null)

  useEffect(() => {
    client.call('studio:models:list', {}).then(
      (r) => {
        setModels(r.models)
        setAvailable(r.availableMemory ?? null)
      },
      () => setModels([])
    )
  }, [client])

  const steps = gallerySelectors.stepList(useGalleryStore.getState())
  const planned = gridCellCount({ samplers: draft.samplers, schedules: draft.schedules, steps })
  const chosen = draft.model === '' ? models.find((m) => m.isDefault) : models.find((m) => m.name === draft.model)
  const memory = planned > 0 ? memoryLine(chosen?.memory, jobShape(Array.from({ length: planned }, () => draft)), available) : null
  const canRun = draft.samplers.length > 0 && draft.schedules.length > 0 && steps.length > 0 && planned <= MAX_GRID_CELLS && !memory?.over
  const root = useRef<HTMLElement>(null)
  // Ctrl/Cmd+Enter runs the gallery and Esc cancels it, as in the Generate view.
  useShortcuts(root, {
    generate: () => {
      if (canRun && !busy) void runGallery(client)
    },
    cancel: () => {
      if (busy) void cancelGallery(client)
    }
  })

  return (
    <section className="gallery" aria-label="Gallery" ref={root}>
      <form
        className="gallery-form"
        onSubmit={(e) => {
          e.preventDefault()
          void runGallery(client)
        }}
      >
        <div className="pickers">
          <fieldset>
            <legend>Samplers ({draft.samplers.length})</legend>
            <div className="checklist">
              {SAMPLERS.map((s) => (
                <label key={s.id} title={s.description}>
                  <input type="checkbox" data-sampler={s.id} checked={draft.samplers.includes(s.id)} onChange={(e) => setGalleryDraft({ samplers: toggle(draft.samplers, s.id, e.target.checked) })} />
                  {s.displayName} <span className={`kind ${s.kind}`}>{s.kind}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <fieldset>
            <legend>Schedules ({draft.schedules.length})</legend>
            <div className="checklist">
              {SCHEDULES.map((s) => (
                <label key={s.id} title={s.description}>
                  <input type="checkbox" data-schedule={s.id} checked={draft.schedules.includes(s.id)} onChange={(e) => setGalleryDraft({ schedules: toggle(draft.schedules, s.id, e.target.checked) })} />
                  {s.displayName}
                </label>
              ))}
            </div>
          </fieldset>
          <div className="fields">
            <label>
              Prompt
              <textarea value={draft.prompt} rows={2} onChange={(e) => setGalleryDraft({ prompt: e.target.value })} />
            </label>
            <label>
              Negative prompt
              <textarea value={draft.negativePrompt} rows={1} onChange={(e) => setGalleryDraft({ negativePrompt: e.target.value })} />
            </label>
            <div className="row">
              <label>
                Model
                <select value={draft.model} onChange={(e) => setGalleryDraft({ model: e.target.value })}>
                  <option value="">(default)</option>
                  {models.map((m) => (
                    <option key={m.name} value={m.name}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Steps (list)
                <input className="steps" value={draft.steps} placeholder="4, 8, 16" onChange={(e) => setGalleryDraft({ steps: e.target.value })} />
              </label>
              <label>
                Seed
                <input className="seed" value={draft.seed} inputMode="numeric" onChange={(e) => setGalleryDraft({ seed: e.target.value.trim() })} />
              </label>
              <label>
                CFG
                <input type="number" min={0} max={30} step={0.5} value={draft.cfg} onChange={(e) => setGalleryDraft({ cfg: Number(e.target.value) })} />
              </label>
              <label>
                Size
                <select
                  value={`${draft.width}x${draft.height}`}
                  onChange={(e) => {
                    const [w, h] = e.target.value.split('x').map(Number)
                    setGalleryDraft({ width: w, height: h })
                  }}
                >
                  {['64x64', '128x128', '256x256', '512x512', '768x768', '1024x1024'].map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </label>
            </div>
            <div className="row">
              <label className="inline" title="Solve the same ODE from the same noise at 200 Heun steps and show each cell's RMSE (latent) and PSNR (pixels) against it; about 400 extra model calls per seed">
                <input type="checkbox" data-reference checked={draft.reference === true} onChange={(e) => setGalleryDraft({ reference: e.target.checked })} />
                compare against a reference
              </label>
            </div>
            {draft.schedules.includes('score_optimal') && <CalibrateControl client={client} />}
            <div className="row">
              <button type="submit" disabled={!canRun || busy}>
                Run gallery
              </button>
              <button type="button" disabled={!busy} onClick={() => void cancelGallery(client)}>
                Cancel
              </button>
              <span className="plan">
                {planned} cell{planned === 1 ? '' : 's'}
                {planned > MAX_GRID_CELLS && ` (limit ${MAX_GRID_CELLS})`}
              </span>
            </div>
            {memory && (
              <p className={`field-desc memory-line${memory.over ? ' warn' : ''}`} aria-label="Memory estimate" title={memory.text}>
                {memory.text}
              </p>
            )}
          </div>
        </div>
      </form>
      <p className="progress" role="status" data-status={status}>
        {error ?? (status === 'idle' ? 'Pick samplers and schedules, then run.' : gridProgressLine(status, done, total))}
      </p>
      <GalleryGrid />
      <GalleryOverlay />
    </section>
  )
}

function GalleryGrid(): React.JSX.Element | null {
  const rows = useGalleryStore((s) => s.rows)
  const columns = useGalleryStore((s) => s.columns)
  const run = useGalleryStore((s) => s.run)
  if (rows.length === 0) return null
  return (
    <div className="gallery-scroll">
      <div key={run} className="gallery-grid" role="group" aria-label="Sampler grid" style={{ gridTemplateColumns: `110px repeat(${columns.length}, 172px)` }}>
        <div className="corner" />
        {columns.map((c, i) => (
          <div key={i} className="col-head">
            {scheduleName(c.schedule)}
            <span> · {c.steps} steps</span>
          </div>
        ))}
        {rows.map((sampler, r) => (
          <div key={sampler} className="gallery-row">
            <div className="row-head">
              {samplerName(sampler)}
            </div>
            {columns.map((_, c) => (
              <GalleryCellView key={c} index={r * columns.length + c} />
            ))}
          </div>
        ))}
      </div>
    </div>
  )
}
