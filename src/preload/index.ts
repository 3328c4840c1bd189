/**
 * The preload exposes exactly the typed studio API and nothing else (no generic send/invoke).
 * The API grows with the service; for now it reports what the host is.
 */
import { contextBridge } from 'electron'

const api = {
  host: 'electron' as const
}

export type PreloadApi = typeof api

contextBridge.exposeInMainWorld('studio', api)
