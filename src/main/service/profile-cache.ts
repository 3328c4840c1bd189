/**
 * The score-optimal profile cache: `<library>/score-optimal/<id>.json`, one calibrated profile per
 * model hash + calibration settings. `studio evaluate schedules` and the app's 'studio:calibrate' both
 * write here under the same names (id = the first 24 hex digits of SHA-256 of the profile's cache key),
 * and generation with schedule `score_optimal` reads from here.
 *
 * What a profile was calibrated with is read back from its own `meta.key` (profileCacheKey's stable
 * JSON), so files written by either tool are understood without a separate index that could drift.
 */
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { ProfileInfo } from '../../shared/calibration'
import { validateProfile, type ScoreOptimalProfile } from '../engine/score-optimal/profile'
import { writeFileAtomic } from '../util/atomic-write'

/** The cache file stem of a profile cache key. */
export function profileId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 24)
}

export function profileFile(cacheDir: string, key: string): string {
  return join(cacheDir, `${profileId(key)}.json`)
}

/** Writes a profile atomically (a crash never leaves a half-written file the next run would trust). */
export function writeProfile(cacheDir: string, key: string, profile: ScoreOptimalProfile): string {
  mkdirSync(cacheDir, { recursive: true })
  const file = profileFile(cacheDir, key)
  writeFileAtomic(file, JSON.stringify(profile))
  return file
}

/** The identity and settings a cache key was made of, or null for a key of another shape. */
export function parseProfileKey(key: string): Omit<ProfileInfo, 'id' | 'createdAt'> | null {
  const at = key.indexOf(':')
  if (!key.startsWith('score-optimal/') || at < 0) return null
  try {
    const j = JSON.parse(key.slice(at + 1)) as { identity?: Record<string, unknown>; settings?: Record<string, unknown> }
    const i = j.identity ?? {}
    const s = j.settings ?? {}
    if (typeof i.modelHash !== 'string') return null
    const num = (v: unknown): number => (typeof v === 'number' ? v : NaN)
    return {
      modelHash: i.modelHash,
      prompt: typeof i.prompt === 'string' ? i.prompt : '',
      cfg: num(i.cfg),
      width: num(i.width),
      height: num(i.height),
      trajectories: num(s.trajectories),
      intervals: num(s.intervals)
    }
  } catch {
    return null
  }
}

export interface CachedProfile {
  info: ProfileInfo
  profile: ScoreOptimalProfile
}

/** Every valid profile in the cache for one model hash, newest first. Unreadable files are skipped. */
export async function listProfiles(cacheDir: string, modelHash: string): Promise<CachedProfile[]> {
  let names: string[]
  try {
    names = (await readdir(cacheDir)).filter((n) => /^[0-9a-f]{24}\.json$/.test(n))
  } catch {
    return [] // no cache yet
  }
  const out: CachedProfile[] = []
  for (const name of names) {
    const file = join(cacheDir, name)
    try {
      const profile = validateProfile(JSON.parse(await readFile(file, 'utf8')))
      const key = profile.meta?.key
      const ident = typeof key === 'string' ? parseProfileKey(key) : null
      if (!ident || ident.modelHash !== modelHash) continue
      out.push({ info: { id: name.slice(0, -5), createdAt: (await stat(file)).mtimeMs, ...ident }, profile })
    } catch {
      // A damaged or foreign file is not a profile; calibrating again replaces it.
    }
  }
  return out.sort((a, b) => b.info.createdAt - a.info.createdAt)
}

/**
 * The profile a generation should use: the model's, preferring one calibrated at the same CFG and
 * size (the guided denoiser, hence the cost, depends on both), then the newest. null = none cached.
 */
export async function pickProfile(cacheDir: string, modelHash: string, want: { cfg: number; width: number; height: number }): Promise<CachedProfile | null> {
  const all = await listProfiles(cacheDir, modelHash)
  const score = (p: CachedProfile): number => (p.info.cfg === want.cfg ? 2 : 0) + (p.info.width === want.width && p.info.height === want.height ? 1 : 0)
  let best: CachedProfile | null = null
  for (const p of all) if (!best || score(p) > score(best)) best = p
  return best
}
