/** The score-optimal profile cache: names, what a file says it was calibrated with, and which one a generation gets. */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { logUniformGrid } from '../engine/score-optimal/closed-form'
import { profileCacheKey, profileFromIntervalCosts } from '../engine/score-optimal/profile'
import { listProfiles, parseProfileKey, pickProfile, profileFile, profileId, writeProfile } from './profile-cache'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

const SETTINGS = { sigmaMin: 0.03, sigmaMax: 14.6, intervals: 8, trajectories: 1, cost: 'symmetric' as const, integrator: 'dpmpp_2m' as const, floorRel: 1e-12, smooth: 1, rows: 1 }

function keyFor(modelHash: string, cfg: number, side: number): string {
  return profileCacheKey({ modelHash, width: side, height: side, cfg, prompt: 'red apple', negative: '' }, SETTINGS)
}

function store(dir: string, key: string, ageS: number): string {
  const grid = logUniformGrid(SETTINGS.sigmaMin, SETTINGS.sigmaMax, SETTINGS.intervals)
  const L = Array.from({ length: SETTINGS.intervals }, (_, i) => 1 + i)
  const file = writeProfile(dir, key, profileFromIntervalCosts(grid, L, SETTINGS, { meta: { key } }))
  const t = Date.now() / 1000 - ageS
  utimesSync(file, t, t)
  return file
}

describe('score-optimal profile cache', () => {
  it('names files by the key hash and reads back what the key says', () => {
    const key = keyFor('abc', 5, 64)
    expect(profileFile('/c', key)).toBe(join('/c', `${profileId(key)}.json`))
    expect(profileId(key)).toMatch(/^[0-9a-f]{24}$/)
    expect(parseProfileKey(key)).toEqual({ modelHash: 'abc', prompt: 'red apple', cfg: 5, width: 64, height: 64, trajectories: 1, intervals: 8 })
    expect(parseProfileKey('something else')).toBeNull()
  })

  it("lists one model's valid profiles newest first and prefers the same CFG, then the same size", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigma-profiles-'))
    dirs.push(dir)
    expect(await pickProfile(dir, 'abc', { cfg: 5, width: 64, height: 64 })).toBeNull()
    store(dir, keyFor('abc', 7, 64), 30)
    store(dir, keyFor('abc', 5, 128), 20)
    store(dir, keyFor('abc', 3, 256), 10)
    store(dir, keyFor('other', 5, 64), 0)
    writeFileSync(join(dir, `${'f'.repeat(24)}.json`), '{"not": "a profile"}')

    const listed = await listProfiles(dir, 'abc')
    expect(listed.map((p) => p.info.cfg)).toEqual([3, 5, 7])
    expect((await pickProfile(dir, 'abc', { cfg: 5, width: 64, height: 64 }))!.info.cfg).toBe(5)
    expect((await pickProfile(dir, 'abc', { cfg: 9, width: 64, height: 64 }))!.info.cfg).toBe(7)
    expect((await pickProfile(dir, 'abc', { cfg: 9, width: 32, height: 32 }))!.info.cfg).toBe(3) // newest
    expect(await pickProfile(dir, 'nope', { cfg: 5, width: 64, height: 64 })).toBeNull()
  })
})
