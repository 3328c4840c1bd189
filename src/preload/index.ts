/**
 * The preload exposes exactly the typed studio API (`window.studio`) and nothing else: one method per
 * call and one subscription per event, each bound to its own literal channel, so the page can never
 * name a channel of its own choosing. Types only come from src/shared; the sandboxed preload bundles
 * nothing but this file and electron's ipcRenderer.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { EventName, Events, PreloadApi } from '../shared/api'

function listen<E extends EventName>(name: E) {
  return (cb: (payload: Events[E]) => void): (() => void) => {
    if (typeof cb !== 'function') throw new TypeError(`${name}: the listener must be a function`)
    const l = (_e: IpcRendererEvent, payload: Events[E]): void => cb(payload)
    ipcRenderer.on(name, l)
    return () => {
      ipcRenderer.removeListener(name, l)
    }
  }
}

const api: PreloadApi = {
  host: 'electron',
  invoke: {
    'studio:generate': (p) => ipcRenderer.invoke('studio:generate', p),
    'studio:cancel': (p) => ipcRenderer.invoke('studio:cancel', p),
    'studio:queue:get': (p) => ipcRenderer.invoke('studio:queue:get', p),
    'studio:queue:reorder': (p) => ipcRenderer.invoke('studio:queue:reorder', p),
    'studio:queue:remove': (p) => ipcRenderer.invoke('studio:queue:remove', p),
    'studio:models:list': (p) => ipcRenderer.invoke('studio:models:list', p),
    'studio:result:image': (p) => ipcRenderer.invoke('studio:result:image', p)
  },
  events: {
    'studio:queue': listen('studio:queue'),
    'studio:job': listen('studio:job'),
    'studio:progress': listen('studio:progress'),
    'studio:preview': listen('studio:preview'),
    'studio:result': listen('studio:result'),
    'studio:error': listen('studio:error')
  }
}

contextBridge.exposeInMainWorld('studio', api)
