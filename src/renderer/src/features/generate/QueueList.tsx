/** The jobs waiting behind the running one, with "run next" and "remove". */
import type { StudioClient } from '../../api'
import { generateSelectors, useGenerateStore } from '../../store/generate'
import { removeWaiting, runNext } from './actions'

export function QueueList({ client }: { client: StudioClient }): React.JSX.Element | null {
  const waiting = useGenerateStore(generateSelectors.waiting)
  if (waiting.length === 0) return null
  return (
    <section className="queue" aria-label="Queue">
      <h2>Waiting ({waiting.length})</h2>
      <ol>
        {waiting.map((j, i) => (
          <li key={j.jobId} data-job={j.jobId}>
            {/* A calibration job's prompt is only what it conditions on; say what the job is. */}
            <span className="prompt">{j.kind === 'calibrate' ? `Calibrating score_optimal for ${j.model || 'the default model'}` : j.prompt || '(empty prompt)'}</span>
            {j.cells > 1 && <span className="cells"> · {j.cells} cells</span>}
            <button type="button" disabled={i === 0} onClick={() => void runNext(client, j.jobId)}>
              Run next
            </button>
            <button type="button" onClick={() => void removeWaiting(client, j.jobId)}>
              Remove
            </button>
          </li>
        ))}
      </ol>
    </section>
  )
}
