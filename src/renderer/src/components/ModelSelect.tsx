/**
 * The model picker: each model folder with its detected family and variant (read from its configs by
 * main), the default model marked, folders that cannot run shown disabled with the reason. Under the
 * select, one line on the chosen model: native size, size step, and a hint for few-step models.
 */
import { useEffect, useId, useState } from 'react'
import type { ModelEntry } from '../../../shared/api'
import { familyLabel as label } from '../../../shared/model-family'
import type { StudioClient } from '../api'
import { useModelsStore } from '../store/models'
import './fields.css'

/** "SD 1.x", "SDXL Turbo", or "unsupported". */
export function familyLabel(m: Pick<ModelEntry, 'family' | 'variant'>): string {
  return label(m.family, m.variant)
}

/**
 * The model list, fetched once per client; `error` says why it is empty when the call failed.
 * `availableMemory`: bytes free for a job when the list was fetched (null until known).
 */
export function useModels(client: StudioClient | null): { models: ModelEntry[]; error: string | null; availableMemory: number | null } {
  const [state, setState] = useState<{ models: ModelEntry[]; error: string | null; availableMemory: number | null }>({ models: [], error: null, availableMemory: null })
  // Bumped by the model manager after an import, rename or remove: fetch the list again.
  const version = useModelsStore((s) => s.version)
  useEffect(() => {
    if (!client) return
    let live = true
    client.call('studio:models:list', {}).then(
      (r) => live && setState({ models: r.models, error: r.models.length === 0 ? `no model folders in ${r.modelsDir}` : null, availableMemory: r.availableMemory ?? null }),
      (e: Error) => live && setState({ models: [], error: e.message, availableMemory: null })
    )
    return () => {
      live = false
    }
  }, [client, version])
  return state
}

/** The entry a model value means ('' = the default model), if listed. */
export function resolveModel(models: readonly ModelEntry[], value: string): ModelEntry | undefined {
  return value === '' ? models.find((m) => m.isDefault) : models.find((m) => m.name === value || m.path === value)
}

export interface ModelSelectProps {
  models: readonly ModelEntry[]
  value: string
  onChange: (name: string) => void
  label?: string
  /** Why the list is empty, shown under the select. */
  error?: string | null
}

export function ModelSelect({ models, value, onChange, label = 'Model', error }: ModelSelectProps): React.JSX.Element {
  const id = useId()
  const def = models.find((m) => m.isDefault)
  const chosen = resolveModel(models, value)
  const known = value === '' || models.some((m) => m.name === value)
  let desc: string
  if (error) desc = error
  else if (!chosen) desc = value === '' ? 'The studio’s default model.' : `Model "${value}" is not in the models folder.`
  else if (chosen.problem) desc = `Cannot run: ${chosen.problem}`
  else {
    const size = chosen.nativeSize ? `native ${chosen.nativeSize.width}×${chosen.nativeSize.height}` : 'native size unknown'
    const fewStep = chosen.variant === 'turbo' || chosen.variant === 'lcm' ? ' · few-step model: try 4 steps, CFG 1' : ''
    desc = `${familyLabel(chosen)} · ${size} · sides in steps of ${chosen.sizeStep}${fewStep}`
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} aria-describedby={`${id}-desc`} onChange={(e) => onChange(e.target.value)}>
        <option value="">{def ? `Default (${def.name} · ${familyLabel(def)})` : 'Default model'}</option>
        {models.map((m) => (
          <option key={m.name} value={m.name} disabled={m.problem !== null} title={m.problem ?? m.path}>
            {`${m.name} · ${familyLabel(m)}${m.isDefault ? ' ★ default' : ''}${m.problem ? ' (cannot run)' : ''}`}
          </option>
        ))}
        {!known && <option value={value}>{value} (not found)</option>}
      </select>
      <p className={`field-desc${error || chosen?.problem || (!chosen && value !== '') ? ' warn' : ''}`} id={`${id}-desc`}>
        {desc}
      </p>
    </div>
  )
}
