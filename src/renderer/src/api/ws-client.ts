/**
 * The StudioClient over the local web host's WebSocket. The per-launch token arrives in the page URL's
 * fragment (#token=…), which browsers never send to the server; it is kept in sessionStorage so a
 * reload still works, removed from the address bar, and offered as a WebSocket subprotocol.
 */
import { type EventName, type Events, type InvokeName, type InvokePayload, type InvokeResult } from '../../../shared/api'
import { decodeWire, encodeWire, WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX, type WireFromHost } from '../../../shared/wire'
import { StudioCallError, type StudioClient } from './client'

const TOKEN_KEY = 'sigma-studio-token'

/** The token from the URL fragment (then hidden from the address bar) or from this tab's earlier load. */
export function takeToken(): string | null {
  const m = /(?:^#|&)token=([0-9a-f]{64})(?:&|$)/.exec(location.hash)
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, m[1])
    history.replaceState(null, '', location.pathname + location.search)
    return m[1]
  }
  return sessionStorage.getItem(TOKEN_KEY)
}

export function wsClient(token: string): StudioClient {
  type Pending = { ok: (v: unknown) => void; fail: (e: Error) => void; name: string }
  const pending = new Map<number, Pending>()
  const listeners = new Map<EventName, Set<(p: unknown) => void>>()
  let nextId = 1
  let closedReason: string | null = null

  const ws = new WebSocket(`ws://${location.host}${WS_PATH}`, [WS_PROTOCOL, WS_TOKEN_PREFIX + token])
  const open = new Promise<void>((ok, fail) => {
    ws.addEventListener('open', () => ok(), { once: true })
    ws.addEventListener('error', () => fail(new Error('could not connect to the studio: the web host refused the connection or is not running; open the address it printed again')), { once: true })
  })
  // Failures surface through the calls that await `open`; this only keeps an unused rejection quiet.
  open.catch(() => undefined)
  ws.addEventListener('message', (e) => {
    const msg = decodeWire(String(e.data)) as WireFromHost
    if ('event' in msg) {
      for (const cb of listeners.get(msg.event) ?? []) cb(msg.payload)
      return
    }
    const p = pending.get(msg.id)
    if (!p) return
    pending.delete(msg.id)
    if (msg.ok) p.ok(msg.value)
    else p.fail(new StudioCallError(p.name, msg.error))
  })
  ws.addEventListener('close', () => {
    closedReason = 'the connection to the studio closed; restart the web host and open its address again'
    for (const p of pending.values()) p.fail(new Error(closedReason))
    pending.clear()
  })

  return {
    transport: 'websocket',
    async call<K extends InvokeName>(name: K, payload: InvokePayload<K>): Promise<InvokeResult<K>> {
      await open
      if (closedReason) throw new Error(closedReason)
      const id = nextId++
      return new Promise<InvokeResult<K>>((ok, fail) => {
        pending.set(id, { ok: ok as (v: unknown) => void, fail, name })
        ws.send(encodeWire({ id, call: name, payload }))
      })
    },
    on<E extends EventName>(name: E, cb: (payload: Events[E]) => void): () => void {
      let set = listeners.get(name)
      if (!set) listeners.set(name, (set = new Set()))
      const l = cb as (p: unknown) => void
      set.add(l)
      return () => set.delete(l)
    }
  }
}
