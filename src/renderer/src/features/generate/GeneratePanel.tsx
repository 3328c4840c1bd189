/**
 * The generate view: the form on the left (model, prompts with token counts, sampler and schedule with
 * their descriptions, steps, CFG, size, batch, seed), the output on the right (live preview and result in
 * fixed-size frames, progress bar, the batch's images, the queue). An init image under "Image to image"
 * makes the job img2img. Ctrl/Cmd+Enter generates and Esc cancels from anywhere in the view. A PNG,
 * .json or infotext file dropped on the view (or infotext pasted) fills the form (settings-drop.ts).
 */
import { useEffect, useRef } from 'react'
import { LIMITS } from '../../../../shared/params'
import type { StudioClient } from '../../api'
import { AdvancedFields } from '../../components/AdvancedFields'
import { ModelSelect, resolveModel, useModels } from '../../components/ModelSelect'
import { PromptField } from '../../components/PromptField'
import { SamplerSelect, ScheduleSelect } from '../../components/SamplerSelect'
import { SeedField } from '../../components/SeedField'
import { MemoryLine } from '../../components/MemoryLine'
import { fitsIn } from '../../components/size-presets'
import { jobShape } from '../../../../shared/memory-estimate'
import { SizeField } from '../../components/SizeField'
import { generateSelectors, setDraft, useGenerateStore } from '../../store/generate'
import { cancelGeneration, chooseModel, chooseSampler, chooseSchedule, ensureGenerateEvents, modelDefaultsPatch, reuseLastSeed, startGeneration } from './actions'
import { draftErrors } from './draft-errors'
import { GenerateOutput } from './GenerateOutput'
import { HiresSection } from './HiresSection'
import { Img2ImgField } from './Img2ImgField'
import { settingsDropHandlers } from './settings-drop'
import { SettingsDropNotice } from './SettingsDropNotice'
import { SHORTCUT_HINTS, useShortcuts } from './shortcuts'
import './generate.css'

/** A number input's value: '' while the field is empty or half-typed (NaN), so typing is not fought. */
const shown = (n: number): number | '' => (Number.isNaN(n) ? '' : n)

