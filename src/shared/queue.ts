/**
 * The queue as it travels to windows and sockets. Every change used to send the whole queue with each
 * job's prompt to every client: 300 jobs with 20k-character prompts pushed 2.6 GiB to three sockets.
 * Now a client takes one snapshot (`studio:queue:get`) and then small deltas ('studio:queue' events):
 * entries carry no prompt text (a list asks for the lines it shows with `studio:queue:details`), and a
 * change sends only the jobs it touched. Deltas are numbered; a client that sees a gap (it missed one,
 * or was away) takes a fresh snapshot.
 */

export type JobState = 'waiting' | 'running' | 'completed' | 'cancelled' | 'failed'

/** What the queue shows about one job: no prompt (see QueueJobDetails). */
export interface QueueEntry {
  jobId: string
  state: JobState
  model: string
  cells: number
  /** ms since the epoch when the job was queued. */
  queuedAt: number
  /** What the job does; absent = 'generate' (older clients). */
  kind?: 'generate' | 'calibrate'
  /** For generate jobs: the base settings, so jobs with one prompt can be told apart ("Euler · 20 steps · seed 42"). */
  settings?: string
}

/** The whole queue at one moment: the snapshot a client starts from. */
export interface QueueState {
  /** The number of the last delta this snapshot includes. */
  seq: number
  running: QueueEntry | null
  /** Waiting jobs in the order they will run. */
  waiting: QueueEntry[]
}

/**
 * One change of the queue ('studio:queue' event), applied in this order: `removed`, `added`,
 * `updated`, `order`.
 */
export interface QueueDelta {
  /** One more than the previous delta's; a client whose state is not at seq - 1 re-fetches. */
  seq: number
  /** Jobs no longer in the queue (finished, cancelled or removed), waiting or running. */
  removed?: string[]
  /** Jobs put at the end of the waiting list. */
  added?: QueueEntry[]
  /** Jobs whose entry changed; an entry whose state is 'running' is the running job now. */
  updated?: QueueEntry[]
  /** The waiting list's new order (job ids), sent only when jobs were reordered. */
  order?: string[]
}

/** What a queue list shows of a job beyond its entry, fetched on demand. */
export interface QueueJobDetails {
  jobId: string
  /** The start of the prompt (at most QUEUE_PROMPT_CHARS characters, "…" when cut). */
  prompt: string
  /** The whole prompt's length in characters. */
  promptChars: number
}

/** How much of a prompt a queue list gets: it shows one line; the job keeps its whole prompt. */
export const QUEUE_PROMPT_CHARS = 200

/** Most jobs one `studio:queue:details` call may ask about. */
export const MAX_DETAILS_PER_CALL = 100

/** The start of a prompt for the queue list (whole code points; "…" when cut). */
export function promptPreview(prompt: string): string {
  if (prompt.length <= QUEUE_PROMPT_CHARS) return prompt
  return `${[...prompt.slice(0, QUEUE_PROMPT_CHARS + 1)].slice(0, QUEUE_PROMPT_CHARS - 1).join('')}…`
}

/**
 * The queue after a delta, or null when the delta does not follow `q` (a gap: take a new snapshot).
 * A delta the snapshot already includes (seq ≤ q.seq) leaves `q` as it is.
 */
export function applyQueueDelta(q: QueueState, d: QueueDelta): QueueState | null {
  if (d.seq <= q.seq) return q
  if (d.seq !== q.seq + 1) return null
  const gone = new Set(d.removed ?? [])
  let running = q.running && !gone.has(q.running.jobId) ? q.running : null
  let waiting = q.waiting.filter((j) => !gone.has(j.jobId))
  if (d.added) waiting = [...waiting, ...d.added]
  for (const e of d.updated ?? []) {
    if (e.state === 'running') {
      waiting = waiting.filter((j) => j.jobId !== e.jobId)
      running = e
    } else if (running?.jobId === e.jobId) running = e
    else waiting = waiting.map((j) => (j.jobId === e.jobId ? e : j))
  }
  if (d.order) {
    const byId = new Map(waiting.map((j) => [j.jobId, j]))
    const first = d.order.flatMap((id) => byId.get(id) ?? [])
    const listed = new Set(first.map((j) => j.jobId))
    waiting = [...first, ...waiting.filter((j) => !listed.has(j.jobId))]
  }
  return { seq: d.seq, running, waiting }
}
