/**
 * Preset names and bundles a hostile or careless user brings: names that would make hidden files,
 * and big bundles (imported in one pass over the folder, all or nothing).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PresetStore, presetFileName } from './store'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'presets-hostile-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('preset names that look like hidden files', () => {
  it('a preset named ".hidden" saves, lists and deletes like any other', () => {
    const store = new PresetStore(dir)
    store.create('.hidden', { steps: 5 })
    store.create('..x', { steps: 6 })
    expect(presetFileName('.hidden')).toBe('%2Ehidden.json')
    expect(readdirSync(dir).every((f) => !f.startsWith('.'))).toBe(true)
    expect(store.list().presets.map((p) => p.name)).toEqual(['..x', '.hidden'])
    store.delete('.hidden')
    expect(store.list().presets.map((p) => p.name)).toEqual(['..x'])
  })
})
