/** The StudioClient over Electron IPC: `window.studio`, exposed by the preload. */
import type { EventName, Events, InvokeName, InvokePayload, InvokeResult, PreloadApi } from '../../../shared/api'
import { StudioCallError, type StudioClient } from './client'

export function ipcClient(api: PreloadApi): StudioClient {
  return {
    transport: 'ipc',
    async call<K extends InvokeName>(name: K, payload: InvokePayload<K>): Promise<InvokeResult<K>> {
      const fn = api.invoke[name] as (p: InvokePayload<K>) => ReturnType<PreloadApi['invoke'][K]>
      const r = await fn(payload)
      if (!r.ok) throw new StudioCallError(name, r.error)
      return r.value as InvokeResult<K>
    },
    on<E extends EventName>(name: E, cb: (payload: Events[E]) => void): () => void {
      return (api.events[name] as (cb: (p: Events[E]) => void) => () => void)(cb)
    }
  }
}
