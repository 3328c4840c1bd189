/** A minimal generate view: prompt, model, sampler, steps, generate/cancel, live preview, progress, result. */
import { useEffect, useState } from 'react'
import { SAMPLERS } from '../../../../shared/catalogue'
import type { ModelEntry } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { generateSelectors, setDraft, useGenerateStore } from '../../store/generate'
import { cancelGeneration, connectGenerateEvents, startGeneration } from './actions'
import { PreviewCanvas } from './PreviewCanvas'
import { QueueList } from './QueueList'
import './generate.css'

export function GeneratePanel({ client }: { client: StudioClient }): React.JSX.Element {
  const draft = useGenerateStore((s) => s.draft)
  const busy = useGenerateStore(generateSelectors.busy)
  const line = useGenerateStore(generateSelectors.progressLine)
  const resultUrl = useGenerateStore((s) => s.resultUrl)
  const status = useGenerateStore((s) => s.status)
  const [models, setModels] = useState<ModelEntry[]>([])

  useEffect(() => connectGenerateEvents(client), [client])
  useEffect(() => {
    client.call('studio:models:list', {}).then(
      (r) => setModels(r.models),
      () => setModels([])
    )
  }, [client])

  return (
    <section className="generate" aria-label="Generate">
      <form
        className="generate-form"
        onSubmit={(e) => {
          e.preventDefault()
          // While a job runs, Generate queues another one behind it.
          void startGeneration(client)
        }}
      >
        <label>
          Prompt
          <textarea value={draft.prompt} rows={3} onChange={(e) => setDraft({ prompt: e.target.value })} />
        </label>
        <div className="row">
          <label>
            Model
            <select value={draft.model} onChange={(e) => setDraft({ model: e.target.value })}>
              <option value="">(default)</option>
              {models.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Sampler
            <select value={draft.sampler} onChange={(e) => setDraft({ sampler: e.target.value })}>
              {SAMPLERS.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.displayName}
                </option>
              ))}
            </select>
          </label>
          <label>
            Steps
            <input type="number" min={1} max={150} value={draft.steps} onChange={(e) => setDraft({ steps: Number(e.target.value) })} />
          </label>
          <label>
            CFG
            <input type="number" min={0} max={30} step={0.5} value={draft.cfg} onChange={(e) => setDraft({ cfg: Number(e.target.value) })} />
          </label>
          <label>
            Seed
            <input value={draft.seed} inputMode="numeric" onChange={(e) => setDraft({ seed: e.target.value.trim() })} />
          </label>
          <label>
            Size
            <select
              value={`${draft.width}x${draft.height}`}
              onChange={(e) => {
                const [w, h] = e.target.value.split('x').map(Number)
                setDraft({ width: w, height: h })
              }}
            >
              {['64x64', '128x128', '256x256', '512x512', '768x768', '1024x1024'].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.previewsOn} onChange={(e) => setDraft({ previewsOn: e.target.checked })} /> Live preview
          </label>
        </div>
        <div className="row">
          <button type="submit">Generate</button>
          <button type="button" disabled={!busy} onClick={() => void cancelGeneration(client)}>
            Cancel
          </button>
        </div>
      </form>
      <p className="progress" role="status" data-status={status}>
        {line}
      </p>
      <div className="images">
        <figure>
          <PreviewCanvas />
          <figcaption>Preview</figcaption>
        </figure>
        <figure>
          {resultUrl ? <img className="result" src={resultUrl} alt="Generated image" width={256} height={256} /> : <div className="result empty" />}
          <figcaption>Result</figcaption>
        </figure>
      </div>
      <QueueList client={client} />
    </section>
  )
}
