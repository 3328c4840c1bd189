import type { PreloadApi } from '../shared/api'

declare global {
  interface Window {
    /** Present under Electron only (the preload's API); the web host's page uses the WebSocket client. */
    studio?: PreloadApi
  }
}
