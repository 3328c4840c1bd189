/**
 * How the service gets a worker thread. The built Electron app passes electron-vite's `?nodeWorker`
 * factory (the entry is bundled to out/main); everything that runs from TypeScript source (tests,
 * the web host and the bench under tsx) uses {@link sourceWorkerFactory}, which boots the .ts entry
 * through tsx.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import type { WorkerInit } from './protocol'

export type WorkerFactory = (init: WorkerInit) => Worker

/**
 * Starts src/main/worker/entry.ts through tsx (see tsx-boot.mjs for why a boot file is needed). Inside
 * the CLI bundle (out/cli/<build>/, scripts/cli.mjs) the entry is bundled beside it as worker.mjs and
 * starts directly.
 */
export const sourceWorkerFactory: WorkerFactory = (init) => {
  const bundled = new URL('./worker.mjs', import.meta.url)
  if (!import.meta.url.endsWith('.ts') && existsSync(fileURLToPath(bundled))) return new Worker(bundled, { workerData: init })
  const entry = new URL('./entry.ts', import.meta.url).href
  const options: WorkerOptions = { workerData: { ...init, __entry: entry } }
  return new Worker(new URL('./tsx-boot.mjs', import.meta.url), options)
}
