import { useEffect, useMemo, useState } from 'react'
import { SAMPLERS, SCHEDULES } from '../../shared/catalogue'
import { studioClient } from './api'
import { CompareView } from './features/compare/CompareView'
import { GalleryPanel, useGalleryEvents } from './features/gallery/GalleryPanel'
import { GeneratePanel } from './features/generate/GeneratePanel'
import { LibraryPanel } from './features/library/LibraryPanel'
import { ModelsPanel, useModelImportEvents } from './features/models/ModelsPanel'
import { PresetsPanel } from './features/presets/PresetsPanel'
import { SettingsPanel } from './features/settings/SettingsPanel'
import { SweepPanel, useSweepEvents } from './features/sweep/SweepPanel'
import { showView, useUiStore } from './store/ui'

/**
 * The studio shell: a generate view (when a studio API is reachable) and the catalogue of samplers
 * and schedules. Gallery, sweeps, compare and library arrive with their own issues.
 */
export function App(): React.JSX.Element {
  const client = useMemo(() => studioClient(), [])
  // Connected here, not in the panel, so a grid keeps filling in while another tab is shown.
  useGalleryEvents(client)
  useSweepEvents(client)
  useModelImportEvents(client)
  // The view lives in the ui slice so features can switch it ("Use these settings" opens Generate).
  const view = useUiStore((s) => s.view)
  const setView = showView
  // The web host can stop while this page stays open: say so at once, until the client reconnects.
  const [connection, setConnection] = useState<'connected' | 'disconnected'>('connected')
  useEffect(() => client?.onConnection?.((c) => setConnection(c)), [client])
  useEffect(() => {
    if (!client) showView('catalogue')
  }, [client])
  return (
    <main className="shell">
      <header>
        <div className="brand">
          <h1>Sigma Studio</h1>
          <p className="tagline">Offline diffusion studio: compare samplers and schedules on the same seed.</p>
        </div>
        <nav className="tabs" aria-label="Views">
          <button type="button" aria-pressed={view === 'generate'} onClick={() => setView('generate')}>
            Generate
          </button>
          {client && (
            <>
              <button type="button" aria-pressed={view === 'gallery'} onClick={() => setView('gallery')}>
                Gallery
              </button>
              <button type="button" aria-pressed={view === 'sweep'} onClick={() => setView('sweep')}>
                Sweep
              </button>
              <button type="button" aria-pressed={view === 'compare'} onClick={() => setView('compare')}>
                Compare
              </button>
              <button type="button" aria-pressed={view === 'library'} onClick={() => setView('library')}>
                Library
              </button>
              <button type="button" aria-pressed={view === 'presets'} onClick={() => setView('presets')}>
                Presets
              </button>
              <button type="button" aria-pressed={view === 'models'} onClick={() => setView('models')}>
                Models
              </button>
              <button type="button" aria-pressed={view === 'settings'} onClick={() => setView('settings')}>
                Settings
              </button>
            </>
          )}
          <button type="button" aria-pressed={view === 'catalogue'} onClick={() => setView('catalogue')}>
            Catalogue
          </button>
        </nav>
      </header>
      {client && connection === 'disconnected' && (
        <p className="notice offline" role="alert">
          Disconnected from the studio: its web host has stopped or cannot be reached. This page reconnects by itself when it is back (a
          restarted host prints a new address with a new access token; open that one).
        </p>
      )}
      {view === 'generate' &&
        (client ? (
          <GeneratePanel client={client} />
        ) : (
          <p className="notice" role="alert">
            This page is not connected to a studio. Start it with <code>npm start</code> and open the address it prints (it carries an access
            token).
          </p>
        ))}
      {view === 'gallery' && client && <GalleryPanel client={client} />}
      {view === 'sweep' && client && <SweepPanel client={client} />}
      {view === 'compare' && <CompareView />}
      {view === 'library' && client && <LibraryPanel client={client} />}
      {view === 'presets' && client && <PresetsPanel client={client} />}
      {view === 'models' && client && <ModelsPanel client={client} />}
      {view === 'settings' && client && <SettingsPanel client={client} />}
      {view === 'catalogue' && <Catalogue />}
    </main>
  )
}

function Catalogue(): React.JSX.Element {
  return (
    <>
      <section aria-label="Samplers">
        <h2>Samplers ({SAMPLERS.length})</h2>
        <ul className="catalogue">
          {SAMPLERS.map((s) => (
            <li key={s.id} data-sampler={s.id}>
              <strong>{s.displayName}</strong> <code>{s.id}</code> <span className={`kind ${s.kind}`}>{s.kind}</span>
              <p>{s.description}</p>
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Schedules">
        <h2>Schedules ({SCHEDULES.length})</h2>
        <ul className="catalogue">
          {SCHEDULES.map((s) => (
            <li key={s.id} data-schedule={s.id}>
              <strong>{s.displayName}</strong> <code>{s.id}</code>
              <p>{s.description}</p>
            </li>
          ))}
        </ul>
      </section>
    </>
  )
}
