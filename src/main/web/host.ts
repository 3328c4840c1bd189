/**
 * The local web host: the built renderer over HTTP and the studio API over a WebSocket, on 127.0.0.1
 * only. Any page the user has open can reach 127.0.0.1, so every way in is guarded:
 *
 * - a random 32-byte token per launch, given to the user in the URL fragment (never sent to the
 *   server by the browser), required on the WebSocket upgrade (as a subprotocol) and on every HTTP
 *   API route (Authorization: Bearer), compared in constant time;
 * - the Host header must name this host (127.0.0.1 or localhost with our port), which defeats DNS
 *   rebinding (a hostile name that resolves to 127.0.0.1 arrives with its own Host);
 * - the Origin header, where a browser sends one, must be this host's own origin; the WebSocket
 *   upgrade requires it, so other local pages cannot drive the API;
 * - static files carry a strict Content-Security-Policy.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { type EventName, type Events } from '../../shared/api'
import { decodeWire, encodeWire, WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX, type WireFromHost, type WireToHost } from '../../shared/wire'
import { MAX_INIT_IMAGE_BYTES } from '../../shared/init-image'
import { dispatch } from '../service/dispatch'
import type { StudioApi } from '../service/studio'
import { staticHandler } from './static-files'
import { wireShapeProblem } from './wire-guard'

export interface WebHostOptions {
  /** The studio (calls, events, result bytes). */
  api: StudioApi
  /** The built renderer (out/renderer). */
  rendererDir: string
  /** 0 picks a free port. */
  port?: number
}

export interface WebHost {
  /** The URL to open, with the token in the fragment. */
  url: string
  origin: string
  port: number
  token: string
  close(): Promise<void>
}

/** A client whose socket buffers more than this gets no preview frames until it catches up. */
const PREVIEW_BACKPRESSURE_BYTES = 4 << 20
/**
 * Calls are small except an img2img request, which carries its init image (base64 on the wire: 4/3 of
 * its bytes); only token holders can send anything at all.
 */
const MAX_MESSAGE_BYTES = Math.ceil((MAX_INIT_IMAGE_BYTES * 4) / 3) + (1 << 20)

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = randomBytes(32).toString('hex')
  const tokenBytes = Buffer.from(token)
  const serveFile = staticHandler(opts.rendererDir)
  let port = 0

  const tokenOk = (given: string | undefined): boolean => {
    if (!given) return false
    const b = Buffer.from(given)
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes)
  }
  const hostOk = (req: IncomingMessage): boolean => req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`
  const originOk = (origin: string | undefined): boolean => origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`

  const server = createServer((req, res) => {
    if (!hostOk(req)) return refuse(res, 421, 'this server only answers to 127.0.0.1')
    const origin = req.headers.origin
    if (origin !== undefined && !originOk(origin)) return refuse(res, 403, 'cross-origin requests are not allowed')
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'only GET')
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (path.startsWith('/api/')) {
      const auth = req.headers.authorization
      if (!tokenOk(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined)) return refuse(res, 401, 'missing or wrong token; open the URL the studio printed')
      void serveApi(path, res)
      return
    }
    // Browsers ask for a favicon on their own; answer without a 404 in the console.
    if (path === '/favicon.ico') return void res.writeHead(204).end()
    serveFile(req, res)
  })

  async function serveApi(path: string, res: ServerResponse): Promise<void> {
    const m = /^\/api\/results\/([A-Za-z0-9_-]{1,64})$/.exec(path)
    if (!m) return refuse(res, 404, 'no such API route')
    const data = await opts.api.readResult(m[1])
    if (!data) return refuse(res, 404, 'no such result')
    res.writeHead(200, { 'content-type': 'image/png', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }).end(Buffer.from(data))
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false)
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const reject = (status: number, why: string): void => {
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}\n`)
    }
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== WS_PATH) return reject(404, 'Not Found')
    if (!hostOk(req)) return reject(421, 'Misdirected Request')
    // Browsers always send Origin on a WebSocket handshake; its absence means a non-browser client,
    // which still needs the token, but a wrong origin is another page trying to drive the studio.
    if (!originOk(req.headers.origin)) return reject(403, 'Forbidden')
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim())
    const given = offered.find((p) => p.startsWith(WS_TOKEN_PREFIX))?.slice(WS_TOKEN_PREFIX.length)
    if (!tokenOk(given)) return reject(401, 'Unauthorized')
    // A client that resets the connection mid-handshake must not take the host down with it.
    socket.on('error', () => socket.destroy())
    wss.handleUpgrade(req, socket, head, (ws) => onClient(ws))
  })

  function onClient(ws: WebSocket): void {
    const send = (msg: WireFromHost): void => {
      if (ws.readyState === ws.OPEN) ws.send(encodeWire(msg))
    }
    const off = opts.api.onAny(<E extends EventName>(event: E, payload: Events[E]) => {
      if (event === 'studio:preview' && ws.bufferedAmount > PREVIEW_BACKPRESSURE_BYTES) return
      send({ event, payload })
    })
    ws.on('close', off)
    // ws reports a protocol violation (invalid UTF-8, an unmasked frame, a bad opcode or RSV bit, a
    // length over maxPayload) as an 'error' and then closes that one socket itself; without a handler
    // the 'error' would be unhandled and end the whole host, its queue and the running job with it.
    ws.on('error', (e) => {
      console.error(`studio: a web client sent a malformed frame (${e.message}); it was disconnected`)
      off()
    })
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only')
      const text = raw.toString()
      const shape = wireShapeProblem(text)
      if (shape) return ws.close(1009, `message ${shape}`)
      let msg: WireToHost
      try {
        msg = decodeWire(text) as WireToHost
      } catch {
        return ws.close(1007, 'not JSON')
      }
      if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number') return ws.close(1008, 'malformed call')
      void dispatch(opts.api.handlers, msg.call, msg.payload).then((r) =>
        send(r.ok ? { id: msg.id, ok: true, value: r.value } : { id: msg.id, ok: false, error: r.error })
      )
    })
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok())
  })
  const addr = server.address()
  if (!addr || typeof addr === 'string') throw new Error('web host has no address')
  port = addr.port
  const origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    close: async () => {
      for (const c of wss.clients) c.terminate()
      wss.close()
      await new Promise<void>((ok) => server.close(() => ok()))
    }
  }
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end(`${message}\n`)
}
