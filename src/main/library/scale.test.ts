/**
 * The library's queries at 100k entries (built in one transaction through Library.indexOnly), checked
 * against answers worked out independently: from the synthetic inputs in JavaScript, or by plain SQL
 * (COUNT, OFFSET) that does not use the order buckets or the facet words. Timings are the benchmark's
 * business (bench/library.ts), not this test's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Library, type IndexOnlyInput, type LibraryEntry, type ListQuery } from './library'
import { LibraryQueries } from './queries'
import { syntheticEntries } from './test-support/synthetic'

const N = 100_000
let dir: string
let lib: Library
let inputs: IndexOnlyInput[]
/** Newest first: the synthetic entries are made a minute apart, so entry N-1 is the newest. */
let newestFirst: IndexOnlyInput[]

const seedsOf = (items: LibraryEntry[]): string[] => items.map((e) => e.params.seed)
const seeds = (xs: IndexOnlyInput[]): string[] => xs.map((x) => String((x.params as { seed: string }).seed))
const p = (x: IndexOnlyInput) => x.params as { prompt: string; negativePrompt: string; sampler: string; schedule: string; model: string }
const words = (s: string): string[] => s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'library-scale-'))
  lib = Library.open(dir)
  inputs = syntheticEntries(0, N)
  lib.indexOnly(inputs)
  newestFirst = [...inputs].reverse()
}, 120_000)
afterAll(() => {
  lib.close()
  rmSync(dir, { recursive: true, force: true })
})

