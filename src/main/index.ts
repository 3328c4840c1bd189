/**
 * Electron composition root: one locked-down window, the generation service with its worker, and the
 * IPC wiring. Everything else (service, worker, models, library) is plain Node and runs the same under
 * the CLI and the local web host.
 */
import { app, BrowserWindow, dialog, session, shell } from 'electron'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isAppUrl } from './electron/app-url'
import { externalLinkDecision } from './electron/external-links'
import { registerIpc } from './electron/ipc'
import { pickDefaultModel } from './service/models-dir'
import { chooseLibraryDir, readSettings, settingsFilePath } from './settings/app-settings'
import { Studio } from './service/studio'
import { FarmDispatcher } from './farm/dispatcher'
// electron-vite bundles the worker entry into out/main and returns a factory that starts it.
import createGenerationWorker from './worker/entry?nodeWorker'

const here = fileURLToPath(new URL('.', import.meta.url))
const rendererFile = join(here, '../renderer/index.html')
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined

/** The header form of index.html's policy, for the dev server (file:// pages use the meta tag). */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** The app's own models folder (holds the embedded default model). */
function builtInModelsDir(): string {
  return app.isPackaged ? join(process.resourcesPath, 'models') : join(app.getAppPath(), 'models')
}

/** $SIGMA_STUDIO_MODELS (scripts, tests), else the folder chosen in Settings, else the app's own. */
function modelsDir(settingsFile: string): string {
  if (process.env.SIGMA_STUDIO_MODELS) return process.env.SIGMA_STUDIO_MODELS
  return readSettings(settingsFile).settings.modelsDir ?? builtInModelsDir()
}

/** Main's own file dialog for a checkpoint: the only way the desktop app names a file to import. */
async function pickCheckpoint(): Promise<string | null> {
  const options = {
    title: 'Import a checkpoint',
    properties: ['openFile' as const],
    filters: [{ name: 'Safetensors checkpoints', extensions: ['safetensors'] }]
  }
  const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options)
  return r.canceled ? null : (r.filePaths[0] ?? null)
}

/** Opens a link in the system browser: allow-listed hosts at once, any other https host if the user agrees. */
async function openLink(win: BrowserWindow, url: string): Promise<void> {
  const d = externalLinkDecision(url)
  if (d.action === 'refuse') return
  if (d.action === 'ask') {
    const { response } = await dialog.showMessageBox(win, {
      type: 'question',
      buttons: ['Open in browser', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: `Open ${d.host} in your browser?`,
      detail: d.url
    })
    if (response !== 0) return
  }
  await shell.openExternal(d.url)
}

function createWindow(studio: Studio): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 640,
    backgroundColor: '#15161a',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false
    }
  })
  win.once('ready-to-show', () => win.show())

  // No navigation away from the app, in the page or any frame of it, and no new windows; links open in
  // the system browser by the rules of external-links.ts (known hosts at once, others after asking).
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url, rendererFile, devUrl)) e.preventDefault()
  })
  win.webContents.on('will-frame-navigate', (e) => {
    if (!isAppUrl(e.url, rendererFile, devUrl)) e.preventDefault()
  })
  win.webContents.on('will-redirect', (e) => e.preventDefault())
  win.webContents.setWindowOpenHandler(({ url }) => {
    void openLink(win, url)
    return { action: 'deny' }
  })

  const unregister = registerIpc(studio, win, (url) => isAppUrl(url, rendererFile, devUrl))
  win.on('closed', unregister)

  if (devUrl) void win.loadURL(devUrl)
  else void win.loadFile(rendererFile)
  return win
}

app.on('web-contents-created', (_e, contents) => {
  // No <webview> may ever be attached, whatever a page tries.
  contents.on('will-attach-webview', (e) => e.preventDefault())
})

app.whenReady().then(async () => {
  const ses = session.defaultSession
  // The renderer needs no device permissions at all.
  ses.setPermissionRequestHandler((_wc, _perm, cb) => cb(false))
  ses.setPermissionCheckHandler(() => false)
  ses.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } })
  })

  // Every result lands in the library: $SIGMA_STUDIO_LIBRARY, else the folder chosen in the settings view,
  // else the platform folder the CLI uses too, so the app and `studio generate` share one history.
  const settingsFile = settingsFilePath()
  const dir = modelsDir(settingsFile)
  // The embedded model is always there: from another models folder it is the default by its path.
  const embedded = join(builtInModelsDir(), 'emoji-tiny')
  const library = chooseLibraryDir({ settingsFile })
  // $SIGMA_FARM_URL sends generation jobs to a render farm (src/main/farm); results land in this library.
  const farmUrl = process.env.SIGMA_FARM_URL
  const studio = await Studio.start({
    dispatcher: farmUrl ? new FarmDispatcher({ url: farmUrl, modelsDir: dir, log: (l) => console.error(l) }) : null,
    libraryDir: library.dir,
    settings: { file: settingsFile, source: library.source, override: library.override },
    // "Show in folder" from the Library view (the path comes from the library's own index, never the page).
    revealFile: (file) => shell.showItemInFolder(file),
    workerFactory: (init) => createGenerationWorker({ workerData: init }),
    runner: 'onnx',
    modelsDir: dir,
    defaultModel: pickDefaultModel(dir, undefined, embedded),
    protectedModels: [embedded],
    modelManager: {
      pick: pickCheckpoint,
      onlyPicked: true,
      builtInDir: builtInModelsDir(),
      override: process.env.SIGMA_STUDIO_MODELS ? 'SIGMA_STUDIO_MODELS' : null
    }
  })
  // Quit in order: hold the quit until the running job is cancelled, the worker has released its ONNX
  // sessions and the library is closed (quitting under a native ONNX call aborted the process).
  let closed = false
  app.on('will-quit', (e) => {
    if (closed) return
    e.preventDefault()
    void studio.close().finally(() => {
      closed = true
      app.quit()
    })
  })

  createWindow(studio)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(studio)
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
