/**
 * Preset names and bundles a hostile or careless user brings: names that would make hidden files,
 * and big bundles (imported in one pass over the folder, all or nothing).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { importPresets } from './import'
import { makePreset, PRESET_BUNDLE_FORMAT, PRESET_SCHEMA_VERSION } from './schema'
import { PresetStore, presetFileName } from './store'

const bundleOf = (n: number, prefix = 'P'): string =>
  JSON.stringify({
    format: PRESET_BUNDLE_FORMAT,
    schemaVersion: PRESET_SCHEMA_VERSION,
    exportedAt: new Date().toISOString(),
    presets: Array.from({ length: n }, (_, i) => makePreset(`${prefix} ${i}`, { steps: 1 + (i % 50) }))
  })

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

describe('bundle import', () => {
  it('lists the folder once for the whole bundle, not once per preset', () => {
    const store = new PresetStore(dir)
    store.create('P 7', { steps: 3 })
    const list = vi.spyOn(store, 'list')
    const r = importPresets(store, { text: bundleOf(2000) }, { mode: 'rename' })
    expect(r.imported).toHaveLength(2000)
    expect(list.mock.calls.length).toBeLessThanOrEqual(2)
    expect(r.imported[7]).toMatchObject({ renamedFrom: 'P 7', preset: { name: 'P 7 (2)' } })
    expect(store.list().presets).toHaveLength(2001)
  })

  it('a clash in mode "error" writes nothing', () => {
    const store = new PresetStore(dir)
    store.create('P 1999', { steps: 3 })
    const r = importPresets(store, { text: bundleOf(2000) })
    expect(r.conflicts).toEqual([{ name: 'P 1999', existing: 'P 1999' }])
    expect(store.list().presets).toHaveLength(1)
  })

  it('what a crash leaves is finished or removed by the next listing', () => {
    const store = new PresetStore(dir)
    // Killed before the commit: a staging folder of a process that is gone.
    const staged = join(dir, '.import-999999-0badc0de')
    mkdirSync(staged, { recursive: true })
    writeFileSync(join(staged, 'Half.json'), JSON.stringify(makePreset('Half', {})))
    // Killed after the commit, half way through moving: one file moved, one still waiting.
    const committed = join(dir, '.import-999998-cafef00d.commit')
    mkdirSync(committed)
    writeFileSync(join(dir, 'A.json'), JSON.stringify(makePreset('A', {})))
    writeFileSync(join(committed, 'B.json'), JSON.stringify(makePreset('B', {})))
    writeFileSync(join(committed, '.plan.json'), JSON.stringify({ remove: [] }))
    expect(store.list().presets.map((p) => p.name)).toEqual(['A', 'B'])
    expect(readdirSync(dir).sort()).toEqual(['A.json', 'B.json'])
  })

  it('a bundle import killed at a random moment leaves all of it or none of it', async () => {
    const bundle = join(dir, 'bundle.json')
    writeFileSync(bundle, bundleOf(3000))
    const presets = join(dir, 'presets')
    for (const delayMs of [150, 400, 900]) {
      rmSync(presets, { recursive: true, force: true })
      const child = spawn(process.execPath, ['--import', 'tsx', resolve('src/main/presets/test-support/import-bundle.ts'), presets, bundle], { stdio: ['ignore', 'pipe', 'inherit'] })
      const exited = new Promise<void>((ok) => child.on('exit', () => ok()))
      await new Promise<void>((ok) => child.stdout.once('data', () => ok()))
      await new Promise((r) => setTimeout(r, delayMs))
      child.kill('SIGKILL')
      await exited
      const n = new PresetStore(presets).list().presets.length
      expect([0, 3000], `killed after ${delayMs} ms`).toContain(n)
    }
  }, 60_000)
})
