/**
 * The queue as the generate view sees it: a job of another view (a gallery, a sweep, a calibration) that
 * is running now, since a new job waits behind it, and the jobs waiting, with "run next" and "remove".
 */
import type { StudioClient } from '../../api'
import { generateSelectors, useGenerateStore } from '../../store/generate'
import { useEffect } from 'react'
import { fetchQueueDetails, removeWaiting, runNext } from './actions'
import { jobLine } from './queue-line'

export function QueueList({ client }: { client: StudioClient }): React.JSX.Element | null {
  const waiting = useGenerateStore(generateSelectors.waiting)
  const running = useGenerateStore((s) => s.queue?.running ?? null)
  const shownId = useGenerateStore((s) => s.jobId)
  const details = useGenerateStore((s) => s.queueDetails)
  // The queue's entries carry no prompts: fetch the lines shown (each job once).
  const ids = [...(running ? [running.jobId] : []), ...waiting.map((j) => j.jobId)].join(' ')
  useEffect(() => {
    if (ids !== '') fetchQueueDetails(client, ids.split(' ')).catch(() => undefined)
  }, [client, ids])
  // The shown job has its own progress bar; only another one needs saying.
  const other = running && running.jobId !== shownId ? running : null
  if (waiting.length === 0 && !other) return null
  return (
    <section className="queue" aria-label="Queue">
      {other && (
        <p className="running-other" data-job={other.jobId}>
          Running now: <span className="prompt">{jobLine(other, details[other.jobId]?.prompt)}</span>
          {other.settings && <span className="settings"> · {other.settings}</span>}
        </p>
      )}
      {waiting.length > 0 && <h2>Waiting ({waiting.length})</h2>}
      <ol>
        {waiting.map((j, i) => (
          <li key={j.jobId} data-job={j.jobId}>
            <span className="prompt">{jobLine(j, details[j.jobId]?.prompt)}</span>
            {/* Tells apart jobs with one prompt (say, the same prompt at two seeds). */}
            {j.settings && <span className="settings">{j.settings}</span>}
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
