/**
 * The model manager: import a single-file checkpoint (.safetensors) with a progress bar and cancel, and
 * the models in the models folder with family, size, source checkpoint, its hash and the date imported;
 * rename, and remove after a confirmation (never the embedded default model).
 *
 * Choosing the file: the desktop app asks main to open its own file dialog (main then imports only what
 * was picked there); the web host, whose page runs in a browser without access to the studio's disk,
 * takes the checkpoint's full path typed in a field, which main checks. Every refusal is main's own
 * message (the importer's words: pickles, LoRA files, truncated headers, missing keys…).
 */
import { useEffect, useId } from 'react'
import type { ModelEntry } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { familyLabel } from '../../components/ModelSelect'
import { fieldError } from '../../store/presets'
import {
  importLine,
  importPercent,
  removeWarning,
  shortHash,
  shownName,
  sizeText,
  useModelsStore,
  withImportEvent,
  type ModelsViewState
} from '../../store/models'
import './models.css'

const set = useModelsStore.setState
const get = useModelsStore.getState

export async function loadModels(client: StudioClient): Promise<void> {
  try {
    const r = await client.call('studio:models:list', {})
    set({ models: r.models, modelsDir: r.modelsDir, listError: null })
  } catch (e) {
    set({ listError: fieldError(e, '(request)').message })
  }
}

/** Keeps import progress (and the list, when an import ends) current while any view is shown. */
export function useModelImportEvents(client: StudioClient | null): void {
  useEffect(() => {
    if (!client) return
    return client.on('studio:models:import', (e) => {
      set((s) => ({ imports: withImportEvent(s.imports, e) }))
      if (e.state === 'done') {
        set((s) => ({ version: s.version + 1 }))
        void loadModels(client)
      }
    })
  }, [client])
}

async function startImport(client: StudioClient): Promise<void> {
  const s = get()
  set({ importError: null, notice: null })
  let path: string | null
  if (client.transport === 'ipc') {
    try {
      path = (await client.call('studio:models:pick', {})).path
    } catch (e) {
      set({ importError: fieldError(e, 'path').message })
      return
    }
    if (!path) return // the dialog was cancelled
  } else {
    path = s.pathInput.trim()
    if (!path) {
      set({ importError: 'Checkpoint file is empty: type the full path of a .safetensors file on the studio’s computer.' })
      return
    }
  }
  try {
    const name = s.nameInput.trim()
    const r = await client.call('studio:models:import', { path, ...(name ? { name } : {}), family: s.family })
    // The first event may come before this answer; make sure the import shows at once either way.
    set((st) => (st.imports.some((i) => i.importId === r.importId) ? {} : { imports: withImportEvent(st.imports, { importId: r.importId, file: r.file, state: 'running', stage: 'check', done: 0, total: 0 }) }))
    set({ nameInput: '', pathInput: '' })
  } catch (e) {
    set({ importError: fieldError(e, 'path').message })
  }
}

async function rename(client: StudioClient): Promise<void> {
  const r = get().renaming
  if (!r) return
  try {
    const out = await client.call('studio:models:rename', { name: r.name, newName: r.value })
    set((s) => ({ renaming: null, notice: `Renamed “${r.name}” to “${out.name}”.`, rowError: null, version: s.version + 1 }))
    await loadModels(client)
  } catch (e) {
    set({ renaming: { ...r, error: fieldError(e, 'newName').message } })
  }
}

async function remove(client: StudioClient, name: string): Promise<void> {
  try {
    await client.call('studio:models:remove', { name })
    set((s) => ({ confirmRemove: null, notice: `Removed “${name}”.`, rowError: null, version: s.version + 1 }))
    await loadModels(client)
  } catch (e) {
    set({ confirmRemove: null, rowError: fieldError(e, 'name').message })
  }
}

function ImportForm({ client }: { client: StudioClient }): React.JSX.Element {
  const pathInput = useModelsStore((s) => s.pathInput)
  const nameInput = useModelsStore((s) => s.nameInput)
  const family = useModelsStore((s) => s.family)
  const error = useModelsStore((s) => s.importError)
  const imports = useModelsStore((s) => s.imports)
  const errId = useId()
  const desktop = client.transport === 'ipc'
  return (
    <form
      className="models-card"
      aria-label="Import a checkpoint"
      onSubmit={(e) => {
        e.preventDefault()
        void startImport(client)
      }}
    >
      <h3>Import a checkpoint</h3>
      <p className="hint">
        A single-file Stable Diffusion checkpoint (.safetensors: SD 1.x, SD 2.x, SDXL base) becomes a model here in seconds. Its weights are
        not copied: the model reads them from the file, which stays where it is. .ckpt files are refused (they can hide code).
      </p>
      {!desktop && (
        <label>
          Checkpoint file (full path on the studio’s computer)
          <input
            value={pathInput}
            spellCheck={false}
            placeholder="/home/me/Downloads/model.safetensors"
            aria-invalid={!!error}
            aria-describedby={error ? errId : undefined}
            onChange={(e) => set({ pathInput: e.target.value, importError: null })}
          />
        </label>
      )}
      <div className="row">
        <label>
          Name (optional)
          <input value={nameInput} spellCheck={false} placeholder="the file name" onChange={(e) => set({ nameInput: e.target.value })} />
        </label>
        <label>
          Family
          <select value={family} onChange={(e) => set({ family: e.target.value as ModelsViewState['family'] })}>
            <option value="auto">Detect from the file</option>
            <option value="sd1">SD 1.x</option>
            <option value="sd2">SD 2.x (512, epsilon)</option>
            <option value="sd2-v">SD 2.x (768, v-prediction)</option>
            <option value="sdxl">SDXL base</option>
          </select>
        </label>
        <button type="submit" className="primary">
          {desktop ? 'Import checkpoint…' : 'Import'}
        </button>
      </div>
      {error && (
        <span id={errId} className="field-error" role="alert">
          {error}
        </span>
      )}
      {imports.length > 0 && (
        <ul className="imports" aria-label="Imports">
          {imports
            .slice()
            .reverse()
            .map((i) => (
              <li key={i.importId} data-state={i.state}>
                {i.state === 'running' && <progress max={100} value={importPercent(i)} aria-label={`Importing ${i.file}`} />}
                <span className={i.state === 'failed' ? 'field-error' : 'import-line'} role={i.state === 'failed' ? 'alert' : undefined}>
                  {importLine(i)}
                </span>
                {i.state === 'running' && (
                  <button type="button" onClick={() => void client.call('studio:models:import:cancel', { importId: i.importId })}>
                    Cancel
                  </button>
                )}
                {i.state !== 'running' && (
                  <button type="button" className="link" onClick={() => set((s) => ({ imports: s.imports.filter((x) => x.importId !== i.importId) }))}>
                    Dismiss
                  </button>
                )}
              </li>
            ))}
        </ul>
      )}
    </form>
  )
}

