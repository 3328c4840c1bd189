/**
 * The settings view: the library folder — where it is, where that choice came from (setting,
 * environment variable, command line, default) — and a field to switch it. Applying opens (or creates)
 * the folder, checks it can be written, sends future results there and remembers it.
 */
import { useEffect, useId } from 'react'
import type { StudioClient } from '../../api'
import { dropIdleThumbs } from '../library/thumbs'
import { initialLibraryState, useLibraryStore } from '../../store/library'
import { fieldError } from '../../store/presets'
import { CONFIRM_NEW_LIBRARY_FIELD } from '../../../../shared/library-api'
import { libraryDirError, overrideLine, sourceLine, useSettingsStore } from '../../store/settings'
import { ModelsFolderSettings } from './ModelsFolderSettings'
import './settings.css'

const set = useSettingsStore.setState
const get = useSettingsStore.getState

async function loadSettings(client: StudioClient): Promise<void> {
  try {
    set({ current: await client.call('studio:settings:get', {}), error: null })
  } catch (e) {
    set({ error: fieldError(e, 'libraryDir').message })
  }
}

async function applyLibraryDir(client: StudioClient, create = false): Promise<void> {
  const s = get()
  const dir = (s.libraryDirInput ?? s.current?.libraryDir ?? '').trim()
  const empty = libraryDirError(dir)
  if (empty) {
    set({ error: empty, notice: null })
    return
  }
  set({ busy: true, error: null, notice: null, confirmDir: null })
  try {
    const next = await client.call('studio:settings:set', { libraryDir: dir, ...(create ? { create: true } : {}) })
    set({ current: next, libraryDirInput: null, notice: `The library is now ${next.libraryDir}.` })
    // Another folder: what the library view had loaded belongs to the old one.
    dropIdleThumbs()
    useLibraryStore.setState({ ...initialLibraryState, filters: useLibraryStore.getState().filters })
  } catch (e) {
    const f = fieldError(e, 'libraryDir')
    // Not a library yet: the studio makes one only when the user says so.
    if (f.field === CONFIRM_NEW_LIBRARY_FIELD) set({ confirmDir: dir, notice: f.message })
    else set({ error: libraryDirError(dir, f.message) })
  } finally {
    set({ busy: false })
  }
}

export function SettingsPanel({ client }: { client: StudioClient }): React.JSX.Element {
  const current = useSettingsStore((s) => s.current)
  const input = useSettingsStore((s) => s.libraryDirInput)
  const busy = useSettingsStore((s) => s.busy)
  const error = useSettingsStore((s) => s.error)
  const notice = useSettingsStore((s) => s.notice)
  const confirmDir = useSettingsStore((s) => s.confirmDir)
  const errId = useId()
  useEffect(() => {
    void loadSettings(client)
  }, [client])
  const off = current?.librarySource === 'off'
  const override = current ? overrideLine(current) : null
  return (
    <section className="settings" aria-label="Settings">
      <form
        className="settings-card"
        aria-label="Library folder"
        onSubmit={(e) => {
          e.preventDefault()
          void applyLibraryDir(client)
        }}
      >
        <h3>Library folder</h3>
        <p className="hint">Every image you make is kept here as a PNG with its settings, with an index for search, thumbnails and your presets.</p>
        {current && (
          <dl className="where">
            <dt>In use</dt>
            <dd data-testid="library-dir">{current.libraryDir ?? '—'}</dd>
            <dt>Because</dt>
            <dd data-testid="library-source">{sourceLine(current)}</dd>
            {current.savedLibraryDir && current.savedLibraryDir !== current.libraryDir && (
              <>
                <dt>Saved setting</dt>
                <dd>{current.savedLibraryDir}</dd>
              </>
            )}
            <dt>Default</dt>
            <dd>{current.defaultLibraryDir}</dd>
          </dl>
        )}
        {override && (
          <p className="override" role="note">
            {override}
          </p>
        )}
        <label>
          Folder
          <input
            value={input ?? current?.libraryDir ?? ''}
            disabled={off || !current}
            spellCheck={false}
            placeholder="/home/me/Pictures/sigma-studio"
            aria-invalid={!!error}
            aria-describedby={error ? errId : undefined}
            onChange={(e) => set({ libraryDirInput: e.target.value, error: null, notice: null, confirmDir: null })}
          />
        </label>
        {error && (
          <span id={errId} className="field-error" role="alert">
            {error}
          </span>
        )}
        <div className="row">
          <span className="hint">
            {current?.settingsFile ? `Saved in ${current.settingsFile}.` : current ? 'This run does not save settings; the change lasts until it stops.' : ''}
          </span>
          {confirmDir ? (
            <button type="button" className="primary" disabled={busy} onClick={() => void applyLibraryDir(client, true)}>
              Create a library here
            </button>
          ) : (
            <button type="submit" className="primary" disabled={busy || off || !current}>
              {busy ? 'Opening…' : 'Apply'}
            </button>
          )}
        </div>
        <p className="settings-status" role="status" aria-live="polite">
          {notice ?? ''}
        </p>
      </form>
      <ModelsFolderSettings client={client} />
    </section>
  )
}