export function GeneratePanel({ client }: { client: StudioClient }): React.JSX.Element {
  const draft = useGenerateStore((s) => s.draft)
  const busy = useGenerateStore(generateSelectors.busy)
  const lastSeed = useGenerateStore((s) => s.lastSeed)
  const img2img = useGenerateStore((s) => s.init !== null)
  const { models, error: modelsError, availableMemory } = useModels(client)
  const root = useRef<HTMLElement>(null)

  useEffect(() => ensureGenerateEvents(client), [client])
  // Once the models are known, a form still at its initial values takes the chosen model's defaults.
  useEffect(() => {
    const d = useGenerateStore.getState().draft
    const patch = modelDefaultsPatch(d, undefined, resolveModel(models, d.model))
    if (Object.keys(patch).length > 0) setDraft(patch)
  }, [models])

  const model = resolveModel(models, draft.model)
  const step = model?.sizeStep ?? 8
  const errors = draftErrors(draft, step, img2img, { info: model?.memory ?? null, available: availableMemory })
  const generate = (): void => void startGeneration(client, models)
  const cancel = (): void => void cancelGeneration(client)
  useShortcuts(root, { generate, cancel })

  return (
    <section className="generate" aria-label="Generate" ref={root} {...settingsDropHandlers(client)}>
      <form
        className="generate-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          // While a job runs, Generate queues another one behind it.
          generate()
        }}
      >
        <SettingsDropNotice />
        <ModelSelect models={models} value={draft.model} error={modelsError} onChange={(name) => chooseModel(name, models)} />
        <PromptField
          label="Prompt"
          client={client}
          model={draft.model}
          rows={4}
          placeholder="What to make, e.g. a red fox in the snow, watercolour (left empty, the model draws whatever it likes)"
          value={draft.prompt}
          onChange={(prompt) => setDraft({ prompt })}
        />
        <PromptField
          label="Negative prompt"
          client={client}
          model={draft.model}
          rows={2}
          placeholder="What to keep out of the image"
          value={draft.negativePrompt}
          onChange={(negativePrompt) => setDraft({ negativePrompt })}
        />
        {/* Right under the prompts: like them, the init image is what the picture is made from. */}
        <Img2ImgField client={client} sizeStep={step} error={errors.strength} />
        <div className="pair">
          <SamplerSelect value={draft.sampler} onChange={chooseSampler} />
          <ScheduleSelect value={draft.schedule} onChange={chooseSchedule} />
        </div>
        <div className="numbers">
          <NumberField label="Steps" value={draft.steps} min={1} max={LIMITS.maxSteps} step={1} error={errors.steps} onChange={(steps) => setDraft({ steps })} />
          <NumberField label="CFG" value={draft.cfg} min={0} max={LIMITS.maxCfg} step={0.5} error={errors.cfg} onChange={(cfg) => setDraft({ cfg })} />
          <NumberField
            label="Rescale"
            title="Guidance rescale (0 = off, 0.7 typical for v-prediction models)"
            value={draft.guidance.rescale}
            min={0}
            max={1}
            step={0.05}
            onChange={(rescale) => setDraft({ guidance: { ...draft.guidance, rescale } })}
          />
          <NumberField label="Batch" value={draft.batchSize} min={1} max={LIMITS.maxBatch} step={1} error={errors.batchSize} onChange={(batchSize) => setDraft({ batchSize })} />
        </div>
        {(errors.steps ?? errors.cfg ?? errors.batchSize) && <p className="field-desc warn">{errors.steps ?? errors.cfg ?? errors.batchSize}</p>}
        <SizeField width={draft.width} height={draft.height} step={step} native={model?.nativeSize ?? null} error={errors.size} onChange={(size) => setDraft(size)} fits={fitsIn(model, availableMemory, draft)} />
        {!errors.size && <MemoryLine memory={model?.memory} job={jobShape(Array.from({ length: Math.max(1, Math.min(draft.batchSize || 1, LIMITS.maxBatch)) }, () => draft))} available={availableMemory} />}
        <SeedField
          seed={draft.seed}
          mode={draft.seedMode}
          lastSeed={lastSeed}
          error={errors.seed}
          onSeed={(seed) => setDraft({ seed })}
          onMode={(seedMode) => setDraft({ seedMode })}
          onReuse={reuseLastSeed}
        />
        <HiresSection sizeStep={step} img2img={img2img} />
        <AdvancedFields value={draft} onChange={(patch) => setDraft(patch)} />
        <div className="actions">
          <label className="check">
            <input type="checkbox" checked={draft.previewsOn} onChange={(e) => setDraft({ previewsOn: e.target.checked })} /> Live preview
          </label>
          <button type="button" disabled={!busy} aria-keyshortcuts={SHORTCUT_HINTS.cancel.aria} title={`Cancel the job shown (${SHORTCUT_HINTS.cancel.text})`} onClick={cancel}>
            Cancel <kbd aria-hidden="true">{SHORTCUT_HINTS.cancel.text}</kbd>
          </button>
          <button type="submit" className="primary" aria-keyshortcuts={SHORTCUT_HINTS.generate.aria} title={`Generate (${SHORTCUT_HINTS.generate.text}); while a job runs, this queues another`}>
            Generate <kbd aria-hidden="true">{SHORTCUT_HINTS.generate.text}</kbd>
          </button>
        </div>
      </form>
      <GenerateOutput client={client} />
    </section>
  )
}

interface NumberFieldProps {
  label: string
  value: number
  min: number
  max: number
  step: number
  onChange: (v: number) => void
  error?: string
  title?: string
}

function NumberField({ label, value, min, max, step, onChange, error, title }: NumberFieldProps): React.JSX.Element {
  return (
    <label className="field number-field" title={error ?? title}>
      {label}
      <input type="number" min={min} max={max} step={step} value={shown(value)} aria-invalid={error ? true : undefined} onChange={(e) => onChange(e.target.valueAsNumber)} />
    </label>
  )
}
