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
    'studio:calibrate': (p) => ipcRenderer.invoke('studio:calibrate', p),
    'studio:calibration:list': (p) => ipcRenderer.invoke('studio:calibration:list', p),
    'studio:cancel': (p) => ipcRenderer.invoke('studio:cancel', p),
    'studio:queue:get': (p) => ipcRenderer.invoke('studio:queue:get', p),
    'studio:queue:reorder': (p) => ipcRenderer.invoke('studio:queue:reorder', p),
    'studio:queue:remove': (p) => ipcRenderer.invoke('studio:queue:remove', p),
    'studio:queue:details': (p) => ipcRenderer.invoke('studio:queue:details', p),
    'studio:models:list': (p) => ipcRenderer.invoke('studio:models:list', p),
    'studio:result:image': (p) => ipcRenderer.invoke('studio:result:image', p),
    'studio:sweep:export': (p) => ipcRenderer.invoke('studio:sweep:export', p),
    'studio:library:list': (p) => ipcRenderer.invoke('studio:library:list', p),
    'studio:library:models': (p) => ipcRenderer.invoke('studio:library:models', p),
    'studio:library:get': (p) => ipcRenderer.invoke('studio:library:get', p),
    'studio:library:thumb': (p) => ipcRenderer.invoke('studio:library:thumb', p),
    'studio:library:image': (p) => ipcRenderer.invoke('studio:library:image', p),
    'studio:library:reveal': (p) => ipcRenderer.invoke('studio:library:reveal', p),
    'studio:library:favourite': (p) => ipcRenderer.invoke('studio:library:favourite', p),
    'studio:library:delete': (p) => ipcRenderer.invoke('studio:library:delete', p),
    'studio:library:export': (p) => ipcRenderer.invoke('studio:library:export', p),
    'studio:library:input': (p) => ipcRenderer.invoke('studio:library:input', p),
    'studio:presets:list': (p) => ipcRenderer.invoke('studio:presets:list', p),
    'studio:presets:save': (p) => ipcRenderer.invoke('studio:presets:save', p),
    'studio:presets:apply': (p) => ipcRenderer.invoke('studio:presets:apply', p),
    'studio:presets:rename': (p) => ipcRenderer.invoke('studio:presets:rename', p),
    'studio:presets:delete': (p) => ipcRenderer.invoke('studio:presets:delete', p),
    'studio:presets:export': (p) => ipcRenderer.invoke('studio:presets:export', p),
    'studio:presets:import': (p) => ipcRenderer.invoke('studio:presets:import', p),
    'studio:presets:read': (p) => ipcRenderer.invoke('studio:presets:read', p),
    'studio:settings:get': (p) => ipcRenderer.invoke('studio:settings:get', p),
    'studio:settings:set': (p) => ipcRenderer.invoke('studio:settings:set', p),
    'studio:prompt:tokens': (p) => ipcRenderer.invoke('studio:prompt:tokens', p),
    'studio:models:pick': (p) => ipcRenderer.invoke('studio:models:pick', p),
    'studio:models:import': (p) => ipcRenderer.invoke('studio:models:import', p),
    'studio:models:import:cancel': (p) => ipcRenderer.invoke('studio:models:import:cancel', p),
    'studio:models:rename': (p) => ipcRenderer.invoke('studio:models:rename', p),
    'studio:models:remove': (p) => ipcRenderer.invoke('studio:models:remove', p),
    'studio:models:folder:get': (p) => ipcRenderer.invoke('studio:models:folder:get', p),
    'studio:models:folder:set': (p) => ipcRenderer.invoke('studio:models:folder:set', p)
  },
  events: {
    'studio:queue': listen('studio:queue'),
    'studio:job': listen('studio:job'),
    'studio:progress': listen('studio:progress'),
    'studio:preview': listen('studio:preview'),
    'studio:result': listen('studio:result'),
    'studio:error': listen('studio:error'),
    'studio:calibration': listen('studio:calibration'),
    'studio:models:import': listen('studio:models:import'),
    'studio:library:reconcile': listen('studio:library:reconcile')
  }
}

contextBridge.exposeInMainWorld('studio', api)
