import { describe, expect, it } from 'vitest'
import type { ModelImportEvent } from '../../../shared/api'
import { importLine, importPercent, removeWarning, shownName, withImportEvent } from './models'

const ev = (e: Partial<ModelImportEvent>): ModelImportEvent => ({ importId: 'a', file: 'm.safetensors', state: 'running', stage: 'check', done: 0, total: 0, ...e })

describe('model manager wording', () => {
  it('follows an import through its stages', () => {
    expect(importLine(ev({}))).toMatch(/^Checking every tensor of m\.safetensors/)
    expect(importPercent(ev({ stage: 'hash', done: 50, total: 200 }))).toBe(25)
    expect(importLine(ev({ stage: 'hash', done: 50, total: 200 }))).toMatch(/sha256\): 25 %$/)
    expect(importLine(ev({ state: 'done', stage: 'done', name: 'M' }))).toBe('Imported m.safetensors as “M”.')
    expect(importLine(ev({ state: 'failed', error: '/x/m.safetensors: is a LoRA file' }))).toBe('Could not import m.safetensors: /x/m.safetensors: is a LoRA file')
    expect(importLine(ev({ state: 'cancelled' }))).toMatch(/cancelled; nothing was added/)
  })

  it('keeps one entry per import, replaced in place', () => {
    let list = withImportEvent([], ev({}))
    list = withImportEvent(list, ev({ importId: 'b' }))
    list = withImportEvent(list, ev({ state: 'done' }))
    expect(list.map((e) => [e.importId, e.state])).toEqual([['a', 'done'], ['b', 'running']])
  })

  it('says what a remove deletes and what it keeps', () => {
    expect(removeWarning({ name: 'M', imported: { file: 'm.safetensors', path: '/d/m.safetensors', size: 1, sha256: null, importedAt: '', family: 'sd1' } })).toMatch(/checkpoint \/d\/m\.safetensors itself stays/)
    expect(removeWarning({ name: 'F', imported: null, sizeBytes: 2.1e9 })).toMatch(/deleted with its weights \(2\.1 GB\); this cannot be undone/)
    expect(shownName({ name: '/app/models/emoji-tiny' })).toBe('emoji-tiny')
    expect(shownName({ name: 'My model' })).toBe('My model')
  })
})
