/**
 * Reading the index: pages newest first with filters, full-text search, counts, models. Every query the
 * UI makes stays within a few milliseconds at a million rows (bench/library.ts measures them):
 * - any combination of model, sampler, schedule, favourite and missing (with or without): counts and
 *   the page position come from order_buckets (order.ts, combos.ts), and the page is read bucket by
 *   bucket through the most selective filter's index, so every offset costs the same;
 * - with a tag, group or date range: the index of the most selective filter, walked in seq order;
 * - text: the full-text index walked in rowid order (no sort), with the filters as index words
 *   (FACETS_SQL), so matches are never all gathered; the count stops at COUNT_CAP matches and
 *   estimates beyond it from how far into the library the last one counted is.
 * Counts of the slower kinds are cached until the index changes (any connection's commit).
 */
import type BetterSqlite3 from 'better-sqlite3'
import { LibraryError } from './errors'
import { SELECT_ROW, toEntry, toMs, ftsQuery } from './entries'
import { facetToken, locate, rowsFrom, BUCKET_SHIFT } from './order'
import { ATOM_INDEX, atomTotal, windowOf, type Atom, type Terms } from './combos'
import type { ListQuery, Page, Row, SearchQuery } from './types'

/** Matches counted exactly before the count of a search becomes an estimate. */
export const COUNT_CAP = 100_000
/** The longest prefix the full-text index has a prefix index for (schema 5: prefix='1 2 3 4'). */
const PREFIX_INDEXED = 4
/** Words a longer prefix is expanded to at most (beyond, the prefix query runs as typed). */
const MAX_EXPANSION = 16

interface Plan {
  /** SQL conditions on `images i`. */
  sql: string[]
  /** The same filters as full-text words (for search). */
  words: string[]
  /** Conditions the full-text words do not cover (dates, tags). */
  rest: string[]
  args: Record<string, unknown>
  /** The filters as order-bucket terms (combos.ts), and whether every filter maps to one. */
  terms: Terms
  onlyFacets: boolean
}

function plan(q: ListQuery): Plan {
  const p: Plan = { sql: [], words: [], rest: [], args: {}, terms: { pos: [], neg: [] }, onlyFacets: true }
  if (q.model !== undefined) (p.sql.push('i.model = @model'), (p.args.model = q.model), p.words.push(facetToken('xm', q.model)), p.terms.pos.push(['m', q.model]))
  if (q.sampler !== undefined) (p.sql.push('i.sampler = @sampler'), (p.args.sampler = q.sampler), p.words.push(facetToken('xs', q.sampler)), p.terms.pos.push(['s', q.sampler]))
  if (q.schedule !== undefined) (p.sql.push('i.schedule = @schedule'), (p.args.schedule = q.schedule), p.words.push(facetToken('xc', q.schedule)), p.terms.pos.push(['c', q.schedule]))
  if (q.favourite !== undefined) {
    p.sql.push(q.favourite ? 'i.favourite = 1' : 'i.favourite = 0')
    p.words.push(facetToken('xf', q.favourite ? 1 : 0))
    if (q.favourite) p.terms.pos.push(['f', undefined])
    else p.terms.neg.push('f')
  }
  if (q.missing !== undefined) {
    p.sql.push(q.missing ? 'i.missing_since IS NOT NULL' : 'i.missing_since IS NULL')
    p.words.push(facetToken('xq', q.missing ? 1 : 0))
    if (q.missing) p.terms.pos.push(['x', undefined])
    else p.terms.neg.push('x')
  }
  if (q.groupId !== undefined) (p.sql.push('i.group_id = @group'), (p.args.group = q.groupId), p.words.push(facetToken('xg', q.groupId)), (p.onlyFacets = false))
  const rest = (c: string): void => {
    p.sql.push(c)
    p.rest.push(c)
    p.onlyFacets = false
  }
  if (q.tag !== undefined) (rest('i.seq IN (SELECT image_seq FROM image_tags WHERE tag = @tag)'), (p.args.tag = q.tag))
  if (q.from !== undefined) (rest('i.created_at >= @from'), (p.args.from = toMs(q.from, 'from')))
  if (q.to !== undefined) (rest('i.created_at <= @to'), (p.args.to = toMs(q.to, 'to')))
  return p
}

