/**
 * The farm's node registry: each node announces itself under its own key that expires unless its
 * heartbeat renews it, so a node that dies (SIGKILL, power, network) drops out of the list by itself.
 * The studio reads the list for the settings view and to check, before queueing, that some live node
 * holds a job's model.
 */
import type { Redis } from 'ioredis'
import { keys } from './connection'

export interface NodeModel {
  /** The node's own folder name for it (names may differ between machines; the hash decides). */
  name: string
  hash: string
}

export interface NodeInfo {
  id: string
  name: string
  device: string
  models: NodeModel[]
  /** Cells it can run at once (--concurrency). */
  slots: number
  /** Cells running now ("<gridJobId>-<cell>"); busy = running.length > 0. */
  running: string[]
  startedAt: number
  /** ms since the epoch of the last heartbeat. */
  lastHeartbeat: number
}

/** How often nodes renew their announcement, and how long it lives without renewal. */
export const HEARTBEAT_MS = 2000
export const NODE_TTL_MS = 10_000

export async function announce(redis: Redis, info: NodeInfo, ttlMs = NODE_TTL_MS): Promise<void> {
  await redis.multi().set(keys.node(info.id), JSON.stringify(info), 'PX', ttlMs).sadd(keys.nodes, info.id).exec()
}

export async function withdraw(redis: Redis, id: string): Promise<void> {
  await redis.multi().del(keys.node(id)).srem(keys.nodes, id).exec()
}

function parseNode(raw: string | null): NodeInfo | null {
  if (!raw) return null
  try {
    const n = JSON.parse(raw) as NodeInfo
    return typeof n.id === 'string' && Array.isArray(n.models) ? n : null
  } catch {
    return null
  }
}

/** The live nodes, by name; ids whose announcement expired are pruned from the set. */
export async function listNodes(redis: Redis): Promise<NodeInfo[]> {
  const ids = await redis.smembers(keys.nodes)
  if (ids.length === 0) return []
  const raws = await redis.mget(ids.map(keys.node))
  const out: NodeInfo[] = []
  const gone: string[] = []
  raws.forEach((r, i) => {
    const n = parseNode(r)
    if (n) out.push(n)
    else gone.push(ids[i])
  })
  if (gone.length) await redis.srem(keys.nodes, ...gone)
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
}

/** The live nodes that hold a model with this hash. */
export function nodesWith(nodes: readonly NodeInfo[], modelHash: string): NodeInfo[] {
  return nodes.filter((n) => n.models.some((m) => m.hash === modelHash))
}
