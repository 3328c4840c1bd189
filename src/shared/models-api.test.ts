import { describe, expect, it } from 'vitest'
import { VALIDATORS } from './api-validators'

describe('model manager call validators', () => {
  it('accepts the documented payloads and names the bad field otherwise', () => {
    expect(VALIDATORS['studio:models:import']({ path: '/m.safetensors', name: 'M', family: 'sdxl' })).toEqual({ path: '/m.safetensors', name: 'M', family: 'sdxl' })
    expect(() => VALIDATORS['studio:models:import']({})).toThrow(/^path: must be the full path of a \.safetensors checkpoint/)
    expect(() => VALIDATORS['studio:models:import']({ path: '/a\u0000b' })).toThrow(/^path: must not contain a NUL/)
    expect(() => VALIDATORS['studio:models:import']({ path: '/a', family: 'flux' })).toThrow(/^family: must be one of/)
    expect(() => VALIDATORS['studio:models:import']({ path: '/a', name: 'x'.repeat(101) })).toThrow(/^name: is 101 characters long/)
    expect(() => VALIDATORS['studio:models:import:cancel']({ importId: '../x' })).toThrow(/^importId: must be an import id/)
    expect(() => VALIDATORS['studio:models:rename']({ name: 'a' })).toThrow(/^newName: must be the new model name/)
    expect(() => VALIDATORS['studio:models:remove']({ name: 5 })).toThrow(/^name: must be the name of a model/)
    expect(() => VALIDATORS['studio:models:folder:set']({ dir: '' })).toThrow(/^dir: must be the full path of a folder/)
    expect(() => VALIDATORS['studio:models:pick']({ path: '/x' })).toThrow(/^path: is not accepted here/)
  })
})
