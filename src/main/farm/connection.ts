/**
 * How the farm reaches Redis, and the names it uses there. One URL configures everything:
 * `redis://[:password@]host[:port][/db]`, `redis://user:password@host…` (Redis 6 ACL users) or
 * `rediss://…` for TLS (ioredis parses all of them). BullMQ needs `maxRetriesPerRequest: null` on the
 * connections its workers block on, so that a Redis restart makes commands wait, not fail.
 */
import { readFileSync } from 'node:fs'
import { Redis, type RedisOptions } from 'ioredis'

/** Every key the farm writes starts with this (BullMQ's queues included), so a shared Redis stays tidy. */
export const FARM_PREFIX = 'sigma'

export const keys = {
  /** Set of node ids that have announced themselves (stale ids are pruned by readers). */
  nodes: `${FARM_PREFIX}:farm:nodes`,
  /** One node's announcement (JSON, see NodeInfo), expiring unless the heartbeat renews it. */
  node: (id: string) => `${FARM_PREFIX}:farm:node:${id}`,
  /** A grid job was cancelled: nodes skip its cells and stop the one they are running. */
  cancelled: (gridJobId: string) => `${FARM_PREFIX}:farm:cancelled:${gridJobId}`,
  /** Pub/sub channel carrying cancelled grid job ids (the keys above are the durable copy). */
  cancelChannel: `${FARM_PREFIX}:farm:cancel`,
  /** A finished cell's PNG, until the studio has landed it. */
  png: (cellId: string) => `${FARM_PREFIX}:farm:png:${cellId}`
}

/** One BullMQ queue per model hash: a node listens only on the queues of the models it holds. */
export function queueName(modelHash: string): string {
  return `cells-${modelHash}`
}

export class FarmUrlError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FarmUrlError'
  }
}

/** Checks a farm URL before connecting, so a typo is a clear error instead of endless reconnecting. */
export function checkFarmUrl(url: string): URL {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new FarmUrlError(`farm URL "${redactUrl(url)}" is not a URL; write redis://host:6379, redis://:PASSWORD@host:6379 or rediss://host:6380 for TLS`)
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new FarmUrlError(`farm URL "${redactUrl(url)}" must start with redis:// or rediss:// (TLS), not ${u.protocol}//`)
  }
  if (!u.hostname) throw new FarmUrlError(`farm URL "${redactUrl(url)}" names no host; write redis://HOST:6379`)
  return u
}

/** The URL with any password replaced by ***, for logs, errors and the settings view. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)([^@/]*)@/, (_, scheme: string, cred: string) => {
    const i = cred.indexOf(':')
    return `${scheme}${i < 0 ? '***' : `${cred.slice(0, i)}:***`}@`
  })
}

export interface ConnectOptions {
  /** Label for ioredis' connection name (shown by CLIENT LIST on the server). */
  name?: string
}

/**
 * A Redis connection for the farm. Reconnects forever with a capped back-off (a Redis restart is an
 * expected event for a farm); `maxRetriesPerRequest: null` makes commands wait for the reconnect.
 */
export function connectFarm(url: string, opts: ConnectOptions = {}): Redis {
  const u = checkFarmUrl(url)
  const r = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: opts.name,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
    ...(u.protocol === 'rediss:' ? { tls: farmTls() } : {})
  })
  // Without a listener ioredis prints every failed reconnect as an unhandled error event.
  r.on('error', () => {})
  return r
}

/** Names the PEM file of the certificate authority that signed the farm's Redis certificate. */
export const FARM_CA_ENV = 'SIGMA_FARM_CA'

/**
 * TLS options for a rediss:// farm: the system's certificate authorities, or the one named by
 * $SIGMA_FARM_CA (a PEM file; a farm's own Redis usually has a self-made CA). The server's certificate is
 * always verified: a farm URL carries a password and the cells carry prompts.
 */
export function farmTls(env: NodeJS.ProcessEnv = process.env): RedisOptions['tls'] {
  const file = env[FARM_CA_ENV]
  if (!file) return {}
  let ca: Buffer
  try {
    ca = readFileSync(file)
  } catch (e) {
    throw new FarmUrlError(`$${FARM_CA_ENV} names ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set it to the PEM file of the CA that signed the Redis server's certificate`)
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new FarmUrlError(`$${FARM_CA_ENV} names ${file}, which holds no PEM certificate ("-----BEGIN CERTIFICATE-----"); point it at the CA's .crt/.pem file`)
  return { ca }
}
