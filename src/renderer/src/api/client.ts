/**
 * The renderer's one view of the studio: calls and events from the shared contract. Two
 * implementations — IPC through the Electron preload, and WebSocket to the local web host — are picked
 * once at start (see index.ts); UI code never knows which one it has.
 */
import type { CallError, EventName, Events, InvokeName, InvokePayload, InvokeResult } from '../../../shared/api'

export interface StudioClient {
  readonly transport: 'ipc' | 'websocket'
  call<K extends InvokeName>(name: K, payload: InvokePayload<K>): Promise<InvokeResult<K>>
  on<E extends EventName>(name: E, cb: (payload: Events[E]) => void): () => void
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
