/** The conformance CLI's contract: failing lines, the closing count line, exit codes, --json output. */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(__dirname, '../../..')
const tsx = join(root, 'node_modules/.bin/tsx')
const cli = join(root, 'src/main/cli/conformance.ts')

function run(args: string[]) {
  return spawnSync(tsx, [cli, ...args], { cwd: root, encoding: 'utf8' })
}

describe('conformance CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conf-'))

  it('passes a good case, fails an unknown sampler and a wrong value, and writes raw outputs', () => {
    const file = join(dir, 'v.json')
    const gmm = { type: 'gmm', dim: 1, weights: [1], means: [0.5], variances: [0.25] }
    writeFileSync(
      file,
      JSON.stringify({
        format: 'diffusion-conformance/1',
        cases: [
          // Euler over one step to sigma 0 lands exactly on the denoised estimate.
          { id: 'ok', kind: 'sampler', sampler: 'euler', options: {}, denoiser: gmm, batch: 1, sigmas: [1, 0], x: [1], noise: [], expected: [0.5 + (0.25 / 1.25) * 0.5], atol: 1e-12, rtol: 0 },
          { id: 'unknown', kind: 'sampler', sampler: 'no_such_sampler', options: {}, denoiser: gmm, batch: 1, sigmas: [1, 0], x: [1], noise: [], expected: [0], atol: 0, rtol: 0 },
          { id: 'wrong', kind: 'sampler', sampler: 'euler', options: {}, denoiser: gmm, batch: 1, sigmas: [1, 0], x: [1], noise: [], expected: [7], atol: 0, rtol: 0 },
          { id: 'noexp', kind: 'sampler', sampler: 'euler', options: {}, denoiser: gmm, batch: 1, sigmas: [1, 0], x: [1], noise: [] }
        ]
      })
    )
    const out = join(dir, 'out.json')
    const r = run([file, '--json', out])
    expect(r.status).toBe(1)
    const lines = r.stdout.trim().split('\n')
    expect(lines[lines.length - 1]).toBe('1 passed, 2 failed')
    expect(r.stdout).toMatch(/FAIL unknown: .*unknown sampler "no_such_sampler"/)
    expect(r.stdout).toMatch(/FAIL wrong: /)
    const results = JSON.parse(readFileSync(out, 'utf8')).results
    expect(results.map((x: { id: string }) => x.id)).toEqual(['ok', 'unknown', 'wrong', 'noexp'])
    expect(results[3].actual[0]).toBeCloseTo(0.6, 12)
  })

  it('exits 0 when all cases pass and 2 on a usage error', () => {
    const file = join(dir, 'ok.json')
    writeFileSync(file, JSON.stringify({ format: 'prompt-attention/1', cases: [{ id: 'a', text: 'a (b:1.5)', expected: [['a ', 1], ['b', 1.5]] }] }))
    expect(execFileSync(tsx, [cli, file], { cwd: root, encoding: 'utf8' }).trim()).toBe('1 passed, 0 failed')
    expect(run([]).status).toBe(2)
  })
})
