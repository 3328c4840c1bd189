import { describe, expect, it } from 'vitest'
import { resultLabel } from './result-label'

describe('resultLabel', () => {
  it('names the settings by their display names and shortens a long prompt', () => {
    expect(resultLabel({ prompt: 'a cat', sampler: 'euler', schedule: 'karras', steps: 20, cfg: 5, seed: '42' })).toBe('a cat · Euler / Karras · 20 steps · CFG 5 · seed 42')
    const long = resultLabel({ prompt: 'x'.repeat(100), sampler: 'nope', schedule: 'karras', steps: 1, cfg: 0, seed: '1' })
    expect(long.startsWith(`${'x'.repeat(39)}… · nope / Karras`)).toBe(true)
    expect(resultLabel({ prompt: ' ', sampler: 'euler', schedule: 'karras', steps: 1, cfg: 1, seed: '0' })).toMatch(/^\(empty prompt\) · /)
  })
})
