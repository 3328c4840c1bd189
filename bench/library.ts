/**
 * The library at scale: for each size in LIBRARY_BENCH_SIZES (default 10000,100000,1000000), builds a
 * library through its own API (Library.indexOnly: index rows in batches of one transaction each, no
 * PNG or thumbnail files — this measures the index, which is what every query touches; opening an
 * entry's PNG is a file read of its own) and times every query the UI makes: pages at the start, middle
 * and end, each filter and combinations, searches (common word, rare word, prefix, with filters, deep),
 * counts, models, open (get), favourite, delete, and the start (open + journal pass) of the built
 * library. Each query runs RUNS times warm; `ms` is the median, `maxMs` the slowest run.
 * `worstQueryMs` is the worst median. Prints one line of JSON as each size finishes (keyed by the
 * size: a run stopped part way still leaves the sizes it finished), after a first line saying what
 * was measured.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Library } from '../src/main/library/library'
import { syntheticEntries } from '../src/main/library/test-support/synthetic'

const RUNS = 5
const PAGE = 60
/** Rows per indexOnly call (one transaction each); bounds the bench's memory at 1M. */
const BATCH = 100_000

function time(f: () => unknown): { ms: number; maxMs: number } {
  const t: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now()
    f()
    t.push(performance.now() - t0)
  }
  t.sort((a, b) => a - b)
  return { ms: +t[Math.floor(RUNS / 2)].toFixed(2), maxMs: +t[RUNS - 1].toFixed(2) }
}

