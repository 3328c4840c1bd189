/**
 * The presets view: save the Generate form's settings under a name, the saved presets with apply,
 * rename, delete and export (our JSON, A1111 infotext, ComfyUI API workflow), and import from a file
 * (.json, .txt infotext, .png) or pasted text. Errors appear beside the input they concern; what is
 * wrong inside an imported file is listed field by field.
 */
import { useEffect, useId, useRef } from 'react'
import { PRESET_EXPORT_FORMATS, type PresetDoc, type PresetProblem } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { presetSummary, usePresetsStore, type FieldError } from '../../store/presets'
import {
  applyPreset,
  chooseImportFile,
  deletePreset,
  exportPresets,
  finishRename,
  FORMAT_LABEL,
  importPresets,
  loadPresets,
  savePreset,
  startRename
} from './actions'
import './presets.css'

const set = usePresetsStore.setState

/** The error line under an input, linked to it with aria-describedby. */
function FieldMessage({ id, error }: { id: string; error: FieldError | null }): React.JSX.Element | null {
  if (!error) return null
  return (
    <span id={id} className="field-error" role="alert">
      {error.field.includes('.') ? <code>{error.field}</code> : null} {error.message}
    </span>
  )
}

/** Why an import was refused, field by field (shown under the file input or the pasted text, whichever was used). */
function ImportProblems({ source, problems }: { source: string; problems: PresetProblem[] }): React.JSX.Element | null {
  if (problems.length === 0) return null
  return (
    <div className="problems" role="alert">
      <p>
        Nothing was imported: {source} has {problems.length === 1 ? 'a problem' : `${problems.length} problems`}:
      </p>
      <ul aria-label="Problems in the imported preset">
        {problems.map((p, i) => (
          <li key={i} data-field={p.field ?? ''}>
            {p.field ? <code>{p.field}</code> : null} {p.message}
          </li>
        ))}
      </ul>
    </div>
  )
}

function SaveForm({ client }: { client: StudioClient }): React.JSX.Element {
  const name = usePresetsStore((s) => s.saveName)
  const overwrite = usePresetsStore((s) => s.saveOverwrite)
  const error = usePresetsStore((s) => s.saveError)
  const errId = useId()
  return (
    <form
      className="presets-card"
      aria-label="Save current settings"
      onSubmit={(e) => {
        e.preventDefault()
        void savePreset(client)
      }}
    >
      <h3>Save the Generate settings</h3>
      <p className="hint">Everything in the Generate form except the model: prompt, sampler, schedule, steps, CFG, seed, size and modifiers.</p>
      <label>
        Preset name
        <input value={name} maxLength={200} aria-invalid={!!error} aria-describedby={error ? errId : undefined} onChange={(e) => set({ saveName: e.target.value, saveError: null })} />
      </label>
      <FieldMessage id={errId} error={error} />
      <div className="row">
        <label className="check">
          <input type="checkbox" checked={overwrite} onChange={(e) => set({ saveOverwrite: e.target.checked })} />
          Replace a preset of the same name
        </label>
        <button type="submit" className="primary">
          Save preset
        </button>
      </div>
    </form>
  )
}

function PresetRow({ client, p }: { client: StudioClient; p: PresetDoc }): React.JSX.Element {
  const renaming = usePresetsStore((s) => s.renaming === p.name)
  const renameTo = usePresetsStore((s) => s.renameTo)
  const renameError = usePresetsStore((s) => s.renameError)
  const confirm = usePresetsStore((s) => s.confirmDelete === p.name)
  const errId = useId()
  return (
    <li className="preset-row" data-preset={p.name} aria-label={p.name}>
      <div className="head">
        {renaming ? (
          <form
            className="rename"
            onSubmit={(e) => {
              e.preventDefault()
              void finishRename(client)
            }}
          >
            <label>
              New name for {p.name}
              <input
                autoFocus
                value={renameTo}
                aria-invalid={!!renameError}
                aria-describedby={renameError ? errId : undefined}
                onChange={(e) => set({ renameTo: e.target.value, renameError: null })}
                onKeyDown={(e) => e.key === 'Escape' && set({ renaming: null })}
              />
            </label>
            <button type="submit">Save name</button>
            <button type="button" onClick={() => set({ renaming: null })}>
              Cancel
            </button>
            <FieldMessage id={errId} error={renameError} />
          </form>
        ) : (
          <>
            <strong className="name">{p.name}</strong>
            <span className="summary">{presetSummary(p)}</span>
          </>
        )}
      </div>
      {p.params.prompt ? <p className="prompt">{p.params.prompt}</p> : null}
      <div className="actions">
        <button type="button" className="primary" aria-label={`Apply ${p.name}`} onClick={() => void applyPreset(client, p.name)}>
          Apply
        </button>
        <button type="button" aria-label={`Rename ${p.name}`} onClick={() => startRename(p.name)} disabled={renaming}>
          Rename
        </button>
        <span className="export" role="group" aria-label={`Export ${p.name}`}>
          Export:
          {PRESET_EXPORT_FORMATS.map((f) => (
            <button key={f} type="button" aria-label={`Export ${p.name} as ${FORMAT_LABEL[f]}`} onClick={() => void exportPresets(client, p.name, f)}>
              {FORMAT_LABEL[f]}
            </button>
          ))}
        </span>
        {confirm ? (
          <span className="confirm" role="group" aria-label={`Confirm deleting ${p.name}`}>
            Delete “{p.name}”?
            <button type="button" className="danger" onClick={() => void deletePreset(client, p.name)}>
              Delete
            </button>
            <button type="button" onClick={() => set({ confirmDelete: null })}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="danger" aria-label={`Delete ${p.name}`} onClick={() => set({ confirmDelete: p.name, renaming: null })}>
            Delete…
          </button>
        )}
      </div>
    </li>
  )
}

