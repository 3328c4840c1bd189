/** Serves the built renderer's files on 127.0.0.1: nothing outside its folder, never a directory listing. */
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2'
}

/**
 * The Content-Security-Policy every served file carries: index.html's meta policy, narrowed
 * (connect-src 'self' alone: in CSP Level 3 browsers it covers the host's own WebSocket and no other
 * local port), plus what only a header can say (frame-ancestors).
 */
export const STATIC_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

export interface StaticServer {
  url: string
  port: number
  server: Server
  close(): Promise<void>
}

/** A request handler for the files under `rootDir`; answers 404 for anything else. */
export function staticHandler(rootDir: string): (req: IncomingMessage, res: ServerResponse) => void {
  const root = resolve(rootDir)
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`${join(root, 'index.html')} is missing: run "npm run build" first`)
  }
  return (req, res) => {
    let path: string
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad path')
      return
    }
    const file = normalize(join(root, path === '/' ? 'index.html' : path))
    if (!(file === root || file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'content-security-policy': STATIC_CSP,
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cache-control': 'no-store'
    })
    createReadStream(file).pipe(res)
  }
}

/** Starts serving `rootDir` on 127.0.0.1:`port` (0 picks a free port). */
export async function serveStatic(rootDir: string, port = 0): Promise<StaticServer> {
  const server = createServer(staticHandler(rootDir))
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(port, '127.0.0.1', () => ok())
  })
  const addr = server.address()
  if (!addr || typeof addr === 'string') throw new Error('static server has no address')
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    port: addr.port,
    server,
    close: () => new Promise((ok) => server.close(() => ok()))
  }
}
