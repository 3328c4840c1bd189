/** `studio evaluate schedules` end to end on a fixture: calibrates, caches the profile, prints the tables. */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanScratch, fixture, scratchDir } from '../../models/test-fixtures'
import { main } from '../studio'

afterAll(cleanScratch)

async function studio(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out, err }
}

describe('studio evaluate schedules', () => {
  it('prints RMSE and PSNR tables for every sampler x schedule and caches the calibrated profile', async () => {
    const lib = scratchDir()
    const args = ['evaluate', 'schedules', '--model', fixture('sd1-tiny'), '--steps', '4', '--seeds', '1', '--samplers', 'euler,dpmpp_2m', '--trajectories', '1', '--intervals', '16', '--library', lib, '--markdown']
    const first = await studio(...args)
    expect(first.code).toBe(0)
    const text = first.out.join('\n')
    for (const s of ['simple', 'karras', 'exponential', 'AYS', 'beta', 'score_optimal']) expect(text).toContain(s)
    expect(text).toMatch(/\| euler +\| karras +\| [0-9.]+/)
    expect(first.err.some((l) => l.startsWith('calibrated score_optimal'))).toBe(true)
    expect(readdirSync(join(lib, 'score-optimal'))).toHaveLength(1)

    const second = await studio(...args)
    expect(second.code).toBe(0)
    expect(second.err.some((l) => l.startsWith('note: score_optimal profile from'))).toBe(true)
    // Same model, seeds and cached profile: the same figures.
    expect(second.out).toEqual(first.out)
  }, 120_000)

  it('rejects bad lists with a usage error', async () => {
    expect((await studio('evaluate', 'schedules', '--steps', '5,x')).code).toBe(2)
    expect((await studio('evaluate', 'nope')).code).toBe(2)
  })
})
