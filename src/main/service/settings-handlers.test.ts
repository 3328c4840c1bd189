import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_PARAMS, validateGenerationParams } from '../../shared/params'
import type { InvokeHandlers, SettingsState } from '../../shared/api'
import { CONFIRM_NEW_LIBRARY_FIELD } from '../../shared/library-api'
import { Library } from '../library/library'
import { chooseLibraryDir, readSettings, writeSettings } from '../settings/app-settings'
import { dispatch } from './dispatch'
import { LibraryHolder } from './library-holder'
import { settingsHandlers } from './settings-handlers'
import { sharpPng } from './test-png'
import { mountSmallDisk } from '../util/test-support/small-disk'

let root: string
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'settings-handlers-'))
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

const image = async (jobId: string, prompt: string) => ({
  jobId,
  cell: 0,
  png: await sharpPng(),
  width: 8,
  height: 8,
  params: validateGenerationParams({ ...DEFAULT_PARAMS, model: 'sd1-tiny', prompt }),
  timings: { wallMs: 1, modelMs: 1, modelCalls: 1, previewMs: 0 }
})

describe('app settings file', () => {
  it('chooses --library, then the environment variable, then the setting, then the default', () => {
    const file = join(root, 'settings.json')
    const p = { platform: 'linux' as const, env: {} as Record<string, string>, home: '/home/ana' }
    expect(chooseLibraryDir({ settingsFile: file, platform: p })).toEqual({ dir: '/home/ana/.local/share/sigma-studio', source: 'default', override: null })
    writeSettings(file, { libraryDir: '/art/lib' })
    expect(chooseLibraryDir({ settingsFile: file, platform: p })).toEqual({ dir: '/art/lib', source: 'setting', override: null })
    const env = { ...p, env: { SIGMA_STUDIO_LIBRARY: '/env/lib' } }
    expect(chooseLibraryDir({ settingsFile: file, platform: env })).toEqual({ dir: '/env/lib', source: 'env', override: { kind: 'env', name: 'SIGMA_STUDIO_LIBRARY', dir: '/env/lib' } })
    expect(chooseLibraryDir({ explicit: '/cli/lib', settingsFile: file, platform: env }).source).toBe('option')
  })

  it('keeps keys it does not know and survives a damaged file', () => {
    const file = join(root, 'sub', 'settings.json')
    writeSettings(file, { libraryDir: '/a' })
    const raw = JSON.parse(readFileSync(file, 'utf8'))
    writeFileSync(file, JSON.stringify({ ...raw, futureKey: 1 }))
    writeSettings(file, { libraryDir: '/b' })
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ libraryDir: '/b', futureKey: 1, format: 'sigma-studio-settings', schemaVersion: 1 })
    writeFileSync(file, '{"libraryDir": "/c"')
    const r = readSettings(file)
    expect(r.settings).toEqual({})
    expect(r.problem).toMatch(/cannot be read as JSON/)
  })
})

