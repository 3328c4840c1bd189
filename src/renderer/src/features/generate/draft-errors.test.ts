import { describe, expect, it } from 'vitest'
import { initialGenerateState, type Draft } from '../../store/generate'
import { draftErrors, firstDraftError } from './draft-errors'

const d = (patch: Partial<Draft>): Draft => ({ ...initialGenerateState.draft, ...patch })

describe('draftErrors', () => {
  it('accepts the initial form', () => {
    expect(draftErrors(d({}))).toEqual({})
    expect(firstDraftError(draftErrors(d({})))).toBeNull()
  })

  it('names the field and what to do', () => {
    expect(draftErrors(d({ seed: '12a' })).seed).toMatch(/whole number/)
    expect(draftErrors(d({ seed: '12a', seedMode: 'random' })).seed).toBeUndefined()
    expect(draftErrors(d({ width: 100 })).size).toBe('Width 100 is not a multiple of 8; use 96 or 104.')
    expect(draftErrors(d({ height: 66 }), 4).size).toBe('Height 66 is not a multiple of 4; use 64 or 68.')
    expect(draftErrors(d({ width: 72 }), 16).size).toBe('Width 72 is not a multiple of 16; use 64 or 80.')
    const info = { vaeFactor: 4, sizeStep: 16, latentChannels: 4, unet: { channels: [64, 96, 128], heads: [4, 4, 4], attentionLevels: [1, 2] }, vae: { channels: [96, 64, 32], attention: false }, weightsBytes: 27e6 }
    expect(draftErrors(d({ width: 1024, height: 1024, cfg: 7 }), 16, false, { info, available: 8e9 }).size).toMatch(/^1024×1024 needs about 26 GB .* but only 8\.0 GB of memory is available: use at most \d+×\d+/)
    expect(draftErrors(d({ width: 64, height: 64 }), 16, false, { info, available: 8e9 }).size).toBeUndefined()
    expect(draftErrors(d({ width: 0 })).size).toMatch(/Width must be a whole number of pixels from 8/)
    expect(draftErrors(d({ steps: 0 })).steps).toMatch(/Steps must be/)
    expect(draftErrors(d({ cfg: Number.NaN })).cfg).toMatch(/CFG must be/)
    expect(draftErrors(d({ batchSize: 65 })).batchSize).toMatch(/from 1 to 64/)
    expect(firstDraftError(draftErrors(d({ steps: 0 })))).toMatch(/Steps/)
  })

  it('checks the denoising strength only while an init image is chosen', () => {
    expect(draftErrors(d({ strength: Number.NaN })).strength).toBeUndefined()
    expect(draftErrors(d({ strength: Number.NaN }), 8, true).strength).toMatch(/Denoising strength must be a number from 0 to 1/)
    expect(draftErrors(d({ strength: 1.5 }), 8, true).strength).toMatch(/from 0 to 1/)
    expect(draftErrors(d({ strength: 0 }), 8, true)).toEqual({})
    expect(draftErrors(d({ strength: 1 }), 8, true)).toEqual({})
  })
})
