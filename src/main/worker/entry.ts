/**
 * The generation worker (a worker_threads thread of the main process). It owns the model runtime —
 * every ONNX session lives here — and runs one job at a time, so the main thread never waits on
 * inference. Started by the service through a WorkerFactory (spawn.ts under tsx, electron-vite's
 * `?nodeWorker` import in the built app).
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { FromWorker, ToWorker, WorkerInit } from './protocol'
import { JobExecutor } from './execute'
import type { JobRunner } from './runner'

if (!parentPort) throw new Error('src/main/worker/entry.ts must be started as a worker thread, not run directly')
const port = parentPort
const init = workerData as WorkerInit

const post = (msg: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(msg, transfer)

async function createRunner(): Promise<JobRunner> {
  if (init.runner === 'fake') return (await import('./fake-runner')).createFakeRunner(init.fake)
  // Imported only when used, so tests with the fake runner never load onnxruntime.
  return (await import('./onnx-runner')).createOnnxRunner(init.modelsDir, init.device)
}

const runner = await createRunner()
const executor = new JobExecutor(runner, new Int32Array(init.control), post)
// Jobs run strictly one after another; the service sends the next only after `done`, but a chain
// keeps the guarantee local.
let chain: Promise<void> = Promise.resolve()

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'run':
      chain = chain.then(() => executor.run(msg.job))
      break
    case 'calibrate':
      chain = chain.then(() => executor.calibrate(msg.job))
      break
    case 'cancel':
      executor.cancel(msg.serial)
      break
    case 'shutdown':
      // In order: the running job has been cancelled (it stops within one model call), then the
      // model and every ONNX session are released, then this thread ends by itself.
      void chain
        .then(() => executor.dispose())
        .then(() => runner.shutdown?.())
        .catch((e: unknown) => console.error('studio worker: releasing the model failed:', e))
        .finally(() => {
          port.close()
          process.exit(0)
        })
      break
  }
})
post({ type: 'ready' })