describe('settings calls', () => {
  it('reports where the library is and why, and switches it: new results go to the new folder, the old library closes when its job ends', async () => {
    const a = join(root, 'lib-a')
    const b = join(root, 'lib-b')
    const file = join(root, 'settings.json')
    const holder = new LibraryHolder(Library.open(a), root)
    const h = settingsHandlers(holder, { file, source: 'env', override: { kind: 'env', name: 'SIGMA_STUDIO_LIBRARY', dir: a } }) as InvokeHandlers
    try {
      const before = (await dispatch(h, 'studio:settings:get', {})) as { ok: true; value: SettingsState }
      expect(before.value).toMatchObject({ libraryDir: a, librarySource: 'env', savedLibraryDir: null, settingsFile: file, override: { name: 'SIGMA_STUDIO_LIBRARY' } })

      // A job is under way in library A when the switch happens.
      const first = await holder.save(await image('job-1', 'first in a'))
      const oldLib = holder.library!
      const r = await dispatch(h, 'studio:settings:set', { libraryDir: b, create: true })
      expect(r.ok).toBe(true)
      const after = (r as { ok: true; value: SettingsState }).value
      expect(after).toMatchObject({ libraryDir: b, librarySource: 'setting', savedLibraryDir: b })
      expect(readSettings(file).settings.libraryDir).toBe(b)
      expect(existsSync(join(b, 'library.sqlite'))).toBe(true)

      // The running job keeps saving into A (its group lives there); A stays open until it ends.
      const second = await holder.save(await image('job-1', 'second in a'))
      expect(oldLib.get(second)).toBeDefined()
      expect(await holder.read(first)).toBeDefined()
      holder.endJob('job-1')
      expect(() => oldLib.list()).toThrow()
      // A new job goes to B.
      const third = await holder.save(await image('job-2', 'third in b'))
      expect(holder.library!.dir).toBe(b)
      expect(holder.library!.get(third)!.params.prompt).toBe('third in b')
      expect(holder.library!.count()).toBe(1)
    } finally {
      holder.close()
    }
  })

  it('makes a new library only where the user confirmed it: an empty folder or a new one inside an existing folder', async () => {
    const a = join(root, 'lib-a')
    const holder = new LibraryHolder(Library.open(a), root)
    const h = settingsHandlers(holder, { file: null, source: 'option', override: null }) as InvokeHandlers
    try {
      const fresh = join(root, 'fresh-lib')
      const asked = await dispatch(h, 'studio:settings:set', { libraryDir: fresh })
      expect(!asked.ok && asked.error).toMatchObject({ field: CONFIRM_NEW_LIBRARY_FIELD, message: expect.stringMatching(/fresh-lib does not exist yet, not a library; confirm to create a new, empty library there/) })
      expect(existsSync(fresh)).toBe(false)
      const empty = join(root, 'empty-folder')
      mkdirSync(empty)
      const asked2 = await dispatch(h, 'studio:settings:set', { libraryDir: empty })
      expect(!asked2.ok && asked2.error).toMatchObject({ field: CONFIRM_NEW_LIBRARY_FIELD, message: expect.stringMatching(/empty-folder is an empty folder, not a library/) })
      // A typo deep in a path does not leave a trail of new folders, confirmed or not.
      const deep = await dispatch(h, 'studio:settings:set', { libraryDir: join(root, 'no', 'such', 'lib'), create: true })
      expect(!deep.ok && deep.error.message).toMatch(/no\/such does not exist; a new library folder is made only inside a folder that exists/)
      expect(existsSync(join(root, 'no'))).toBe(false)
      // Confirmed: made and used; an existing library needs no confirmation to come back to.
      expect((await dispatch(h, 'studio:settings:set', { libraryDir: fresh, create: true })).ok).toBe(true)
      expect(existsSync(join(fresh, 'library.sqlite'))).toBe(true)
      expect((await dispatch(h, 'studio:settings:set', { libraryDir: a })).ok).toBe(true)
      expect(holder.library!.dir).toBe(a)
    } finally {
      holder.close()
    }
  })

  it('refuses a folder that cannot be created or written, a relative path, and a run without a library', async () => {
    const a = join(root, 'lib-a')
    const holder = new LibraryHolder(Library.open(a), root)
    const h = settingsHandlers(holder, { file: null, source: 'option', override: null }) as InvokeHandlers
    try {
      writeFileSync(join(root, 'plain-file'), 'x')
      const cases: Array<[unknown, RegExp]> = [
        [{ libraryDir: join(root, 'plain-file', 'lib') }, /plain-file is a file, not a folder; choose a folder path where nothing else is in the way/],
        [{ libraryDir: join(root, 'plain-file') }, /plain-file is a file, not a folder/],
        // Node's recursive mkdir loops forever here: refused before anything is made, without blocking.
        [{ libraryDir: '/proc/nope/lib' }, /\/proc\/nope\/lib is inside \/proc, which belongs to the system/],
        [{ libraryDir: '/sys/nope' }, /inside \/sys/],
        [{ libraryDir: root }, /already holds other files \("plain-file"|"lib-a"|, "plain-file"\).*choose an empty or new folder/],
        [{ libraryDir: 'relative/lib' }, /not a full path/],
        [{ libraryDir: '' }, /missing; give the full path/],
        [{ libraryDir: 7 }, /must be text/]
      ]
      for (const [payload, msg] of cases) {
        const r = await dispatch(h, 'studio:settings:set', typeof payload === 'object' && payload && 'libraryDir' in payload && typeof payload.libraryDir === 'string' && payload.libraryDir.startsWith('/') ? { ...payload, create: true } : payload)
        expect(!r.ok && r.error).toMatchObject({ code: 'invalid-request', field: 'libraryDir', message: expect.stringMatching(msg) })
      }
      // Nothing changed.
      expect(holder.library!.dir).toBe(a)
      expect(existsSync(join(root, 'images'))).toBe(false)
      const off = settingsHandlers(new LibraryHolder(null, root), { file: null, source: 'off', override: null }) as InvokeHandlers
      const g = (await dispatch(off, 'studio:settings:get', {})) as { ok: true; value: SettingsState }
      expect(g.value).toMatchObject({ libraryDir: null, librarySource: 'off' })
      const r = await dispatch(off, 'studio:settings:set', { libraryDir: join(root, 'x') })
      expect(!r.ok && r.error.message).toMatch(/library is off in this run/)
    } finally {
      holder.close()
    }
  })

  it('refuses a read-only disk and a full one, saying which (a real tmpfs where the machine allows mounting)', async (ctx) => {
    const ro = mountSmallDisk({ sizeKB: 1024, readOnly: true })
    const full = mountSmallDisk({ sizeKB: 1024 })
    if (!ro || !full) {
      ro?.unmount()
      full?.unmount()
      ctx.skip('mounting a tmpfs needs root on Linux; the write-layer errors are covered by folderProblem')
    }
    const holder = new LibraryHolder(Library.open(join(root, 'lib-a')), root)
    const h = settingsHandlers(holder, { file: null, source: 'option', override: null }) as InvokeHandlers
    try {
      const r1 = await dispatch(h, 'studio:settings:set', { libraryDir: join(ro!.dir, 'lib'), create: true })
      expect(!r1.ok && r1.error.message).toMatch(/cannot create .*lib \(the disk is read-only\)/)
      // 1 MB free is less than a job needs.
      const r2 = await dispatch(h, 'studio:settings:set', { libraryDir: join(full!.dir, 'lib'), create: true })
      expect(!r2.ok && r2.error.message).toMatch(/the disk holding .*lib is full \(\d+ (KB|MB) free\); free some space or choose a folder on another disk/)
      expect(holder.library!.dir).toBe(join(root, 'lib-a'))
    } finally {
      holder.close()
      ro!.unmount()
      full!.unmount()
    }
  })
})
