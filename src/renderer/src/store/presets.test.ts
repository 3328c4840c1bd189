import { describe, expect, it } from 'vitest'
import { fieldError, presetSummary } from './presets'

describe('presets slice helpers', () => {
  it('separates the field from the message the studio sends', () => {
    expect(fieldError({ field: 'name', message: 'name: contains a path separator' }, 'x')).toEqual({ field: 'name', message: 'contains a path separator' })
    expect(fieldError({ field: 'params.steps', message: 'params.steps: must be from 1 to 150' }, 'x')).toEqual({ field: 'params.steps', message: 'must be from 1 to 150' })
    expect(fieldError(new Error('connection closed'), 'text')).toEqual({ field: 'text', message: 'connection closed' })
  })

  it('summarises what a preset sets', () => {
    const p = { format: 'sigma-studio-preset' as const, schemaVersion: 1, paramsVersion: 2, name: 'x', createdAt: '', params: { sampler: 'euler', schedule: 'karras', steps: 20, cfg: 7, width: 512, height: 512 } }
    expect(presetSummary(p)).toBe('Euler · Karras · 20 steps · CFG 7 · 512×512')
    expect(presetSummary({ ...p, params: {} })).toBe('no settings')
  })
})
