/**
 * For the per-kind conformance tests: one test that the public vector file has cases of a kind, and one
 * test per case (named by its id) that runs it through the same runner as the CLI and expects a pass.
 */
import { expect, it } from 'vitest'
import { runCase } from './index'
import { publicCases } from './reference-files'
import type { RawCase } from './types'

export function itPassesEachPublicCase(kind: string): void {
  const cases = publicCases(kind)
  it(`the public file has ${kind} cases`, () => {
    expect(cases.length).toBeGreaterThan(0)
  })
  for (const c of cases) {
    it(`passes ${String(c.id)}`, async () => {
      const r = await runCase('diffusion-conformance/1', c as RawCase, 0)
      expect(r.message).toBeUndefined()
      expect(r.passed).toBe(true)
    })
  }
}
