/**
 * Newest first at a million rows, with random access. "Newest first" is the order rows were saved in
 * (`seq`, the integer primary key; rebuild and bulk imports insert in creation order), because the
 * full-text index can walk its matches in rowid order without sorting them.
 *
 * Jumping to any position (a scrollbar dragged to the middle) would be an OFFSET walk over up to every
 * row (80 ms at 1M on the reference machine). Instead `order_buckets` counts the rows of each block of
 * 1024 seqs, once for all rows ('') and once per value of each filter the UI offers ('m:model',
 * 's:sampler', 'c:schedule', 'f' favourites, 'x' missing files), kept by triggers in the same
 * transaction as the row. Position N is found by adding up bucket counts from the newest block (about a
 * thousand small rows at 1M) and skipping at most 1023 rows inside one block; the same sum is the count.
 *
 * The text of these triggers and of FACETS_SQL is part of schema 3 (migrations.ts): a change is a new
 * migration, never an edit here.
 */
import type BetterSqlite3 from 'better-sqlite3'

export const BUCKET_SHIFT = 10

/**
 * Each row's filter values as words for the full-text index ("xf1 xq0 xm<hex> xs<hex> xc<hex> xg<hex>"),
 * so a search with filters is one index intersection instead of a walk over every match.
 */
export const FACETS_SQL = `'xf' || favourite || ' xq' || (missing_since IS NOT NULL) || ' xm' || hex(model) || ' xs' || hex(sampler) || ' xc' || hex(schedule) || ' xg' || hex(coalesce(group_id, ''))`

/** The facet word of a value, as FACETS_SQL writes it (the tokenizer folds case, so lower hex matches). */
export const facetToken = (prefix: 'xf' | 'xq' | 'xm' | 'xs' | 'xc' | 'xg', value: string | number): string =>
  `${prefix}${typeof value === 'number' ? value : Buffer.from(value, 'utf8').toString('hex')}`

const bucketsOf = (r: 'new' | 'old'): string =>
  `SELECT '' AS f UNION ALL SELECT 'm:' || ${r}.model UNION ALL SELECT 's:' || ${r}.sampler UNION ALL SELECT 'c:' || ${r}.schedule
   UNION ALL SELECT 'f' WHERE ${r}.favourite = 1 UNION ALL SELECT 'x' WHERE ${r}.missing_since IS NOT NULL`

/**
 * Triggers named `${name}_ai/_ad/_au` that keep order_buckets in step with images for the facets
 * `facets(r)` selects (one column `f`) from row `r`: the single filters here, the combinations in combos.ts.
 */
export function bucketTriggers(name: string, facets: (r: 'new' | 'old') => string): string {
  const addNew = `INSERT INTO order_buckets(facet, b, n) SELECT f, new.seq >> ${BUCKET_SHIFT}, 1 FROM (${facets('new')}) WHERE true
    ON CONFLICT(facet, b) DO UPDATE SET n = n + 1;`
  const removeOld = `UPDATE order_buckets SET n = n - 1 WHERE b = old.seq >> ${BUCKET_SHIFT} AND facet IN (${facets('old')});`
  return `
    CREATE TRIGGER ${name}_ai AFTER INSERT ON images BEGIN
      ${addNew}
    END;
    CREATE TRIGGER ${name}_ad AFTER DELETE ON images BEGIN
      ${removeOld}
    END;
    CREATE TRIGGER ${name}_au AFTER UPDATE OF model, sampler, schedule, favourite, missing_since ON images BEGIN
      ${removeOld}
      ${addNew}
    END;`
}

/** The triggers that keep order_buckets in step with images (schema 3). */
export function bucketTriggersSql(): string {
  return bucketTriggers('images_order', bucketsOf)
}

export interface Located {
  /** Rows of the facet. */
  total: number
  /** The page starts `skip` rows below this seq bound (exclusive), or is past the end when null. */
  below: number | null
  skip: number
}

/** Where row `offset` (newest first) of a facet ('' = all rows) is. */
export function locate(db: BetterSqlite3.Database, facet: string, offset: number): Located {
  const buckets = db.prepare('SELECT b, n FROM order_buckets WHERE facet = ? AND n > 0 ORDER BY b DESC').raw().all(facet) as Array<[number, number]>
  let acc = 0
  let found: Located | null = null
  for (const [b, n] of buckets) {
    if (!found && acc + n > offset) found = { total: 0, below: (b + 1) * 2 ** BUCKET_SHIFT, skip: offset - acc }
    acc += n
  }
  return found ? { ...found, total: acc } : { total: acc, below: null, skip: 0 }
}

/** Every (facet, bucket) pair of the single filters of the rows matching `cond` (alias i), for bulk fills. */
export function singleRowsSql(cond: string): string {
  return [`'' AS f`, `'m:' || i.model`, `'s:' || i.sampler`, `'c:' || i.schedule`]
    .map((f) => `SELECT ${f}, i.seq >> ${BUCKET_SHIFT} AS b FROM images i WHERE ${cond}`)
    .concat([`SELECT 'f', i.seq >> ${BUCKET_SHIFT} FROM images i WHERE ${cond} AND i.favourite = 1`, `SELECT 'x', i.seq >> ${BUCKET_SHIFT} FROM images i WHERE ${cond} AND i.missing_since IS NOT NULL`])
    .join(' UNION ALL ')
}

/** Rows of a facet at or above `seq` (for estimating how far through the library a seq is). */
export function rowsFrom(db: BetterSqlite3.Database, facet: string, seq: number): { above: number; total: number } {
  const r = db.prepare('SELECT coalesce(sum(CASE WHEN b >= ? THEN n END), 0) AS above, coalesce(sum(n), 0) AS total FROM order_buckets WHERE facet = ?').get(Math.floor(seq / 2 ** BUCKET_SHIFT), facet) as { above: number; total: number }
  return r
}
