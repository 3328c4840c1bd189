/**
 * The local web host's WebSocket wire format: JSON with Uint8Array values carried as {"$b64": "..."}
 * (IPC and MessagePort clone binary data; a WebSocket cannot). Used by src/main/web and the renderer's
 * WebSocket client only.
 */
import type { CallError, EventName, InvokeName } from './api'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The local web host's WebSocket endpoint and subprotocols. */
export const WS_PATH = '/api/ws'
export const WS_PROTOCOL = 'sigma-studio.v1'
/**
 * The per-launch token travels as a second subprotocol, `token.<hex>`: browsers cannot set headers on
 * a WebSocket, and a subprotocol keeps the token out of URLs (and so out of logs and history).
 */
export const WS_TOKEN_PREFIX = 'token.'

export type WireToHost = { id: number; call: InvokeName; payload: unknown }
export type WireFromHost =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: CallError }
  | { event: EventName; payload: unknown }

/** JSON with Uint8Array values carried as {"$b64": "..."}; used by the WebSocket transport only. */
export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? { $b64: bytesToBase64(v) } : v))
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => (isObj(v) && typeof v.$b64 === 'string' && Object.keys(v).length === 1 ? base64ToBytes(v.$b64) : v))
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
// Hand-written so that shared code needs neither Buffer (Node) nor btoa's string detour (browser).
function bytesToBase64(b: Uint8Array): string {
  let s = ''
  let i = 0
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2]
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63]
  }
  if (i < b.length) {
    const n = (b[i] << 16) | ((i + 1 < b.length ? b[i + 1] : 0) << 8)
    s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + '='
  }
  return s
}

const B64_INDEX = new Int16Array(128).fill(-1)
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i

function base64ToBytes(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '')
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4))
  let o = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < clean.length; i++) {
    const v = B64_INDEX[clean.charCodeAt(i)] ?? -1
    if (v < 0) throw new Error('wire: invalid base64 data')
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 255
    }
  }
  return out
}
