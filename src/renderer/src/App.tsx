import { SAMPLERS, SCHEDULES } from '../../shared/catalogue'

/**
 * The studio shell. The generate view, gallery, sweeps, compare and library arrive with their own
 * issues; for now the shell shows the engine's catalogue so a person can see what the studio offers.
 */
export function App(): React.JSX.Element {
  return (
    <main className="shell">
      <header>
        <h1>Sigma Studio</h1>
        <p className="tagline">Offline diffusion studio: compare samplers and schedules on the same seed.</p>
      </header>
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
    </main>
  )
}
