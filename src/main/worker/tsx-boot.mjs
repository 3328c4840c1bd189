// Starts a TypeScript worker entry under tsx (for tests, the CLI and the web host run from source).
// `--import tsx` in a Worker's execArgv does not register tsx's loader inside the worker thread on
// Node 20, so the worker starts here, registers it, and then imports the real entry.
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.__entry)