function ModelRow({ client, m }: { client: StudioClient; m: ModelEntry }): React.JSX.Element {
  const renaming = useModelsStore((s) => (s.renaming?.name === m.name ? s.renaming : null))
  const confirming = useModelsStore((s) => s.confirmRemove === m.name)
  const when = m.imported?.importedAt ? new Date(m.imported.importedAt).toLocaleString() : '—'
  return (
    <tr data-model={m.name}>
      <td title={m.path}>
        {renaming ? (
          <form
            className="rename"
            onSubmit={(e) => {
              e.preventDefault()
              void rename(client)
            }}
          >
            <input
              aria-label={`New name for ${m.name}`}
              value={renaming.value}
              autoFocus
              spellCheck={false}
              onChange={(e) => set({ renaming: { ...renaming, value: e.target.value, error: null } })}
            />
            <button type="submit">Save</button>
            <button type="button" onClick={() => set({ renaming: null })}>
              Cancel
            </button>
            {renaming.error && (
              <span className="field-error" role="alert">
                {renaming.error}
              </span>
            )}
          </form>
        ) : (
          <>
            <strong>{shownName(m)}</strong>
            {m.isDefault && <span className="badge">default</span>}
            {m.problem && (
              <span className="field-error" title={m.problem}>
                {' '}
                cannot run
              </span>
            )}
          </>
        )}
      </td>
      <td>{m.family ? familyLabel(m) : '—'}</td>
      <td>{sizeText(m)}</td>
      <td title={m.imported?.path ?? 'a model folder put here by hand'}>{m.imported ? m.imported.file : 'model folder'}</td>
      <td title={m.imported?.sha256 ?? undefined}>
        <code>{shortHash(m.imported?.sha256)}</code>
      </td>
      <td>{when}</td>
      <td className="actions">
        {m.protected ? (
          <span className="hint">always there</span>
        ) : confirming ? (
          <span className="confirm" role="alertdialog" aria-label={`Remove ${m.name}?`}>
            <span>{removeWarning(m)}</span>
            <button type="button" className="danger" onClick={() => void remove(client, m.name)}>
              Remove
            </button>
            <button type="button" onClick={() => set({ confirmRemove: null })}>
              Keep
            </button>
          </span>
        ) : (
          <>
            <button type="button" onClick={() => set({ renaming: { name: m.name, value: m.name, error: null }, confirmRemove: null })}>
              Rename
            </button>
            <button type="button" onClick={() => set({ confirmRemove: m.name, renaming: null, rowError: null })}>
              Remove
            </button>
          </>
        )}
      </td>
    </tr>
  )
}

export function ModelsPanel({ client }: { client: StudioClient }): React.JSX.Element {
  const models = useModelsStore((s) => s.models)
  const modelsDir = useModelsStore((s) => s.modelsDir)
  const listError = useModelsStore((s) => s.listError)
  const rowError = useModelsStore((s) => s.rowError)
  const notice = useModelsStore((s) => s.notice)
  useEffect(() => {
    void loadModels(client)
  }, [client])
  return (
    <section className="models" aria-label="Models">
      <ImportForm client={client} />
      <div className="models-card">
        <h3>Models</h3>
        <p className="hint">{modelsDir ? `In ${modelsDir} (the models folder is chosen in Settings).` : ''}</p>
        {listError && (
          <p className="field-error" role="alert">
            {listError}
          </p>
        )}
        <table className="model-list" aria-label="Model list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Family</th>
              <th>Size</th>
              <th>Source</th>
              <th>sha256</th>
              <th>Imported</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <ModelRow key={m.name} client={client} m={m} />
            ))}
          </tbody>
        </table>
        {rowError && (
          <p className="field-error" role="alert">
            {rowError}
          </p>
        )}
        <p className="models-status" role="status" aria-live="polite">
          {notice ?? ''}
        </p>
      </div>
    </section>
  )
}
