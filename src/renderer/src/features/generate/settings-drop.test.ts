import { describe, expect, it } from 'vitest'
import { draftPatch, looksLikeInfotext } from './settings-drop'

describe('settings brought to the Generate view', () => {
  it('takes pasted text as infotext only when it has a settings line', () => {
    expect(looksLikeInfotext('a castle\nNegative prompt: fog\nSteps: 30, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x512')).toBe(true)
    expect(looksLikeInfotext('Steps: 20, Sampler: DPM++ 2M, Seed: 1')).toBe(true)
    // A prompt that merely mentions steps is a paste like any other.
    expect(looksLikeInfotext('a staircase, 30 steps, seed pods')).toBe(false)
    expect(looksLikeInfotext('Steps: 20 and nothing else')).toBe(false)
  })

  it('fixes the seed when the source sets one, and sets only what the source sets', () => {
    expect(draftPatch({ steps: 12, seed: '42' })).toEqual({ steps: 12, seed: '42', seedMode: 'fixed' })
    expect(draftPatch({ cfg: 3 })).toEqual({ cfg: 3 })
  })
})