describe(`queries at ${N} entries`, () => {
  it('pages newest first at any offset, with exact totals', () => {
    for (const offset of [0, 1, 1023, 1024, 50_000, N - 60, N - 1, N]) {
      const page = lib.list({ offset, limit: 60 })
      expect(page.total).toBe(N)
      expect(seedsOf(page.items), `offset ${offset}`).toEqual(seeds(newestFirst.slice(offset, offset + 60)))
    }
    expect(lib.count()).toBe(N)
  })

  it('filters alone and combined, at any offset', () => {
    const cases: Array<[Parameters<Library['list']>[0], (x: IndexOnlyInput) => boolean]> = [
      [{ model: 'turbo' }, (x) => p(x).model === 'turbo'],
      [{ model: 'sd15' }, (x) => p(x).model === 'sd15'],
      [{ sampler: 'euler' }, (x) => p(x).sampler === 'euler'],
      [{ schedule: 'karras' }, (x) => p(x).schedule === 'karras'],
      [{ favourite: true }, (x) => !!x.favourite],
      [{ favourite: false }, (x) => !x.favourite],
      [{ sampler: 'euler', schedule: 'karras' }, (x) => p(x).sampler === 'euler' && p(x).schedule === 'karras'],
      [{ model: 'sd15', favourite: true }, (x) => p(x).model === 'sd15' && !!x.favourite],
      [{ model: 'sdxl-base', from: '2024-02-01', to: '2024-02-10' }, (x) => p(x).model === 'sdxl-base' && x.createdAt! >= new Date('2024-02-01') && x.createdAt! <= new Date('2024-02-10')]
    ]
    for (const [q, keep] of cases) {
      const expected = newestFirst.filter(keep)
      for (const offset of [0, Math.floor(expected.length / 2), Math.max(0, expected.length - 7)]) {
        const page = lib.list({ ...q, offset, limit: 50 })
        expect(page.total, JSON.stringify(q)).toBe(expected.length)
        expect(seedsOf(page.items), `${JSON.stringify(q)} at ${offset}`).toEqual(seeds(expected.slice(offset, offset + 50)))
      }
    }
    expect(lib.models()).toEqual(['sd15', 'sdxl-base', 'turbo'])
  })

  it('searches words, rare words, prefixes and negatives, with filters, newest first', () => {
    const cases: Array<[string, Parameters<Library['search']>[1], (x: IndexOnlyInput) => boolean]> = [
      ['portrait', {}, (x) => words(p(x).prompt).includes('portrait')],
      ['portrait cat', {}, (x) => words(p(x).prompt).includes('portrait') && words(p(x).prompt).includes('cat')],
      ['rare1', {}, (x) => words(p(x).prompt).includes('rare1')],
      ['land*', {}, (x) => words(p(x).prompt).some((w) => w.startsWith('land'))],
      ['l*', {}, (x) => words(p(x).prompt).some((w) => w.startsWith('l'))],
      ['landm*', {}, (x) => words(p(x).prompt).some((w) => w.startsWith('landm'))],
      ['portr* land*', {}, (x) => words(p(x).prompt).some((w) => w.startsWith('portr')) && words(p(x).prompt).some((w) => w.startsWith('land'))],
      ['w1*', { model: 'turbo' }, (x) => words(p(x).prompt).some((w) => w.startsWith('w1')) && p(x).model === 'turbo'],
      ['portrait', { favourite: true }, (x) => words(p(x).prompt).includes('portrait') && !!x.favourite],
      ['castle', { sampler: 'euler', schedule: 'karras' }, (x) => words(p(x).prompt).includes('castle') && p(x).sampler === 'euler' && p(x).schedule === 'karras'],
      ['night', { from: '2024-01-20', to: '2024-01-31' }, (x) => words(p(x).prompt).includes('night') && x.createdAt! >= new Date('2024-01-20') && x.createdAt! <= new Date('2024-01-31')],
      ['blurry', { includeNegative: true }, (x) => words(`${p(x).prompt} ${p(x).negativePrompt}`).includes('blurry')]
    ]
    for (const [text, q, keep] of cases) {
      const expected = newestFirst.filter(keep)
      expect(expected.length, `${text}: the synthetic data must exercise it`).toBeGreaterThan(0)
      for (const offset of [0, Math.floor(expected.length / 2)]) {
        const page = lib.search(text, { ...q, offset, limit: 40 })
        expect(page.total, `${text} ${JSON.stringify(q)}`).toBe(expected.length)
        expect(page.totalExact).toBe(true)
        expect(seedsOf(page.items), `${text} ${JSON.stringify(q)} at ${offset}`).toEqual(seeds(expected.slice(offset, offset + 40)))
      }
    }
  })

  it('reads every combination of filters at any offset through a bounded number of rows', () => {
    const db = lib.db()
    // some rows whose file has gone, so that the missing filter has rows in and out
    db.prepare('UPDATE images SET missing_since = 1 WHERE seq % 97 = 3').run()
    const cases: Array<[ListQuery, string]> = [
      [{ model: 'sd15', favourite: true }, "model = 'sd15' AND favourite = 1"],
      [{ model: 'turbo', favourite: false }, "model = 'turbo' AND favourite = 0"],
      [{ sampler: 'euler', schedule: 'karras' }, "sampler = 'euler' AND schedule = 'karras'"],
      [{ model: 'sdxl-base', sampler: 'dpmpp_2m', schedule: 'karras' }, "model = 'sdxl-base' AND sampler = 'dpmpp_2m' AND schedule = 'karras'"],
      [{ model: 'sd15', sampler: 'euler', schedule: 'karras', favourite: true }, "model = 'sd15' AND sampler = 'euler' AND schedule = 'karras' AND favourite = 1"],
      [{ schedule: 'karras', favourite: false, missing: false }, 'schedule = \'karras\' AND favourite = 0 AND missing_since IS NULL'],
      [{ favourite: false }, 'favourite = 0'],
      [{ missing: true, model: 'sd15' }, "missing_since IS NOT NULL AND model = 'sd15'"],
      [{ missing: false, favourite: true, sampler: 'euler' }, "missing_since IS NULL AND favourite = 1 AND sampler = 'euler'"]
    ]
    const queries = new LibraryQueries(() => db, (rel) => rel)
    for (const [q, whereSql] of cases) {
      const total = db.prepare(`SELECT count(*) FROM images WHERE ${whereSql}`).pluck().get() as number
      expect(total, `${whereSql}: the synthetic data must exercise it`).toBeGreaterThan(0)
      for (const offset of [0, Math.floor(total / 2), Math.max(0, total - 7)]) {
        const ref = db.prepare(`SELECT id FROM images WHERE ${whereSql} ORDER BY seq DESC LIMIT 50 OFFSET ?`).pluck().all(offset)
        const page = lib.list({ ...q, offset, limit: 50 })
        expect(page.total, whereSql).toBe(total)
        expect(page.items.map((e) => e.id), `${whereSql} at ${offset}`).toEqual(ref)
        // The rows a page visits: the chosen index's rows inside the buckets read, whatever the offset.
        const lp = queries.listPlan({ ...q, offset, limit: 50 })!
        expect(lp.buckets.length).toBeLessThanOrEqual(51)
        const detail = (db.prepare(`EXPLAIN QUERY PLAN ${lp.sql}`).all({ ...Object.fromEntries(Object.entries({ model: q.model, sampler: q.sampler, schedule: q.schedule }).filter(([, v]) => v !== undefined)), lo: 0, hi: 1, take: 1 }) as Array<{ detail: string }>).map((r) => r.detail).join('; ')
        expect(detail, whereSql).toMatch(lp.index ? new RegExp(`SEARCH i USING INDEX ${lp.index} \\(.*seq>\\? AND seq<\\?\\)`) : /SEARCH i USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/)
        expect(detail).not.toMatch(/TEMP B-TREE/)
        const indexCond = lp.index === 'images_fav_seq' ? 'favourite = 1' : lp.index === 'images_missing_seq' ? 'missing_since IS NOT NULL' : lp.index === 'images_model_seq' ? `model = '${q.model}'` : lp.index === 'images_sampler_seq' ? `sampler = '${q.sampler}'` : lp.index === 'images_schedule_seq' ? `schedule = '${q.schedule}'` : '1'
        let visited = 0
        for (const { b } of lp.buckets) visited += db.prepare(`SELECT count(*) FROM images WHERE ${indexCond} AND seq >= ? AND seq < ?`).pluck().get(b * 1024, (b + 1) * 1024) as number
        // An OFFSET walk would step over `offset` rows first; this stays within a few buckets' worth.
        expect(visited, `${whereSql} at ${offset}`).toBeLessThanOrEqual(3 * 1024)
      }
    }
    db.prepare('UPDATE images SET missing_since = NULL WHERE seq % 97 = 3').run()
  })

  it('estimates the count of a very common word past the cap, and says so', () => {
    const q = new LibraryQueries(() => lib.db(), (rel) => rel, 5_000)
    const exact = newestFirst.filter((x) => words(p(x).prompt).includes('portrait')).length
    const page = q.search('portrait', { limit: 10 })
    expect(page.totalExact).toBe(false)
    expect(Math.abs(page.total - exact) / exact).toBeLessThan(0.05)
    // past the estimated end, the page says the exact total
    const tail = q.search('portrait', { offset: exact - 3, limit: 10 })
    expect(tail.items).toHaveLength(3)
    expect(tail.total).toBe(exact)
  })

  it('keeps counts and positions right through favourites, deletions and new rows', () => {
    const db = lib.db()
    const victims = lib.list({ offset: 500, limit: 300 }).items
    lib.setFavouriteMany(victims.slice(0, 100).map((e) => e.id), true)
    for (const e of victims.slice(100, 200)) lib.delete(e.id)
    lib.indexOnly(syntheticEntries(N, 2000, 7))
    // the buckets against plain counts
    const facets: Array<[string, string]> = [
      ['', 'SELECT count(*) FROM images'],
      ['f', 'SELECT count(*) FROM images WHERE favourite = 1'],
      ['m:turbo', "SELECT count(*) FROM images WHERE model = 'turbo'"],
      ['s:euler', "SELECT count(*) FROM images WHERE sampler = 'euler'"],
      ['c:karras', "SELECT count(*) FROM images WHERE schedule = 'karras'"],
      ['+m:sd15\u001ff', "SELECT count(*) FROM images WHERE model = 'sd15' AND favourite = 1"],
      ['+m:turbo\u001fs:euler\u001fc:karras', "SELECT count(*) FROM images WHERE model = 'turbo' AND sampler = 'euler' AND schedule = 'karras'"],
      ['+s:euler\u001fc:karras\u001ff', "SELECT count(*) FROM images WHERE sampler = 'euler' AND schedule = 'karras' AND favourite = 1"]
    ]
    for (const [facet, sql] of facets) {
      expect(db.prepare('SELECT coalesce(sum(n), 0) FROM order_buckets WHERE facet = ?').pluck().get(facet), facet).toBe(db.prepare(sql).pluck().get())
    }
    // positions against a plain OFFSET walk
    for (const [q, where] of [
      [{}, '1'],
      [{ favourite: true }, 'favourite = 1'],
      [{ model: 'turbo' }, "model = 'turbo'"]
    ] as const) {
      const total = db.prepare(`SELECT count(*) FROM images WHERE ${where}`).pluck().get() as number
      for (const offset of [0, 400, Math.floor(total / 3), total - 5]) {
        const ref = db.prepare(`SELECT id FROM images WHERE ${where} ORDER BY seq DESC LIMIT 30 OFFSET ?`).pluck().all(offset)
        expect(lib.list({ ...q, offset, limit: 30 }).items.map((e) => e.id), `${where} at ${offset}`).toEqual(ref)
      }
    }
    // the facet words follow the favourite flag
    const fav = victims[0]
    expect(lib.search(fav.params.prompt.split(' ')[0], { favourite: true, limit: 10_000 }).items.map((e) => e.id)).toContain(fav.id)
    lib.setFavourite(fav.id, false)
    expect(lib.search(fav.params.prompt.split(' ')[0], { favourite: true, limit: 10_000 }).items.map((e) => e.id)).not.toContain(fav.id)
    // the bulk insert put back the insert triggers it set aside: a row saved one by one is counted too
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('images_fts_ai', 'images_order_ai', 'images_combo_ai')").pluck().get()).toBe(3)
    // FTS5 throws when its index disagrees with the rows
    expect(() => db.prepare("INSERT INTO images_fts(images_fts, rank) VALUES ('integrity-check', 1)").run()).not.toThrow()
  })
})
