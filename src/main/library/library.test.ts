import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { Library, ftsQuery, type LibraryEntry } from './library'
import { LibraryError } from './errors'
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations'
import { defaultLibraryDir, resolveLibraryDir, userDataDir } from './paths'
import { readImageMetadata } from '../formats/image-metadata'
import { encodeTextChunk, isCompletePng, withTextChunks } from '../png/chunks'

const px = (w = 16, h = 16, v = 7) => ({ data: new Uint8Array(w * h * 3).map((_, i) => (i * v) % 256), width: w, height: h, channels: 3 as const })

let dir: string
let lib: Library
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'library-'))
  lib = Library.open(dir)
})
afterEach(() => {
  lib.close()
  rmSync(dir, { recursive: true, force: true })
})

async function save(prompt: string, over: Record<string, unknown> = {}, extra: Partial<Parameters<Library['save']>[0]> = {}): Promise<LibraryEntry> {
  return lib.save({ pixels: px(), params: { prompt, model: 'sd15', ...over }, modelHash: '0123456789', ...extra })
}

describe('library location', () => {
  it('uses the platform user-data folder, the environment variable, or an explicit folder', () => {
    expect(userDataDir({ platform: 'linux', env: {}, home: '/home/ana' })).toBe('/home/ana/.local/share/sigma-studio')
    expect(userDataDir({ platform: 'linux', env: { XDG_DATA_HOME: '/data' }, home: '/home/ana' })).toBe('/data/sigma-studio')
    expect(userDataDir({ platform: 'linux', env: { XDG_DATA_HOME: 'relative' }, home: '/home/ana' })).toBe('/home/ana/.local/share/sigma-studio')
    expect(userDataDir({ platform: 'darwin', env: {}, home: '/Users/ana' })).toBe('/Users/ana/Library/Application Support/Sigma Studio')
    expect(userDataDir({ platform: 'win32', env: { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, home: 'C:\\Users\\ana' })).toBe('C:\\Users\\ana\\AppData\\Roaming\\Sigma Studio')
    const linux = { platform: 'linux' as const, env: { SIGMA_STUDIO_LIBRARY: '/mnt/art' }, home: '/home/ana' }
    expect(resolveLibraryDir(undefined, linux)).toBe('/mnt/art')
    expect(resolveLibraryDir('/explicit', linux)).toBe('/explicit')
    expect(defaultLibraryDir({ platform: 'linux', env: {}, home: '/h' })).toBe('/h/.local/share/sigma-studio')
  })
})

describe('saving', () => {
  it('writes a PNG with both chunks under images/YYYY/MM, a thumbnail, and a row', async () => {
    const e = await save('a red fox, in snow: winter', { seed: '18446744073709551615', negativePrompt: 'blur' }, { createdAt: new Date('2026-03-04T05:06:07.089Z'), tags: ['fox', 'fox', ' snow '] })
    expect(e.file).toBe(join(dir, 'images', '2026', '03', `${e.id}.png`))
    expect(e.id).toMatch(/^20260304-050607-089-[0-9a-f]{8}$/)
    expect(e.tags).toEqual(['fox', 'snow'])
    expect(e.model).toBe('sd15')
    const bytes = readFileSync(e.file)
    expect(isCompletePng(bytes)).toBe(true)
    const md = readImageMetadata(bytes)
    expect(md.meta?.params).toEqual(e.params)
    expect(md.meta?.id).toBe(e.id)
    expect(md.infotext).toMatch(/^a red fox, in snow: winter\nNegative prompt: blur\nSteps: 20, Sampler: Euler, Schedule type: Karras, CFG scale: 7, Seed: 18446744073709551615, Size: 512x512, Model hash: 0123456789, Model: sd15/)
    expect(existsSync(e.thumb!)).toBe(true)
    expect((await sharp(e.thumb!).metadata()).format).toBe('webp')
    // no temp files left behind
    expect(readdirSync(join(dir, 'images', '2026', '03')).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it('accepts an encoded PNG (keeping its other chunks) and refuses bad input with a clear error', async () => {
    const png = withTextChunks(await sharp(Buffer.alloc(8 * 8 * 4, 200), { raw: { width: 8, height: 8, channels: 4 } }).png().toBuffer(), [encodeTextChunk('Software', 'other')])
    const e = await lib.save({ png, params: { prompt: 'from png' } })
    expect(readImageMetadata(readFileSync(e.file)).meta?.params.prompt).toBe('from png')
    await expect(lib.save({ png: png.subarray(0, 40), params: {} })).rejects.toThrow(/truncated/)
    await expect(lib.save({ pixels: px(), params: { sampler: 'warp' } })).rejects.toThrow(/sampler: unknown sampler "warp"/)
    await expect(lib.save({ params: {} })).rejects.toThrow(LibraryError)
    await expect(lib.save({ pixels: px(), params: {}, group: { id: 'nope', cell: { index: 0, values: {} } } })).rejects.toThrow(/no group "nope"/)
  })
})

describe('queries', () => {
  it('lists newest first with paging and filters', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z')
    for (let i = 0; i < 7; i++) {
      await save(`image ${i}`, { sampler: i % 2 ? 'dpmpp_2m' : 'euler', schedule: i < 3 ? 'karras' : 'normal' }, { createdAt: new Date(t0 + i * 86_400_000), modelName: i < 5 ? 'sd15' : 'sdxl', favourite: i === 4 })
    }
    const p1 = lib.list({ limit: 3 })
    expect(p1.total).toBe(7)
    expect(p1.items.map((e) => e.params.prompt)).toEqual(['image 6', 'image 5', 'image 4'])
    expect(lib.list({ limit: 3, offset: 6 }).items.map((e) => e.params.prompt)).toEqual(['image 0'])
    expect(lib.list({ model: 'sdxl' }).total).toBe(2)
    expect(lib.list({ sampler: 'dpmpp_2m' }).total).toBe(3)
    expect(lib.list({ schedule: 'karras', sampler: 'euler' }).items.map((e) => e.params.prompt)).toEqual(['image 2', 'image 0'])
    expect(lib.list({ favourite: true }).items.map((e) => e.params.prompt)).toEqual(['image 4'])
    expect(lib.list({ from: '2026-01-03', to: '2026-01-05T00:00:00Z' }).items.map((e) => e.params.prompt)).toEqual(['image 4', 'image 3', 'image 2'])
    expect(lib.models()).toEqual(['sd15', 'sdxl'])
    expect(() => lib.list({ from: 'last week' })).toThrow(/not a date/)
    expect(() => lib.list({ limit: 0 })).toThrow(/limit/)
  })

  it('searches prompts with full text (words, prefixes, unicode), optionally negatives', async () => {
    await save('A red fox jumping over snow', { negativePrompt: 'cat' })
    await save('a sleepy cat on a sofa')
    await save('ein Fuchs im Schnee — 狐', { negativePrompt: 'Hund' })
    await save('Café crème, "quoted" words')
    expect(lib.search('fox').items.map((e) => e.params.prompt)).toEqual(['A red fox jumping over snow'])
    expect(lib.search('FOX snow').total).toBe(1)
    expect(lib.search('fox cat').total).toBe(0)
    expect(lib.search('cat').total).toBe(1)
    expect(lib.search('cat', { includeNegative: true }).total).toBe(2)
    expect(lib.search('jump*').total).toBe(1)
    expect(lib.search('狐').total).toBe(1)
    expect(lib.search('cafe').total).toBe(1)
    expect(lib.search('"quoted" AND OR NOT (').total).toBe(0) // operators are words, never syntax
    expect(lib.search('"quoted"').total).toBe(1)
    expect(lib.search('   ').total).toBe(4)
    expect(ftsQuery('a "b" c*')).toBe('"a" AND """b""" AND "c"*')
  })

  it('stores a gallery as one group with its axes and returns the cells with their values', async () => {
    const g = lib.createGroup({ kind: 'gallery', title: 'samplers × schedules', axes: [{ name: 'sampler', values: ['euler', 'dpmpp_2m'] }, { name: 'schedule', values: ['karras', 'normal'] }] })
    let i = 0
    for (const sampler of ['euler', 'dpmpp_2m']) {
      for (const schedule of ['karras', 'normal']) {
        await save('same seed', { sampler, schedule }, { group: { id: g.id, cell: { index: i++, values: { sampler, schedule } } } })
      }
    }
    await save('not in the group')
    const cells = lib.groupCells(g.id)
    expect(cells.group).toMatchObject({ kind: 'gallery', title: 'samplers × schedules', axes: g.axes })
    expect(cells.cells.map((c) => [c.index, c.values])).toEqual([
      [0, { sampler: 'euler', schedule: 'karras' }],
      [1, { sampler: 'euler', schedule: 'normal' }],
      [2, { sampler: 'dpmpp_2m', schedule: 'karras' }],
      [3, { sampler: 'dpmpp_2m', schedule: 'normal' }]
    ])
    expect(cells.cells[2].entry.params.sampler).toBe('dpmpp_2m')
    expect(lib.list({ groupId: g.id }).total).toBe(4)
    expect(readImageMetadata(readFileSync(cells.cells[0].entry.file)).meta?.group).toMatchObject({ id: g.id, kind: 'gallery', cell: { index: 0 } })
    expect(() => lib.createGroup({ kind: 'grid' as 'gallery', axes: [] })).toThrow(/gallery/)
    expect(() => lib.groupCells('nope')).toThrow(/no group/)
  })

  it('sets favourites and tags, deletes file and row together, and exports a selection', async () => {
    const a = await save('keep me')
    const b = await save('delete me')
    lib.setFavourite(a.id, true)
    lib.setTags(a.id, ['best', 'sea'])
    expect(lib.get(a.id)).toMatchObject({ favourite: true, tags: ['best', 'sea'] })
    expect(lib.list({ tag: 'sea' }).total).toBe(1)
    lib.delete(b.id)
    expect(lib.get(b.id)).toBeUndefined()
    expect(existsSync(b.file)).toBe(false)
    expect(existsSync(b.thumb!)).toBe(false)
    expect(lib.search('delete').total).toBe(0)
    expect(() => lib.delete(b.id)).toThrow(/no image/)
    expect(() => lib.setFavourite('nope', true)).toThrow(LibraryError)

    const out = join(dir, 'export')
    const r = lib.exportSelection([a.id, 'nope'], out)
    expect(r.files).toEqual([join(out, `${a.id}.png`)])
    expect(r.skipped).toEqual([{ id: 'nope', reason: 'no such image in the library' }])
    expect(readFileSync(join(out, `${a.id}.png`)).equals(readFileSync(a.file))).toBe(true)
    const manifest = JSON.parse(readFileSync(r.manifest, 'utf8'))
    expect(manifest).toMatchObject({ format: 'sigma-studio-export', schemaVersion: 1, items: [{ id: a.id, file: `${a.id}.png`, favourite: true, tags: ['best', 'sea'], params: { prompt: 'keep me' } }] })
  })
})

describe('consistency', () => {
  it('reconcile re-indexes orphan PNGs, flags missing files, cleans temp files, finishes deletions', async () => {
    const a = await save('orphan to be', {}, { tags: ['t'] })
    const b = await save('will go missing')
    const c = await save('half deleted')
    // a: row lost (as if killed between rename and commit)
    const raw = new Database(join(dir, 'library.sqlite'))
    raw.prepare('DELETE FROM images WHERE id = ?').run(a.id)
    raw.close()
    // b: file removed behind our back
    rmSync(b.file)
    // c: delete interrupted after the rename
    renameSync(c.file, `${c.file}.deleting`)
    // stray temp files of a dead process, and a damaged PNG
    const month = join(a.file, '..')
    writeFileSync(join(month, `.x.png.999999.0badc0de.tmp`), 'partial')
    writeFileSync(join(month, '20260101-000000-000-deadbeef.png'), readFileSync(a.file).subarray(0, 100))
    lib.close()
    lib = Library.open(dir)
    expect(lib.verify().ok).toBe(false)
    const rep = await lib.reconcile()
    expect(rep.indexed).toEqual([a.id])
    expect(rep.flaggedMissing).toEqual([b.id])
    expect(rep.deletionsCompleted).toEqual([c.id])
    expect(rep.tempRemoved).toEqual([expect.stringMatching(/\.tmp$/)])
    expect(rep.quarantined).toEqual([{ file: expect.stringContaining('quarantine'), reason: expect.stringMatching(/truncated/) }])
    expect(lib.get(a.id)?.params.prompt).toBe('orphan to be')
    expect(lib.get(b.id)?.missingSince).not.toBeNull()
    expect(lib.list({ missing: true }).items.map((e) => e.id)).toEqual([b.id])
    expect(lib.get(c.id)).toBeUndefined()
    // b is still inconsistent (row without file) until the user deletes it
    const v = lib.verify()
    expect(v.missingFiles.map((m) => m.id)).toEqual([b.id])
    expect(v.ok).toBe(false)
    lib.delete(b.id)
    expect(lib.verify().ok).toBe(true)
    // a second pass has nothing to do
    const again = await lib.reconcile()
    expect(again.indexed.length + again.flaggedMissing.length + again.quarantined.length + again.tempRemoved.length).toBe(0)
  })

  it('verify reports files that are not indexed and damaged ones', async () => {
    const a = await save('x')
    writeFileSync(a.file, readFileSync(a.file).subarray(0, 200))
    const v = lib.verify()
    expect(v.ok).toBe(false)
    expect(v.damaged[0].reason).toMatch(/is 200 bytes; the index recorded \d+/)
    // the same size, different bytes: only the deep check (full read, checksum) sees it
    const b = await save('y')
    const bytes = readFileSync(b.file)
    bytes[bytes.length - 20] ^= 0xff
    writeFileSync(b.file, bytes)
    expect(lib.verify().damaged.map((d) => d.file)).toEqual([a.file])
    const deep = lib.verify({ deep: true })
    expect(deep.deep).toBe(true)
    expect(deep.damaged.map((d) => d.file).sort()).toEqual([a.file, b.file].sort())
    expect(deep.damaged.find((d) => d.file === b.file)!.reason).toMatch(/SHA-256|CRC|crc/)
  })

  it('rebuild makes the index from the PNGs alone, keeping favourites and tags where it can', async () => {
    const g = lib.createGroup({ kind: 'sweep', axes: [{ name: 'cfg', values: [4, 8] }] })
    const a = await save('alpha', { cfg: 4 }, { group: { id: g.id, cell: { index: 0, values: { cfg: 4 } } }, favourite: true, tags: ['k'] })
    await save('beta', { cfg: 8 }, { group: { id: g.id, cell: { index: 1, values: { cfg: 8 } } } })
    lib.close()
    // throw the index away entirely
    for (const f of readdirSync(dir)) if (f.startsWith('library.sqlite')) rmSync(join(dir, f))
    lib = Library.open(dir)
    const r = await lib.rebuild()
    expect(r.indexed).toBe(2)
    expect(lib.groupCells(g.id).cells.map((c) => c.values)).toEqual([{ cfg: 4 }, { cfg: 8 }])
    expect(lib.search('alpha').total).toBe(1)
    expect(lib.verify().ok).toBe(true)
    // with the old index present, favourites and tags survive a rebuild
    lib.setFavourite(a.id, true)
    lib.setTags(a.id, ['kept'])
    const r2 = await lib.rebuild()
    expect(r2.userDataKept).toBe(1)
    expect(r2.backup).toBe(join(dir, 'library.sqlite.bak'))
    expect(lib.get(a.id)).toMatchObject({ favourite: true, tags: ['kept'] })
  })
})

describe('index migrations', () => {
  it('upgrades the frozen v1 fixture to the latest schema', async () => {
    lib.close()
    const d2 = join(dir, 'old')
    mkdirSync(d2)
    const db = new Database(join(d2, 'library.sqlite'))
    db.exec(readFileSync(join(__dirname, 'fixtures', 'library-v1.sql'), 'utf8'))
    expect(schemaVersion(db)).toBe(1)
    db.close()
    lib = Library.open(d2)
    const raw = new Database(join(d2, 'library.sqlite'), { readonly: true })
    expect(schemaVersion(raw)).toBe(LATEST_SCHEMA_VERSION)
    raw.close()
    const a = lib.get('20250102-100000-000-0000000a')!
    expect(a).toMatchObject({ favourite: true, tags: ['favourites of 2025', 'sea'], model: 'sd15', missingSince: null })
    expect(lib.get('20250102-100001-000-0000000b')!.tags).toEqual([]) // unreadable v1 tags become none
    expect(lib.search('lighthouse').total).toBe(2)
    expect(lib.list({ tag: 'sea' }).total).toBe(1)
    expect(lib.groupCells('g-20250102-100000-000-00000001').cells.map((c) => c.values)).toEqual([{ sampler: 'euler' }, { sampler: 'dpmpp_2m' }])
    expect(lib.inputs(a.id)).toEqual({}) // v4: rows made before inputs were kept simply have none
    // the fixture's files do not exist: reconcile flags them
    expect((await lib.reconcile()).flaggedMissing).toHaveLength(2)
  })

  it('refuses an index written by a newer Sigma Studio', () => {
    lib.close()
    const db = new Database(join(dir, 'library.sqlite'))
    db.prepare('UPDATE schema_version SET version = ?').run(LATEST_SCHEMA_VERSION + 1)
    db.close()
    expect(() => Library.open(dir)).toThrow(new RegExp(`newer Sigma Studio \\(library schema ${LATEST_SCHEMA_VERSION + 1}`))
    const fix = new Database(join(dir, 'library.sqlite'))
    fix.prepare('UPDATE schema_version SET version = ?').run(LATEST_SCHEMA_VERSION)
    fix.close()
    lib = Library.open(dir)
  })

  it('applies steps in order and stops at a target', () => {
    const db = new Database(':memory:')
    expect(migrate(db, ':memory:', 1)).toEqual([1])
    expect(migrate(db, ':memory:', 2)).toEqual([2])
    expect(migrate(db, ':memory:', 3)).toEqual([3])
    expect(migrate(db, ':memory:')).toEqual([4, 5])
    expect(migrate(db, ':memory:')).toEqual([])
    db.close()
  })
})
