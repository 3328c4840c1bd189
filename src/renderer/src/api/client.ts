/**
 * The renderer's one view of the studio: calls and events from the shared contract. Two
 * implementations — IPC through the Electron preload, and WebSocket to the local web host — are picked
 * once at start (see index.ts); UI code never knows which one it has.
 */
import type { CallError, EventName, Events, InvokeName, InvokePayload, InvokeResult } from '../../../shared/api'

/** Whether the page can reach the studio right now (the web host can stop while the page stays open). */
export type ConnectionState = 'connected' | 'disconnected'

export interface StudioClient {
  readonly transport: 'ipc' | 'websocket'
  call<K extends InvokeName>(name: K, payload: InvokePayload<K>): Promise<InvokeResult<K>>
  on<E extends EventName>(name: E, cb: (payload: Events[E]) => void): () => void
  /**
   * Connection changes (WebSocket only: IPC cannot drop while the window lives). Called at once with
   * the current state. Events sent while the page was away are lost: after a reconnect, what a view
   * follows is fetched again (the queue: api/queue-follower.ts does it).
   */
  onConnection?(cb: (state: ConnectionState) => void): () => void
}

/** A call that the studio refused or that failed; `code` and `field` come from the contract. */
export class StudioCallError extends Error {
  readonly code: CallError['code']
  readonly field?: string
  constructor(call: string, e: CallError) {
    super(e.message)
    this.name = 'StudioCallError'
    this.code = e.code
    this.field = e.field
    void call
  }
}
