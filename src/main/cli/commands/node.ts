/**
 * `studio node --redis URL`: a headless render node of the farm (src/main/farm/node.ts). It offers every
 * model folder under --models (matched to the studio's by hash), runs cells in the app's generation
 * worker, and stops cleanly on Ctrl+C / SIGTERM (running cells finish; a second signal abandons them
 * and other nodes retry them). Its working folder is its own temp folder, removed on exit.
 */
import { resolve } from 'node:path'
import { checkFarmUrl, redactUrl } from '../../farm/connection'
import { RenderNode } from '../../farm/node'
import { parseDevice } from '../../models/onnx/runtime'
import { CliUsageError, formatOptions, parseOptions, type OptionSpec } from './args'
import { MODELS_DIR } from './model-dir'
import type { Command } from './types'

const OPTIONS: OptionSpec = {
  redis: { type: 'string', value: 'URL', help: 'the farm\'s Redis: redis://[:PASSWORD@]HOST:6379[/DB], rediss://… for TLS (or $SIGMA_FARM_URL)' },
  models: { type: 'string', value: 'DIR', help: 'folder of model folders to offer (default: the repository\'s models/)' },
  device: { type: 'string', value: 'DEV', help: 'auto (default), cpu, cuda, dml, coreml or webgpu' },
  concurrency: { type: 'int', value: 'N', help: 'cells run at once, each in its own worker thread (default 1)' },
  name: { type: 'string', value: 'NAME', help: 'name in the studio\'s node list (default: the host name)' },
  'lock-ms': { type: 'int', value: 'MS', help: 'lock on a running cell, renewed while alive; a dead node\'s cell is retried after about this (default 30000)' },
  help: { type: 'flag', help: 'show this help' }
}

const USAGE = `usage: npm run -s studio -- node --redis URL [--models DIR] [--device DEV] [--concurrency N] [--name NAME]

${formatOptions(OPTIONS)}`

export const nodeCommand: Command = {
  name: 'node',
  summary: 'run a render node of a farm: take cells from Redis (BullMQ) and render them',
  usage: USAGE,
  async run(argv, io) {
    const { options: o, positional } = parseOptions(argv, OPTIONS)
    if (o.help) {
      io.out(USAGE)
      return 0
    }
    if (positional.length > 0) throw new CliUsageError(`unexpected argument "${positional[0]}"`)
    const url = (o.redis as string | undefined) ?? process.env.SIGMA_FARM_URL
    if (!url) throw new CliUsageError('--redis URL is required (or set $SIGMA_FARM_URL)')
    try {
      checkFarmUrl(url)
    } catch (e) {
      throw new CliUsageError((e as Error).message)
    }
    const device = parseDevice((o.device as string | undefined) ?? 'auto')
    const concurrency = (o.concurrency as number | undefined) ?? 1
    if (concurrency < 1 || concurrency > 64) throw new CliUsageError(`--concurrency must be 1…64, got ${concurrency}`)
    const lockMs = (o['lock-ms'] as number | undefined) ?? 30_000
    if (lockMs < 500) throw new CliUsageError(`--lock-ms must be at least 500, got ${lockMs}`)
    const modelsDir = resolve((o.models as string | undefined) ?? MODELS_DIR)
    const node = await RenderNode.start({
      url,
      modelsDir,
      device,
      concurrency,
      name: o.name as string | undefined,
      lockMs,
      stalledMs: Math.max(250, Math.floor(lockMs / 2)),
      log: (l) => io.err(l)
    })
    if (node.info.models.length === 0) io.err(`warning: no model folders under ${modelsDir}; this node will take no cells`)
    // Nothing the node runs should write outside its own folder: make it the working directory.
    process.chdir(node.tempDir)
    io.out(`ready: node ${node.info.name} on ${redactUrl(url)}`)
    await new Promise<void>((done) => {
      let stopping = false
      const stop = (): void => {
        if (stopping) {
          io.err('abandoning running cells; other nodes will retry them')
          void node.close(true).then(done)
          return
        }
        stopping = true
        io.err('stopping: finishing running cells (signal again to abandon them)')
        void node.close(false).then(done)
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
    return 0
  }
}