function paging(q: ListQuery): { offset: number; limit: number } {
  const offset = q.offset ?? 0
  const limit = q.limit ?? 50
  if (!Number.isInteger(offset) || offset < 0) throw new LibraryError('invalid', `offset must be a whole number from 0 up, got ${offset}`)
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new LibraryError('invalid', `limit must be a whole number from 1 to 10000, got ${limit}`)
  return { offset, limit }
}

const where = (c: string[]): string => (c.length ? c.join(' AND ') : '1')

export class LibraryQueries {
  private counts = new Map<string, { gen: string; total: number; exact: boolean }>()

  constructor(
    private readonly db: () => BetterSqlite3.Database,
    private readonly abs: (rel: string) => string,
    /** Matches counted exactly before a search's count becomes an estimate (tests lower it). */
    private readonly countCap = COUNT_CAP
  ) {}

  /** Changes whenever any connection commits (data_version) or this one writes (total_changes). */
  private generation(): string {
    const db = this.db()
    return `${db.pragma('data_version', { simple: true })}:${(db.prepare('SELECT total_changes() AS n').get() as { n: number }).n}`
  }

  private cachedCount(key: string, count: () => { total: number; exact: boolean }): { total: number; exact: boolean } {
    const gen = this.generation()
    const hit = this.counts.get(key)
    if (hit && hit.gen === gen) return hit
    const c = { ...count(), gen }
    if (this.counts.size > 200) this.counts.clear()
    this.counts.set(key, c)
    return c
  }

  /** The entries of these seqs, in this order. */
  private rows(seqs: number[]): Page['items'] {
    if (seqs.length === 0) return []
    const rows = this.db().prepare(`${SELECT_ROW} WHERE i.seq IN (SELECT value FROM json_each(?))`).all(JSON.stringify(seqs)) as Row[]
    const bySeq = new Map(rows.map((r) => [r.seq, r]))
    return seqs.flatMap((s) => {
      const r = bySeq.get(s)
      return r ? [toEntry(r, this.abs)] : []
    })
  }

  /**
   * How list() reads a page of bucketed filters: the buckets it reads, newest first, and the index it
   * reads each through (null: the table itself, by seq). For tests that bound the rows a page visits.
   */
  listPlan(q: ListQuery = {}): { total: number; index: string | null; buckets: Array<{ b: number; n: number }>; skip: number; sql: string } | null {
    const { offset, limit } = paging(q)
    const p = plan(q)
    if (!p.onlyFacets) return null
    const db = this.db()
    const w = windowOf(db, p.terms, offset, limit)
    // The most selective single filter's index (the fewest rows to step over inside each bucket).
    let best: { atom: Atom; rows: number } | null = null
    for (const [atom, value] of p.terms.pos) {
      const rows = atomTotal(db, atom, value)
      if (!best || rows < best.rows) best = { atom, rows }
    }
    const index = best ? ATOM_INDEX[best.atom] : null
    const sql = `SELECT i.seq FROM images i ${index ? `INDEXED BY ${index}` : ''} WHERE ${where(p.sql)} AND i.seq >= @lo AND i.seq < @hi ORDER BY i.seq DESC LIMIT @take`
    return { total: w.total, index, buckets: w.buckets, skip: w.skip, sql }
  }

  /** Newest first, with filters and paging. */
  list(q: ListQuery = {}): Page {
    const { offset, limit } = paging(q)
    const p = plan(q)
    const db = this.db()
    const lp = this.listPlan(q)
    if (lp) {
      const st = db.prepare(lp.sql).pluck()
      const seqs: number[] = []
      let skip = lp.skip
      for (const { b } of lp.buckets) {
        const got = st.all({ ...p.args, lo: b * 2 ** BUCKET_SHIFT, hi: (b + 1) * 2 ** BUCKET_SHIFT, take: skip + limit - seqs.length }) as number[]
        seqs.push(...got.slice(skip))
        skip = 0
        if (seqs.length >= limit) break
      }
      return { items: this.rows(seqs.slice(0, limit)), total: lp.total, totalExact: true, offset, limit }
    }
    const w = where(p.sql)
    const { total } = this.cachedCount(`list:${w}:${JSON.stringify(p.args)}`, () => ({ total: (db.prepare(`SELECT COUNT(*) AS n FROM images i WHERE ${w}`).get(p.args) as { n: number }).n, exact: true }))
    const seqs = db.prepare(`SELECT i.seq FROM images i WHERE ${w} ORDER BY i.seq DESC LIMIT @limit OFFSET @offset`).pluck().all({ ...p.args, limit, offset }) as number[]
    return { items: this.rows(seqs), total, totalExact: true, offset, limit }
  }

