import { useMemo, useState } from 'react'
import { SAMPLERS, SCHEDULES } from '../../shared/catalogue'
import { studioClient } from './api'
import { CompareView } from './features/compare/CompareView'
import { GalleryPanel, useGalleryEvents } from './features/gallery/GalleryPanel'
import { GeneratePanel } from './features/generate/GeneratePanel'

/**
 * The studio shell: a generate view (when a studio API is reachable) and the catalogue of samplers
 * and schedules. Gallery, sweeps, compare and library arrive with their own issues.
 */
export function App(): React.JSX.Element {
  const client = useMemo(() => studioClient(), [])
  // Connected here, not in the panel, so a grid keeps filling in while another tab is shown.
  useGalleryEvents(client)
  const [view, setView] = useState<'generate' | 'gallery' | 'compare' | 'catalogue'>(client ? 'generate' : 'catalogue')
  return (
    <main className="shell">
      <header>
        <h1>Sigma Studio</h1>
        <p className="tagline">Offline diffusion studio: compare samplers and schedules on the same seed.</p>
        <nav className="tabs" aria-label="Views">
          <button type="button" aria-pressed={view === 'generate'} onClick={() => setView('generate')}>
            Generate
          </button>
          {client && (
            <>
              <button type="button" aria-pressed={view === 'gallery'} onClick={() => setView('gallery')}>
                Gallery
              </button>
              <button type="button" aria-pressed={view === 'compare'} onClick={() => setView('compare')}>
                Compare
              </button>
            </>
          )}
          <button type="button" aria-pressed={view === 'catalogue'} onClick={() => setView('catalogue')}>
            Catalogue
          </button>
        </nav>
      </header>
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
      {view === 'compare' && <CompareView />}
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
