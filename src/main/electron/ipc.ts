/**
 * Electron IPC wiring: one ipcMain.handle per contract call, each checking that the call comes from
 * our window's main frame at our own page, validating the payload with the shared validator, and
 * answering with an Envelope (thrown errors lose their fields across IPC). Events go to that window
 * only, on their own channels.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import { type CallError, type Envelope, type EventName, type Events } from '../../shared/api'
import { INVOKE_NAMES } from '../../shared/api-validators'
import { dispatch } from '../service/dispatch'
import type { StudioApi } from '../service/studio'

export function registerIpc(api: StudioApi, win: BrowserWindow, trusted: (url: string) => boolean): () => void {
  const senderOk = (e: IpcMainInvokeEvent): boolean =>
    e.sender === win.webContents && e.senderFrame !== null && e.senderFrame === win.webContents.mainFrame && trusted(e.senderFrame.url)

  for (const name of INVOKE_NAMES) {
    ipcMain.handle(name, async (e, payload: unknown): Promise<Envelope<unknown>> => {
      if (!senderOk(e)) {
        const error: CallError = { code: 'invalid-request', message: `${name} refused: the call did not come from the studio window` }
        return { ok: false, error }
      }
      return dispatch(api.handlers, name, payload)
    })
  }
  const off = api.onAny(<E extends EventName>(name: E, payload: Events[E]) => {
    if (!win.isDestroyed()) win.webContents.send(name, payload)
  })
  return () => {
    off()
    for (const name of INVOKE_NAMES) ipcMain.removeHandler(name)
  }
}
