import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { computeSigmas } from './index'

/** A1111 1.10's own code run on numpy (tools/fixtures/make_a1111_schedules.py). */
const REF = JSON.parse(readFileSync(join(__dirname, '../../../../reference/schedules/a1111.json'), 'utf8')) as {
  sigma_min: number
  sigma_max: number
  beta: Array<{ steps: number; alpha: number; beta: number; sigmas: number[] }>
  ays: Array<{ steps: number; sdxl: boolean; sigmas: number[] }>
}
const range = { sigmaMin: REF.sigma_min, sigmaMax: REF.sigma_max }

const close = (got: ArrayLike<number>, want: number[], tol: number): void => {
  expect(got.length).toBe(want.length)
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `sigma ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i])))
}

describe("A1111's Beta and Align Your Steps", () => {
  it('beta_a1111 matches A1111 (quantiles linear in sigma between the model ends)', () => {
    for (const c of REF.beta) close(computeSigmas('beta_a1111', c.steps, range, { alpha: c.alpha, beta: c.beta }), c.sigmas, 1e-12)
  })

  it('ays_a1111_* match A1111 (interpolated to n points, 0 appended), for SD and SDXL', () => {
    for (const c of REF.ays) close(computeSigmas(c.sdxl ? 'ays_a1111_sdxl' : 'ays_a1111_sd1', c.steps, range), c.sigmas, 1e-12)
  })

  it("differ from ComfyUI's schedules of the same label (why both exist)", () => {
    const a = computeSigmas('ays_a1111_sd1', 10, range)
    const c = computeSigmas('ays_sd1', 10, range)
    // A1111 ends its 10 steps at its table's last value 0.029; ComfyUI's last step goes from 0.152 to 0.
    expect(a[9]).toBeCloseTo(0.029, 9)
    expect(Math.abs(c[9] - a[9])).toBeGreaterThan(0.05)
  })
})
