/**
 * Reading the index: pages newest first with filters, full-text search, counts, models. Every query the
 * UI makes stays within a few milliseconds at a million rows (bench/library.ts measures them):
 * - no filter or one filter: counts and the page position come from order_buckets (order.ts);
 * - combined filters: the index of the most selective filter, walked in seq order (no sort);
 * - text: the full-text index walked in rowid order (no sort), with the filters as index words
 *   (FACETS_SQL), so matches are never all gathered; the count stops at COUNT_CAP matches and
 *   estimates beyond it from how far into the library the last one counted is.
 * Counts of the slower kinds are cached until the index changes (any connection's commit).
 */
import type BetterSqlite3 from 'better-sqlite3'
import { LibraryError } from './errors'
import { SELECT_ROW, toEntry, toMs, ftsQuery } from './entries'
import { facetToken, locate, rowsFrom } from './order'
import type { ListQuery, Page, Row, SearchQuery } from './types'

/** Matches counted exactly before the count of a search becomes an estimate. */
export const COUNT_CAP = 100_000

interface Plan {
  /** SQL conditions on `images i`. */
  sql: string[]
  /** The same filters as full-text words (for search). */
  words: string[]
  /** Conditions the full-text words do not cover (dates, tags). */
  rest: string[]
  args: Record<string, unknown>
  /** The order_buckets facets these filters map to, and whether every filter maps to one. */
  facets: string[]
  onlyFacets: boolean
}

function plan(q: ListQuery): Plan {
  const p: Plan = { sql: [], words: [], rest: [], args: {}, facets: [], onlyFacets: true }
  if (q.model !== undefined) (p.sql.push('i.model = @model'), (p.args.model = q.model), p.words.push(facetToken('xm', q.model)), p.facets.push(`m:${q.model}`))
  if (q.sampler !== undefined) (p.sql.push('i.sampler = @sampler'), (p.args.sampler = q.sampler), p.words.push(facetToken('xs', q.sampler)), p.facets.push(`s:${q.sampler}`))
  if (q.schedule !== undefined) (p.sql.push('i.schedule = @schedule'), (p.args.schedule = q.schedule), p.words.push(facetToken('xc', q.schedule)), p.facets.push(`c:${q.schedule}`))
  if (q.favourite !== undefined) {
    p.sql.push(q.favourite ? 'i.favourite = 1' : 'i.favourite = 0')
    p.words.push(facetToken('xf', q.favourite ? 1 : 0))
    if (q.favourite) p.facets.push('f')
    else p.onlyFacets = false
  }
  if (q.missing !== undefined) {
    p.sql.push(q.missing ? 'i.missing_since IS NOT NULL' : 'i.missing_since IS NULL')
    p.words.push(facetToken('xq', q.missing ? 1 : 0))
    if (q.missing) p.facets.push('x')
    else p.onlyFacets = false
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

  /** Newest first, with filters and paging. */
  list(q: ListQuery = {}): Page {
    const { offset, limit } = paging(q)
    const p = plan(q)
    const db = this.db()
    if (p.onlyFacets && p.facets.length <= 1) {
      const at = locate(db, p.facets[0] ?? '', offset)
      const seqs =
        at.below === null
          ? []
          : (db.prepare(`SELECT i.seq FROM images i WHERE ${where(p.sql)} AND i.seq < @below ORDER BY i.seq DESC LIMIT @limit OFFSET @skip`).pluck().all({ ...p.args, below: at.below, limit, skip: at.skip }) as number[])
      return { items: this.rows(seqs), total: at.total, totalExact: true, offset, limit }
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
    const words = ftsQuery(text)
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
