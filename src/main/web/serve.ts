/**
 * `tsx src/main/web/serve.ts [--port=N] [--models=DIR] [--model=NAME] [--library=DIR | --no-library]
 * [--no-open] [--fake] [--farm=URL]`: runs the studio without Electron — the generation service and its worker, the
 * built renderer and the API over WebSocket on 127.0.0.1 — and opens it in the default browser where
 * there is a desktop to open it on. Every result lands in the library unless --no-library.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chooseLibraryDir, readSettings, settingsFilePath } from '../settings/app-settings'
import { appRoot } from '../util/app-root'
import { pickDefaultModel } from '../service/models-dir'
import { exitOnSignals } from '../service/shutdown'
import { FarmDispatcher } from '../farm/dispatcher'
import { Studio } from '../service/studio'
import { sourceWorkerFactory } from '../worker/spawn'
import { startWebHost } from './host'

function arg(name: string): string | undefined {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`))
  return a?.slice(name.length + 3)
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`)

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true })
  child.on('error', () => console.log(`(could not start ${cmd}; open the address above yourself)`))
  child.unref()
}

async function main(): Promise<void> {
  const port = Number(arg('port') ?? 5173)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port=${arg('port')} is not a port number; use 0..65535`)
  const rendererDir = resolve('out/renderer')
  if (!existsSync(rendererDir)) throw new Error(`${rendererDir} is missing: run "npm run build" first (npm start does it for you)`)
  // --library, then $SIGMA_STUDIO_LIBRARY, then the app's setting, then the platform folder.
  const settingsFile = settingsFilePath()
  // --models, then the folder chosen in Settings, then the app's own (which holds the embedded model).
  const builtInModels = join(appRoot(), 'models')
  const modelsDir = resolve(arg('models') ?? readSettings(settingsFile).settings.modelsDir ?? builtInModels)
  const embedded = join(builtInModels, 'emoji-tiny')
  const library = flag('no-library') ? null : chooseLibraryDir({ explicit: arg('library'), settingsFile })
  const libraryDir = library?.dir ?? null
  // A render farm, when given: generation jobs go to its nodes (src/main/farm), results land here.
  const farmUrl = arg('farm') ?? process.env.SIGMA_FARM_URL
  const dispatcher = farmUrl && !flag('fake') ? new FarmDispatcher({ url: farmUrl, modelsDir, log: (l) => console.error(l) }) : null
  const studio = await Studio.start({
    dispatcher,
    libraryDir,
    settings: { file: settingsFile, source: library?.source ?? 'off', override: library?.override ?? null },
    workerFactory: sourceWorkerFactory,
    runner: flag('fake') ? 'fake' : 'onnx',
    modelsDir,
    defaultModel: flag('fake') ? 'fake' : pickDefaultModel(modelsDir, arg('model'), embedded),
    protectedModels: [embedded],
    // No file dialog in a browser: the page sends a typed path, which main checks (model-manager.ts).
    modelManager: { builtInDir: builtInModels, override: arg('models') ? '--models' : null }
  })
  let host
  try {
    host = await startWebHost({ api: studio, rendererDir, port })
  } catch (e) {
    await studio.close()
    if ((e as { code?: string }).code === 'EADDRINUSE') throw new Error(`port ${port} is in use; pick another with --port=N (0 = any free port)`)
    throw e
  }
  if (dispatcher) console.log(`Generation runs on the ${dispatcher.label}.`)
  console.log(`Sigma Studio is running. Open this address (it carries this launch's access token):\n\n  ${host.url}\n\nModels: ${modelsDir}. Library: ${libraryDir ?? '(off: results are kept in memory only)'}. Ctrl+C stops it.`)
  if (!flag('fake') && studio.service.listModels().length === 0) {
    console.log(`No model folders found in ${modelsDir}: put one there (diffusers ONNX layout, e.g. models/emoji-tiny) or point --models=DIR at yours; --fake runs a built-in stand-in model to try the interface.`)
  }
  if (!flag('no-open')) openBrowser(host.url)
  exitOnSignals(async () => {
    await host.close()
    await studio.close()
  })
}

main().catch((e: Error) => {
  console.error(e.message)
  process.exit(1)
})
