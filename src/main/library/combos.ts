/**
 * Random access for every combination of the filters the UI offers (schema 5). Schema 3's order
 * buckets (order.ts) count rows per 1024 seqs for each single filter value; a page with two filters
 * (model + favourites) still walked with OFFSET through every row of one of them (639 ms at 100k).
 *
 * Schema 5 also counts every combination of two or more of a row's filter values: model, sampler and
 * schedule always (ms, mc, sc, msc: four more counters per row), and with favourite and missing-file
 * rows the combinations that include 'f' and 'x'. The facet key of a combination is '+' and its single
 * keys ('m:sd15', 's:euler', 'c:karras', 'f', 'x') in that order joined by U+001F, so a single filter
 * keeps schema 3's key, '' is every row, and the 'm:' range still lists the models alone.
 *
 * A negative filter (favourite = false, missing = false) is worked out per bucket by inclusion and
 * exclusion: rows of S that are not favourites = rows of S − rows of S + f. A page is then found
 * as before, by adding bucket counts from the newest block, and read bucket by bucket (only the
 * buckets that hold rows of the combination, at most limit + 1 of them) through the index of the
 * most selective single filter restricted to the bucket's seq range: rows visited are bounded by that
 * filter's rows in those buckets, whatever the offset.
 *
 * The trigger text is part of schema 5 (migrations.ts): a change is a new migration, never an edit.
 */
import type BetterSqlite3 from 'better-sqlite3'
import { BUCKET_SHIFT, bucketTriggers } from './order'

export type Atom = 'm' | 's' | 'c' | 'f' | 'x'
export const ATOMS: readonly Atom[] = ['m', 's', 'c', 'f', 'x']
const SEP = '\u001f'

/** The key of one filter value, as schema 3 writes it. */
export function atomKey(a: Atom, value?: string): string {
  return a === 'f' || a === 'x' ? a : `${a}:${value}`
}

/** The facet key of a combination (keys in ATOMS order). */
export function comboKey(parts: Array<[Atom, string | undefined]>): string {
  const keys = [...parts].sort((x, y) => ATOMS.indexOf(x[0]) - ATOMS.indexOf(y[0])).map(([a, v]) => atomKey(a, v))
  return keys.length < 2 ? keys.join('') : `+${keys.join(SEP)}`
}

const atomSql = (a: Atom, r: string): string => (a === 'f' ? "'f'" : a === 'x' ? "'x'" : `'${a}:' || ${r}.${a === 'm' ? 'model' : a === 's' ? 'sampler' : 'schedule'}`)
const atomCond = (a: Atom, r: string): string | null => (a === 'f' ? `${r}.favourite = 1` : a === 'x' ? `${r}.missing_since IS NOT NULL` : null)

/** Every subset of two or more atoms, as (key expression, condition) for row alias `r`. */
function combosOf(r: string): Array<{ key: string; cond: string }> {
  const out: Array<{ key: string; cond: string }> = []
  for (let mask = 1; mask < 1 << ATOMS.length; mask++) {
    const set = ATOMS.filter((_, i) => mask & (1 << i))
    if (set.length < 2) continue
    const conds = set.map((a) => atomCond(a, r)).filter((c): c is string => c !== null)
    out.push({ key: `'+' || ${set.map((a) => atomSql(a, r)).join(` || char(31) || `)}`, cond: conds.length ? conds.join(' AND ') : 'true' })
  }
  return out
}

const combosSelect = (r: string): string =>
  combosOf(r)
    .map((c) => `SELECT ${c.key} AS f WHERE ${c.cond}`)
    .join(' UNION ALL ')

/** The triggers that keep the combination buckets in step with images (schema 5). */
export function comboTriggersSql(): string {
  return bucketTriggers('images_combo', combosSelect)
}

/** Every (facet, bucket) pair of the combinations of the rows matching `where` (alias i): the migration, bulk fills. */
export function comboRowsSql(where = 'true'): string {
  return combosOf('i')
    .map((c) => `SELECT ${c.key} AS f, i.seq >> ${BUCKET_SHIFT} AS b FROM images i WHERE ${where} AND ${c.cond}`)
    .join(' UNION ALL ')
}

/** A filter set as bucket terms: facet keys with the sign they are added with. */
export interface Terms {
  /** Positive filters (atom → value). */
  pos: Array<[Atom, string | undefined]>
  /** Negative flags: rows without favourite ('f') or without missing ('x'). */
  neg: Array<'f' | 'x'>
}

export function termsOf(t: Terms): Array<{ facet: string; sign: 1 | -1 }> {
  const out: Array<{ facet: string; sign: 1 | -1 }> = []
  for (let mask = 0; mask < 1 << t.neg.length; mask++) {
    const extra = t.neg.filter((_, i) => mask & (1 << i))
    out.push({ facet: comboKey([...t.pos, ...extra.map((a): [Atom, undefined] => [a, undefined])]), sign: extra.length % 2 ? -1 : 1 })
  }
  return out
}

export interface Window {
  total: number
  /** Buckets holding the page's rows, newest first, with how many rows of the filter each holds. */
  buckets: Array<{ b: number; n: number }>
  /** Rows of the filter to skip in the first of those buckets. */
  skip: number
}

/** The buckets that hold rows [offset, offset + limit) of a filter set, newest first. */
export function windowOf(db: BetterSqlite3.Database, t: Terms, offset: number, limit: number): Window {
  const terms = termsOf(t)
  const sign = new Map(terms.map((x) => [x.facet, x.sign]))
  const rows = db
    .prepare(`SELECT facet, b, n FROM order_buckets WHERE facet IN (SELECT value FROM json_each(?)) AND n > 0`)
    .raw()
    .all(JSON.stringify(terms.map((x) => x.facet))) as Array<[string, number, number]>
  const perBucket = new Map<number, number>()
  for (const [facet, b, n] of rows) perBucket.set(b, (perBucket.get(b) ?? 0) + sign.get(facet)! * n)
  const ordered = [...perBucket].filter(([, n]) => n > 0).sort((x, y) => y[0] - x[0])
  let acc = 0
  let skip = 0
  const buckets: Window['buckets'] = []
  for (const [b, n] of ordered) {
    if (acc + n > offset && acc < offset + limit) {
      if (buckets.length === 0) skip = offset - acc
      buckets.push({ b, n })
    }
    acc += n
  }
  return { total: acc, buckets, skip }
}

/** The index that reads an atom's rows in seq order (schema 3), or none for the rowid itself. */
export const ATOM_INDEX: Record<Atom, string> = { m: 'images_model_seq', s: 'images_sampler_seq', c: 'images_schedule_seq', f: 'images_fav_seq', x: 'images_missing_seq' }

/** Rows of one single filter value (for choosing the most selective index). */
export function atomTotal(db: BetterSqlite3.Database, a: Atom, value?: string): number {
  return db.prepare('SELECT coalesce(sum(n), 0) FROM order_buckets WHERE facet = ?').pluck().get(atomKey(a, value)) as number
}
