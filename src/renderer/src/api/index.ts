/** Picks the transport once at start: Electron's preload API if present, else the web host's WebSocket. */
import type { StudioClient } from './client'
import { ipcClient } from './ipc-client'
import { takeToken, wsClient } from './ws-client'

export type { StudioClient } from './client'
export { StudioCallError } from './client'

let client: StudioClient | null | undefined

/** The studio client, or null when the page was opened without Electron and without a token. */
export function studioClient(): StudioClient | null {
  if (client !== undefined) return client
  if (window.studio) return (client = ipcClient(window.studio))
  const token = takeToken()
  return (client = token ? wsClient(token) : null)
}
