/**
 * Follows the studio's queue over either transport: one snapshot ('studio:queue:get'), then the
 * numbered deltas of 'studio:queue' (src/shared/queue.ts). A delta that does not follow the state held
 * (one was missed, or arrived before the snapshot answered) makes it take a new snapshot; so does a
 * reconnection. While the page cannot reach the studio the queue is unknown (null).
 */
import { applyQueueDelta, type QueueDelta, type QueueState } from '../../../shared/queue'
import type { StudioClient } from './client'

export interface QueueFollower {
  /** A snapshot from elsewhere (a reorder's answer), taken when it is newer than the state held. */
  offer(q: QueueState): void
  stop(): void
}

/** Deltas kept while a snapshot is on its way (older ones are in the snapshot or make it re-fetch). */
const MAX_BUFFERED = 1000

export function followQueue(client: StudioClient, onChange: (q: QueueState | null) => void): QueueFollower {
  let state: QueueState | null = null
  let fetching = false
  let stopped = false
  let buffered: QueueDelta[] = []

  const set = (q: QueueState | null): void => {
    if (stopped || q === state) return
    state = q
    onChange(q)
  }

  const apply = (d: QueueDelta): void => {
    if (!state || fetching) {
      buffered.push(d)
      if (buffered.length > MAX_BUFFERED) buffered = buffered.slice(-MAX_BUFFERED)
      return
    }
    const next = applyQueueDelta(state, d)
    if (next === null) {
      buffered.push(d)
      refetch()
    } else set(next)
  }

  function refetch(): void {
    if (fetching || stopped) return
    fetching = true
    client.call('studio:queue:get', {}).then(
      (q) => {
        fetching = false
        const held = buffered
        buffered = []
        set(q)
        // What arrived while the snapshot was on its way: the older deltas are already in it.
        for (const d of held) apply(d)
      },
      () => {
        // Not reachable now: the connection's return fetches again.
        fetching = false
      }
    )
  }

  const off = client.on('studio:queue', apply)
  let wasDown = false
  const offConnection = client.onConnection?.((c) => {
    if (c === 'disconnected') {
      wasDown = true
      buffered = []
      set(null)
    } else if (wasDown) {
      wasDown = false
      refetch()
    }
  })
  refetch()
  return {
    offer(q) {
      if (!state || q.seq > state.seq) set(q)
    },
    stop() {
      stopped = true
      off()
      offConnection?.()
    }
  }
}
