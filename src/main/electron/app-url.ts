/** Which URLs are the studio's own page (Electron only; kept free of electron imports so it can be tested under Node). */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Whether a URL is our renderer: the bundled file, or the dev server during `electron-vite dev`. */
export function isAppUrl(url: string, rendererFile: string, devUrl: string | undefined): boolean {
  try {
    const u = new URL(url)
    if (u.protocol === 'file:') return resolve(fileURLToPath(u)) === resolve(rendererFile)
    return devUrl !== undefined && u.origin === new URL(devUrl).origin
  } catch {
    return false
  }
}