  /**
   * Full-text search over prompts (every word must match; "word*" matches a prefix), with the same
   * filters as list(). Newest first unless order is "relevance" (which ranks every match: slower).
   */
  search(text: string, q: SearchQuery = {}): Page {
    const words = ftsQuery(text, (prefix) => this.expandPrefix(prefix))
    if (!words) return this.list(q)
    const { offset, limit } = paging(q)
    const p = plan(q)
    const db = this.db()
    let match = `${q.includeNegative ? '{prompt negative_prompt}' : '{prompt}'} : (${words})`
    if (p.words.length) match += ` AND facets : (${p.words.map((w) => `"${w}"`).join(' ')})`
    // CROSS JOIN keeps the full-text index as the outer loop, so rowid order needs no sort.
    const from = p.rest.length ? `images_fts f CROSS JOIN images i ON i.seq = f.rowid WHERE images_fts MATCH @match AND ${where(p.rest)}` : 'images_fts f WHERE images_fts MATCH @match'
    const args = { ...p.args, match }
    const order = q.order === 'relevance' ? 'f.rank, f.rowid DESC' : 'f.rowid DESC'
    const count = this.cachedCount(`search:${from}:${JSON.stringify(args)}`, () => {
      const r = db.prepare(`SELECT count(*) AS n, min(s) AS last FROM (SELECT f.rowid AS s FROM ${from} ORDER BY f.rowid DESC LIMIT @cap)`).get({ ...args, cap: this.countCap }) as { n: number; last: number | null }
      if (r.n < this.countCap || r.last === null) return { total: r.n, exact: true }
      // As many matches again per row of the library as among the rows counted so far.
      const { above, total } = rowsFrom(db, '', r.last)
      return { total: Math.max(r.n, Math.round((r.n * total) / Math.max(1, above))), exact: false }
    })
    const seqs = db.prepare(`SELECT f.rowid FROM ${from} ORDER BY ${order} LIMIT @limit OFFSET @offset`).pluck().all({ ...args, limit, offset }) as number[]
    // Past the estimated end: the count is now known exactly.
    if (!count.exact && seqs.length < limit && offset > 0) return { items: this.rows(seqs), total: offset + seqs.length, totalExact: true, offset, limit }
    return { items: this.rows(seqs), total: count.total, totalExact: count.exact, offset, limit }
  }

  /**
   * A prefix longer than the prefix indexes (1–4 characters, schema 5) as the whole words it stands
   * for, when there are few: FTS5 reads an OR of words lazily in rowid order, whereas a prefix query
   * without an index gathers every match first (O(matches) for a page of 60). Null: keep the prefix.
   */
  private expandPrefix(prefix: string): string | null {
    const p = prefix.toLowerCase()
    if (p.length <= PREFIX_INDEXED || !/^[a-z0-9]+$/.test(p)) return null
    const next = p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1)
    const terms = this.db().prepare('SELECT term FROM images_fts_vocab WHERE term >= ? AND term < ? LIMIT ?').pluck().all(p, next, MAX_EXPANSION + 1) as string[]
    if (terms.length === 0 || terms.length > MAX_EXPANSION) return null
    return `(${terms.map((t) => `"${t}"`).join(' OR ')})`
  }

  /** Distinct models in the library, for the filter picker. */
  models(): string[] {
    return this.db()
      .prepare("SELECT DISTINCT substr(facet, 3) AS model FROM order_buckets WHERE facet >= 'm:' AND facet < 'm;' AND n > 0 ORDER BY model")
      .pluck()
      .all() as string[]
  }

  count(): number {
    return locate(this.db(), '', 0).total
  }
}
