/**
 * The models folder in Settings: where the model list and imports are in this run, the folder saved for
 * the next start, and a field to choose another (main checks it can be created and written before saving).
 * The worker resolves models in the folder it started with, so a new choice applies from the next start.
 */
import { useEffect, useId, useState } from 'react'
import type { ModelsFolderState } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { fieldError } from '../../store/presets'

export function ModelsFolderSettings({ client }: { client: StudioClient }): React.JSX.Element {
  const [state, setState] = useState<ModelsFolderState | null>(null)
  const [input, setInput] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const errId = useId()
  useEffect(() => {
    client.call('studio:models:folder:get', {}).then(setState, (e: unknown) => setError(`Models folder: ${fieldError(e, 'dir').message}`))
  }, [client])
  const apply = async (): Promise<void> => {
    const dir = (input ?? state?.saved ?? state?.inUse ?? '').trim()
    if (!dir) {
      setError('Models folder is empty: type the full path of a folder, such as /home/me/models.')
      return
    }
    setBusy(true)
    setError(null)
    setNotice(null)
    try {
      const next = await client.call('studio:models:folder:set', { dir })
      setState(next)
      setInput(null)
      setNotice(next.restartNeeded ? `Saved: ${next.saved} is used from the next start.` : `Saved: ${next.saved}.`)
    } catch (e) {
      setError(`Models folder: ${fieldError(e, 'dir').message}`)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form
      className="settings-card"
      aria-label="Models folder"
      onSubmit={(e) => {
        e.preventDefault()
        void apply()
      }}
    >
      <h3>Models folder</h3>
      <p className="hint">Where the model list looks and imported checkpoints go. The embedded default model is always available.</p>
      {state && (
        <dl className="where">
          <dt>In use</dt>
          <dd data-testid="models-dir">{state.inUse}</dd>
          <dt>Saved setting</dt>
          <dd>{state.saved ?? `none (the app’s own folder, ${state.builtIn})`}</dd>
          {state.override && (
            <>
              <dt>Because</dt>
              <dd>{state.override} chose the folder in use; it wins over this setting whenever the studio starts with it.</dd>
            </>
          )}
        </dl>
      )}
      <label>
        Models folder path
        <input
          value={input ?? state?.saved ?? state?.inUse ?? ''}
          disabled={!state || !state.settingsFile}
          spellCheck={false}
          placeholder="/home/me/models"
          aria-invalid={!!error}
          aria-describedby={error ? errId : undefined}
          onChange={(e) => {
            setInput(e.target.value)
            setError(null)
            setNotice(null)
          }}
        />
      </label>
      {error && (
        <span id={errId} className="field-error" role="alert">
          {error}
        </span>
      )}
      <div className="row">
        <span className="hint">
          {state?.restartNeeded ? 'The saved folder differs from the one in use: restart the studio to use it.' : state && !state.settingsFile ? 'This run saves no settings.' : ''}
        </span>
        <button type="submit" className="primary" disabled={busy || !state?.settingsFile}>
          {busy ? 'Checking…' : 'Save'}
        </button>
      </div>
      <p className="settings-status" role="status" aria-live="polite">
        {notice ?? ''}
      </p>
    </form>
  )
}
