/**
 * A web host in its own process for the shutdown test: the real ONNX runner on a models folder, a
 * library, and serve.ts's signal handling. Prints one JSON line {port, token, origin} when ready.
 * Usage: node --import tsx host-process.ts MODELS_DIR DEFAULT_MODEL LIBRARY_DIR RENDERER_DIR
 */
import { exitOnSignals } from '../../service/shutdown'
import { Studio } from '../../service/studio'
import { sourceWorkerFactory } from '../../worker/spawn'
import { startWebHost } from '../host'

const [modelsDir, defaultModel, libraryDir, rendererDir] = process.argv.slice(2)
const studio = await Studio.start({ libraryDir, workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir, defaultModel })
const host = await startWebHost({ api: studio, rendererDir })
exitOnSignals(async () => {
  await host.close()
  await studio.close()
})
console.log(JSON.stringify({ port: host.port, token: host.token, origin: host.origin }))
