/**
 * `npm run -s studio` and `npm run -s conformance` run from a cached bundle (scripts/cli.mjs), not through
 * tsx: built on first use (a fresh clone has no out/), reused while the sources are unchanged, and the
 * same commands work from it — including a generation and the conformance runner.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fixture, scratchDir } from '../models/test-fixtures'

const root = resolve(__dirname, '../../..')
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'scripts/cli.mjs'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, SIGMA_STUDIO_LIBRARY: scratchDir() } })

describe('the CLI bundle', () => {
  it('the npm scripts run the bundle launcher, not tsx', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
    expect(scripts.studio).toBe('node scripts/cli.mjs studio')
    expect(scripts.conformance).toBe('node scripts/cli.mjs conformance')
  })

  it('is built once per state of the sources and then reused', () => {
    const first = cli('--build')
    expect(first.status).toBe(0)
    const dir = first.stdout.trim()
    for (const f of ['studio.mjs', 'conformance.mjs', 'worker.mjs']) expect(existsSync(join(dir, f))).toBe(true)
    expect(cli('--build').stdout.trim()).toBe(dir)
  }, 120_000)

  it('generates an image and runs the conformance vectors from the bundle', () => {
    const out = join(scratchDir(), 'b.png')
    const gen = cli('studio', 'generate', '--model', fixture('sd1-tiny'), '--prompt', 'x', '--steps', '2', '--no-library', '--out', out)
    expect(gen.stderr).toBe('')
    expect(gen.status).toBe(0)
    expect(gen.stdout).toMatch(/^wrote .*b\.png \(64x64, seed 0\)/)
    expect(readFileSync(out).subarray(1, 4).toString()).toBe('PNG')
    // The embedded model is found from the bundle's folder (out/cli/<key>/) as from src/.
    expect(cli('studio', 'generate', '--prompt', 'x', '--width', '72', '--no-library', '--out', out).stderr).toMatch(/width: 72 is not a multiple of 16/)
    const conf = cli('conformance', join(root, 'reference/conformance/public.json'))
    expect(conf.stdout).toMatch(/\d+ passed, 0 failed/)
    expect(conf.status).toBe(0)
  }, 120_000)
})