async function benchSize(n: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), `library-bench-${n}-`))
  try {
    const loadBefore = +loadavg()[0].toFixed(2)
    let lib = Library.open(dir)
    const t0 = performance.now()
    for (let i = 0; i < n; i += BATCH) lib.indexOnly(syntheticEntries(i, Math.min(BATCH, n - i)))
    const buildMs = performance.now() - t0
    lib.db().exec('ANALYZE')
    lib.close()
    const s0 = performance.now()
    const started = await Library.start(dir)
    const startMs = performance.now() - s0
    lib = started.library
    const total = lib.count()
    const mid = Math.floor(total / 2)
    const end = Math.max(0, total - PAGE)
    const favs = lib.list({ favourite: true, limit: 1 }).total
    const q: Record<string, { ms: number; maxMs: number; total?: number; exact?: boolean }> = {}
    const page = (name: string, f: () => { total: number; totalExact: boolean }): void => {
      let last: { total: number; totalExact: boolean } | undefined
      q[name] = time(() => (last = f()))
      q[name].total = last!.total
      if (!last!.totalExact) q[name].exact = false
    }
    page('list first page', () => lib.list({ limit: PAGE }))
    page('list middle', () => lib.list({ offset: mid, limit: PAGE }))
    page('list end', () => lib.list({ offset: end, limit: PAGE }))
    page('model sd15 (80 %) end', () => lib.list({ model: 'sd15', offset: Math.floor(total * 0.8) - PAGE, limit: PAGE }))
    page('model turbo (5 %) middle', () => lib.list({ model: 'turbo', offset: Math.floor(total * 0.025), limit: PAGE }))
    page('sampler euler', () => lib.list({ sampler: 'euler', limit: PAGE }))
    page('sampler euler middle', () => lib.list({ sampler: 'euler', offset: Math.floor(total / 60), limit: PAGE }))
    page('schedule karras', () => lib.list({ schedule: 'karras', limit: PAGE }))
    page('favourites', () => lib.list({ favourite: true, limit: PAGE }))
    page('favourites end', () => lib.list({ favourite: true, offset: Math.max(0, favs - PAGE), limit: PAGE }))
    page('date range (a month, early)', () => lib.list({ from: '2024-02-01', to: '2024-02-29T23:59:59Z', limit: PAGE }))
    page('sampler + schedule', () => lib.list({ sampler: 'euler', schedule: 'karras', limit: PAGE }))
    page('sampler + schedule deep', () => lib.list({ sampler: 'dpmpp_2m', schedule: 'karras', offset: 200, limit: PAGE }))
    page('model + favourite end', () => lib.list({ model: 'sd15', favourite: true, offset: Math.max(0, Math.floor(favs * 0.8) - PAGE), limit: PAGE }))
    page('model + sampler + schedule + favourite', () => lib.list({ model: 'sd15', sampler: 'euler', schedule: 'karras', favourite: true, limit: PAGE }))
    page('model + favourite middle', () => lib.list({ model: 'turbo', favourite: true, offset: Math.floor(favs * 0.025), limit: PAGE }))
    page('sampler + schedule + favourite end', () => lib.list({ sampler: 'euler', schedule: 'karras', favourite: true, offset: Math.max(0, lib.list({ sampler: 'euler', schedule: 'karras', favourite: true, limit: 1 }).total - PAGE), limit: PAGE }))
    page('model + not favourite end', () => lib.list({ model: 'sd15', favourite: false, offset: Math.floor(total * 0.78) - PAGE, limit: PAGE }))
    page('model sd15 + date range', () => lib.list({ model: 'sd15', from: '2024-02-01', to: '2024-02-29T23:59:59Z', limit: PAGE }))
    page('search common word', () => lib.search('portrait', { limit: PAGE }))
    page('search common word middle', () => lib.search('portrait', { offset: Math.floor(total / 4), limit: PAGE }))
    page('search two common words', () => lib.search('portrait cat', { limit: PAGE }))
    page('search rare word', () => lib.search('rare1', { limit: PAGE }))
    page('search prefix land*', () => lib.search('land*', { limit: PAGE }))
    page('search prefix w1*', () => lib.search('w1*', { limit: PAGE }))
    page('search prefix l*', () => lib.search('l*', { limit: PAGE }))
    page('search prefix portr* (one very common word)', () => lib.search('portr*', { limit: PAGE }))
    page('search prefix landm* middle', () => lib.search('landm*', { offset: Math.floor(total / 20), limit: PAGE }))
    page('search common + favourite', () => lib.search('portrait', { favourite: true, limit: PAGE }))
    page('search common + sampler + schedule', () => lib.search('portrait', { sampler: 'euler', schedule: 'karras', limit: PAGE }))
    page('search common + date range', () => lib.search('portrait', { from: '2024-02-01', to: '2024-02-29T23:59:59Z', limit: PAGE }))
    page('search with negatives', () => lib.search('blurry', { includeNegative: true, limit: PAGE }))
    q['count'] = time(() => lib.count())
    q['models'] = time(() => lib.models())
    const ids = lib.list({ offset: mid, limit: RUNS * 2 }).items.map((e) => e.id)
    let k = 0
    q['open (get)'] = time(() => lib.get(ids[k++ % ids.length]))
    k = 0
    q['favourite'] = time(() => lib.setFavourite(ids[k++], true))
    k = RUNS
    q['delete'] = time(() => lib.delete(ids[k++]))
    const worst = Object.entries(q).reduce((w, [name, v]) => (v.ms > w.ms ? { name, ms: v.ms } : w), { name: '', ms: 0 })
    lib.close()
    return {
      entries: total,
      buildMs: Math.round(buildMs),
      buildPerEntryUs: +((buildMs * 1000) / n).toFixed(1),
      indexBytes: statSync(join(dir, 'library.sqlite')).size,
      startMs: +startMs.toFixed(1),
      queries: q,
      worstQueryMs: worst.ms,
      worstQuery: worst.name,
      // The machine is shared: its 1-minute load average before building and after the queries.
      loadAverage: [loadBefore, +loadavg()[0].toFixed(2)],
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchLibrary(): Promise<undefined> {
  const sizes = (process.env.LIBRARY_BENCH_SIZES ?? '10000,100000,1000000').split(',').map((s) => Number(s.trim()))
  for (const s of sizes) if (!Number.isInteger(s) || s < 100) throw new Error(`LIBRARY_BENCH_SIZES: ${s} is not a whole number of at least 100`)
  console.log(
    JSON.stringify({
      measured: 'index-only libraries built through Library.indexOnly (no PNG files); median of 5 warm runs per query',
      runs: RUNS,
      pageSize: PAGE,
      sizes
    })
  )
  for (const n of sizes) console.log(JSON.stringify({ [n]: await benchSize(n) }))
  return undefined
}
