import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ModelFolderError } from '../../models/errors'
import { fixture } from '../../models/test-fixtures'
import { DEFAULT_MODEL, MODELS_DIR, resolveModelDir } from './model-dir'

describe('resolveModelDir', () => {
  it('uses the embedded default without --model, and says what to do when it is not installed', () => {
    expect(DEFAULT_MODEL).toBe(join(MODELS_DIR, 'emoji-tiny'))
    expect(resolveModelDir(undefined, fixture('sd1-tiny'))).toBe(fixture('sd1-tiny'))
    expect(() => resolveModelDir(undefined, '/nonexistent/emoji-tiny')).toThrow(ModelFolderError)
    expect(() => resolveModelDir(undefined, '/nonexistent/emoji-tiny')).toThrow(/pass --model DIR/)
  })
  it('takes paths as given and bare names from models/', () => {
    expect(resolveModelDir(fixture('sdxl-tiny'))).toBe(fixture('sdxl-tiny'))
    expect(resolveModelDir('emoji-tiny')).toMatch(/emoji-tiny$/)
  })
})
