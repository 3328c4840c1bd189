/**
 * The local web host: serves the built renderer on 127.0.0.1 so the studio runs in a browser where
 * Electron cannot start. (The generation API over WebSocket joins it with the service.)
 */
import { serveStatic } from './static-files'

const portArg = process.argv.find((a) => a.startsWith('--port='))
const port = portArg ? Number(portArg.slice('--port='.length)) : 5173

serveStatic('out/renderer', port).then(
  (s) => console.log(`Sigma Studio is running at ${s.url} (Ctrl+C to stop)`),
  (e: Error & { code?: string }) => {
    console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use; pick another with --port=N` : e.message)
    process.exit(1)
  }
)
