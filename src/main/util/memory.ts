/**
 * How much memory a new job may use: what the OS reports as available (MemAvailable on Linux, which
 * counts reclaimable caches), within the process's cgroup limit where one is set
 * (`process.availableMemory()`, Node ≥ 20.13 / 22). `SIGMA_STUDIO_MEMORY_LIMIT` (bytes, or with a K/M/G
 * suffix) caps it, for machines shared with other work and for tests.
 */
import { freemem } from 'node:os'

export interface AvailableMemory {
  bytes: number
  /** Where the figure came from, for messages. */
  source: 'os' | 'cgroup' | 'SIGMA_STUDIO_MEMORY_LIMIT'
}

/** Parses "8G", "512M", "1073741824"; undefined when absent or malformed. */
export function parseMemoryLimit(v: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?)?\s*$/i.exec(v ?? '')
  if (!m) return undefined
  const unit = (m[2] ?? '').toUpperCase()[0]
  const mult = unit === 'K' ? 2 ** 10 : unit === 'M' ? 2 ** 20 : unit === 'G' ? 2 ** 30 : unit === 'T' ? 2 ** 40 : 1
  const n = Number(m[1]) * mult
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : undefined
}

export function availableMemory(env: NodeJS.ProcessEnv = process.env): AvailableMemory {
  const os = freemem()
  const proc = process as NodeJS.Process & { availableMemory?: () => number }
  const cgroup = typeof proc.availableMemory === 'function' ? proc.availableMemory() : undefined
  let best: AvailableMemory = cgroup !== undefined && cgroup > 0 && cgroup < os ? { bytes: cgroup, source: 'cgroup' } : { bytes: os, source: 'os' }
  const limit = parseMemoryLimit(env.SIGMA_STUDIO_MEMORY_LIMIT)
  if (limit !== undefined && limit < best.bytes) best = { bytes: limit, source: 'SIGMA_STUDIO_MEMORY_LIMIT' }
  return best
}
