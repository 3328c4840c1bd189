import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanScratch, scratchDir } from '../test-fixtures'
import { listUpscalers } from './discover'
import { findUpscaler } from './job'

const FIX = join(__dirname, '..', '..', '..', '..', 'tools', 'fixtures', 'models')
afterAll(cleanScratch)

describe('listUpscalers', () => {
  it('lists models/*upscaler* folders and the user folder (files and sub-folders), skipping what is not one model', () => {
    const models = scratchDir()
    mkdirSync(join(models, 'emoji-upscaler-2x'))
    copyFileSync(join(FIX, 'upscaler-fp16', 'model.onnx'), join(models, 'emoji-upscaler-2x', 'model.onnx'))
    mkdirSync(join(models, 'sd1-tiny')) // not an upscaler folder by name: ignored
    copyFileSync(join(FIX, 'upscaler-fp16', 'model.onnx'), join(models, 'sd1-tiny', 'model.onnx'))
    mkdirSync(join(models, 'empty-upscaler')) // no .onnx: skipped
    const user = scratchDir()
    copyFileSync(join(FIX, 'upscaler-dynamic-3x', 'model.onnx'), join(user, '3x-thing.onnx'))
    mkdirSync(join(user, 'fixed'))
    copyFileSync(join(FIX, 'upscaler-fixed64', 'model.onnx'), join(user, 'fixed', 'model.onnx'))
    writeFileSync(join(user, 'notes.txt'), 'x')
    const list = listUpscalers(models, user)
    expect(list.map((e) => [e.name, e.source])).toEqual([
      ['emoji-upscaler-2x', 'bundled'],
      ['3x-thing', 'user'],
      ['fixed', 'user']
    ])
    expect(findUpscaler('3x-thing', models, user)).toBe(join(user, '3x-thing.onnx'))
    expect(() => findUpscaler('nope', models, user)).toThrow(/no upscaler named "nope"; use one of lanczos, nearest, emoji-upscaler-2x, 3x-thing, fixed/)
    expect(listUpscalers(join(models, 'missing'), join(user, 'missing'))).toEqual([])
  })
})