function ImportForm({ client }: { client: StudioClient }): React.JSX.Element {
  const text = usePresetsStore((s) => s.importText)
  const name = usePresetsStore((s) => s.importName)
  const file = usePresetsStore((s) => s.importFile)
  const result = usePresetsStore((s) => s.importResult)
  const error = usePresetsStore((s) => s.importError)
  const fileInput = useRef<HTMLInputElement>(null)
  const textErr = useId()
  const fileErr = useId()
  const nameErr = useId()
  useEffect(() => {
    if (!file && fileInput.current) fileInput.current.value = ''
  }, [file])
  // A problem with the chosen file shows under the file picker; one with pasted text under the text box.
  const onFile = error && (error.field === 'file' || error.field === 'bytes' || error.field === 'filename') ? error : null
  const onText = error && (error.field === 'text' || error.field === 'mode') ? error : null
  const onName = error && error.field === 'name' ? error : null
  return (
    <form
      className="presets-card"
      aria-label="Import presets"
      onSubmit={(e) => {
        e.preventDefault()
        void importPresets(client)
      }}
    >
      <h3>Import</h3>
      <p className="hint">Our preset JSON (one or a bundle), A1111 infotext (a .txt file or pasted), or a PNG carrying its settings (ours or A1111’s).</p>
      <label>
        Preset file
        <input
          ref={fileInput}
          type="file"
          accept=".json,.txt,.png,application/json,text/plain,image/png"
          aria-invalid={!!onFile}
          aria-describedby={onFile ? fileErr : undefined}
          onChange={(e) => void chooseImportFile(e.target.files?.[0] ?? null)}
        />
      </label>
      <FieldMessage id={fileErr} error={onFile} />
      {file && result && <ImportProblems source={`“${file.name}”`} problems={result.problems} />}
      <label>
        Or paste infotext or preset JSON
        <textarea
          rows={4}
          value={text}
          disabled={!!file}
          placeholder={'a castle on a hill\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 5, Size: 512x512'}
          aria-invalid={!!onText}
          aria-describedby={onText ? textErr : undefined}
          onChange={(e) => set({ importText: e.target.value, importError: null, importResult: null })}
        />
      </label>
      <FieldMessage id={textErr} error={onText} />
      {!file && result && <ImportProblems source="the text" problems={result.problems} />}
      <label>
        Name (for infotext and PNGs, which carry none)
        <input value={name} aria-invalid={!!onName} aria-describedby={onName ? nameErr : undefined} onChange={(e) => set({ importName: e.target.value, importError: null })} />
      </label>
      <FieldMessage id={nameErr} error={onName} />
      <div className="row">
        {file && (
          <button type="button" onClick={() => set({ importFile: null, importResult: null })}>
            Clear file
          </button>
        )}
        <button type="submit" className="primary">
          Import
        </button>
      </div>
      {result && result.conflicts.length > 0 && (
        <div className="conflicts" role="alert">
          <p>Nothing was imported: {result.conflicts.map((c) => `a preset named “${c.existing}” already exists`).join('; ')}.</p>
          <div className="row">
            <button type="button" onClick={() => void importPresets(client, 'rename')}>
              Keep both (import under a new name)
            </button>
            <button type="button" className="danger" onClick={() => void importPresets(client, 'overwrite')}>
              Replace the existing
            </button>
          </div>
        </div>
      )}
      {result && result.warnings.length > 0 && (
        <ul className="warnings" aria-label="Import notes">
          {result.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
    </form>
  )
}

export function PresetsPanel({ client }: { client: StudioClient }): React.JSX.Element {
  const presets = usePresetsStore((s) => s.presets)
  const folderProblems = usePresetsStore((s) => s.folderProblems)
  const status = usePresetsStore((s) => s.status)
  const error = usePresetsStore((s) => s.error)
  const notice = usePresetsStore((s) => s.notice)
  useEffect(() => {
    void loadPresets(client)
  }, [client])
  return (
    <section className="presets" aria-label="Presets">
      <div className="presets-side">
        <SaveForm client={client} />
        <ImportForm client={client} />
      </div>
      <div className="presets-main">
        <div className="presets-head">
          <h3>Saved presets {status === 'ready' ? `(${presets.length})` : ''}</h3>
          <button type="button" disabled={presets.length === 0} onClick={() => void exportPresets(client, null, 'json')}>
            Export all (JSON)
          </button>
        </div>
        <p className="presets-status" role="status" aria-live="polite">
          {status === 'error' ? error : (notice ?? '')}
        </p>
        {status === 'ready' && presets.length === 0 && <p className="empty">No presets yet: save the Generate settings or import a file.</p>}
        <ul className="preset-list" aria-label="Saved presets">
          {presets.map((p) => (
            <PresetRow key={p.name} client={client} p={p} />
          ))}
        </ul>
        {folderProblems.length > 0 && (
          <details className="folder-problems">
            <summary>{folderProblems.length} file(s) in the presets folder are not valid presets (left untouched)</summary>
            <ul>
              {folderProblems.map((p) => (
                <li key={p.file}>{p.message}</li>
              ))}
            </ul>
          </details>
        )}
      </div>
    </section>
  )
}
