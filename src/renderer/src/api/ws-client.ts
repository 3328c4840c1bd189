/**
 * The StudioClient over the local web host's WebSocket. The per-launch token arrives in the page URL's
 * fragment (#token=…), which browsers never send to the server; it is kept in sessionStorage so a
 * reload still works, removed from the address bar, and offered as a WebSocket subprotocol.
 */
import { type EventName, type Events, type InvokeName, type InvokePayload, type InvokeResult } from '../../../shared/api'
import { decodeWire, encodeWire, WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX, type WireFromHost } from '../../../shared/wire'
import { StudioCallError, type ConnectionState, type StudioClient } from './client'

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

/** Waits between reconnection attempts: quick at first, then every few seconds. */
const RETRY_MS = [250, 500, 1000, 2000, 4000]

/**
 * The client. When the host stops, every pending call fails at once, listeners of onConnection hear
 * 'disconnected' (so the page stops showing a queue it can no longer see), and the client keeps trying
 * to reconnect with the same token; when the host is back (the same launch: a restarted host has a new
 * token and prints a new address), onConnection listeners hear 'connected' and fetch what they follow
 * again (the queue: api/queue-follower.ts).
 */
export function wsClient(token: string): StudioClient {
  type Pending = { ok: (v: unknown) => void; fail: (e: Error) => void; name: string }
  const pending = new Map<number, Pending>()
  const listeners = new Map<EventName, Set<(p: unknown) => void>>()
  const connectionListeners = new Set<(state: ConnectionState) => void>()
  let nextId = 1
  // Optimistic until the first attempt fails, so the page does not flash a warning while it connects.
  let state: ConnectionState = 'connected'
  let attempt = 0
  let ws: WebSocket
  let open: Promise<void>

  const setState = (next: ConnectionState): void => {
    if (next === state) return
    state = next
    for (const cb of connectionListeners) cb(next)
  }
  const emit = (event: EventName, payload: unknown): void => {
    for (const cb of listeners.get(event) ?? []) cb(payload)
  }

  const connect = (): void => {
    const socket = new WebSocket(`ws://${location.host}${WS_PATH}`, [WS_PROTOCOL, WS_TOKEN_PREFIX + token])
    ws = socket
    open = new Promise<void>((ok, fail) => {
      socket.addEventListener('open', () => ok(), { once: true })
      socket.addEventListener(
        'error',
        () => fail(new Error('could not connect to the studio: the web host is not running or refused the connection; if you restarted it, open the address it printed (it carries a new access token)')),
        { once: true }
      )
    })
    // Failures surface through the calls that await `open`; this only keeps an unused rejection quiet.
    open.catch(() => undefined)
    socket.addEventListener('open', () => {
      attempt = 0
      setState('connected')
    })
    socket.addEventListener('message', (e) => {
      const msg = decodeWire(String(e.data)) as WireFromHost
      if ('event' in msg) return emit(msg.event, msg.payload)
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      if (msg.ok) p.ok(msg.value)
      else p.fail(new StudioCallError(p.name, msg.error))
    })
    socket.addEventListener('close', () => {
      if (ws !== socket) return
      const why = new Error('the connection to the studio was lost; it reconnects by itself when the web host is back (a restarted host needs the new address it printed)')
      for (const p of pending.values()) p.fail(why)
      pending.clear()
      setState('disconnected')
      setTimeout(connect, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)])
    })
  }
  connect()

  async function call<K extends InvokeName>(name: K, payload: InvokePayload<K>): Promise<InvokeResult<K>> {
    await open
    if (state !== 'connected' || ws.readyState !== WebSocket.OPEN) throw new Error('not connected to the studio; it reconnects by itself when the web host is back')
    const id = nextId++
    const socket = ws
    return new Promise<InvokeResult<K>>((ok, fail) => {
      pending.set(id, { ok: ok as (v: unknown) => void, fail, name })
      socket.send(encodeWire({ id, call: name, payload }))
    })
  }

  return {
    transport: 'websocket',
    call,
    on<E extends EventName>(name: E, cb: (payload: Events[E]) => void): () => void {
      let set = listeners.get(name)
      if (!set) listeners.set(name, (set = new Set()))
      const l = cb as (p: unknown) => void
      set.add(l)
      return () => set.delete(l)
    },
    onConnection(cb: (s: ConnectionState) => void): () => void {
      connectionListeners.add(cb)
      cb(state)
      return () => connectionListeners.delete(cb)
    }
  }
}
