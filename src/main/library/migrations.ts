/**
 * The library index schema and its ordered migrations (STYLE habit 12). `schema_version` holds one row
 * with the version the file is at; `migrate` applies every later step in order, each in its own
 * transaction, and refuses a file written by a newer Sigma Studio. A step, once released, is never
 * edited: a change is a new step. `fixtures/library-v1.sql` is a frozen v1 file the tests migrate.
 *
 * v1: images (one row per PNG, with the prompt columns indexed by FTS5 through triggers), groups
 *     (a gallery or sweep: kind and axes), tags as a JSON list on the row.
 * v2: tags move to their own table (searchable, one row per tag); `missing_since` flags rows whose
 *     file has gone; `thumb` records the thumbnail's path.
 * v3: fast at a million rows (see order.ts and queries.ts): newest first is `seq` order; an index per
 *     filter; `order_buckets` counts rows per 1024 seqs per filter value (kept by triggers) for counts
 *     and random access; the full-text index also holds each row's filter values as tokens (`facets`,
 *     a generated column) and prefix indexes; `sha256` records each PNG's checksum at save; `journal`
 *     records saves and deletions in flight, so a start after a crash looks at those alone.
 * v4: `image_inputs` references the init image and mask each result was made from (files in inputs/,
 *     named by their SHA-256; see inputs.ts): the reference only, never the bytes. Rows of older
 *     libraries simply have none.
 * v5: random access for every combination of filters (combos.ts: order buckets per combination of
 *     model, sampler, schedule, favourite, missing); the full-text index gets prefix indexes of 1–4
 *     characters (`prefix='1 2 3 4'`) and a vocabulary table (`images_fts_vocab`) that longer prefixes
 *     are expanded through (queries.ts).
 */
import { FACETS_SQL, bucketTriggersSql } from './order'
import { comboRowsSql, comboTriggersSql } from './combos'
import type BetterSqlite3 from 'better-sqlite3'

export interface Migration {
  to: number
  description: string
  up: (db: BetterSqlite3.Database) => void
}

export const MIGRATIONS: readonly Migration[] = [
  {
    to: 1,
    description: 'images, groups, full-text index over prompts',
    up: (db) => {
      db.exec(`
        CREATE TABLE groups (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('gallery', 'sweep')),
          title TEXT,
          axes_json TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE images (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          file TEXT NOT NULL UNIQUE,
          file_size INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          model TEXT NOT NULL,
          model_hash TEXT,
          sampler TEXT NOT NULL,
          schedule TEXT NOT NULL,
          steps INTEGER NOT NULL,
          cfg REAL NOT NULL,
          seed TEXT NOT NULL,
          width INTEGER NOT NULL,
          height INTEGER NOT NULL,
          prompt TEXT NOT NULL,
          negative_prompt TEXT NOT NULL,
          params_json TEXT NOT NULL,
          app_version TEXT NOT NULL,
          favourite INTEGER NOT NULL DEFAULT 0,
          tags_json TEXT NOT NULL DEFAULT '[]',
          group_id TEXT REFERENCES groups(id) ON DELETE SET NULL,
          cell_index INTEGER,
          cell_json TEXT
        );
        CREATE INDEX images_created ON images(created_at DESC, seq DESC);
        CREATE INDEX images_model ON images(model, created_at);
        CREATE INDEX images_group ON images(group_id, cell_index);
        CREATE VIRTUAL TABLE images_fts USING fts5(
          prompt, negative_prompt, content='images', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER images_fts_ai AFTER INSERT ON images BEGIN
          INSERT INTO images_fts(rowid, prompt, negative_prompt) VALUES (new.seq, new.prompt, new.negative_prompt);
        END;
        CREATE TRIGGER images_fts_ad AFTER DELETE ON images BEGIN
          INSERT INTO images_fts(images_fts, rowid, prompt, negative_prompt) VALUES ('delete', old.seq, old.prompt, old.negative_prompt);
        END;
        CREATE TRIGGER images_fts_au AFTER UPDATE OF prompt, negative_prompt ON images BEGIN
          INSERT INTO images_fts(images_fts, rowid, prompt, negative_prompt) VALUES ('delete', old.seq, old.prompt, old.negative_prompt);
          INSERT INTO images_fts(rowid, prompt, negative_prompt) VALUES (new.seq, new.prompt, new.negative_prompt);
        END;
      `)
    }
  },
  {
    to: 2,
    description: 'tags table, missing-file flag, thumbnail path',
    up: (db) => {
      db.exec(`
        CREATE TABLE image_tags (
          image_seq INTEGER NOT NULL REFERENCES images(seq) ON DELETE CASCADE,
          tag TEXT NOT NULL,
          PRIMARY KEY (image_seq, tag)
        );
        CREATE INDEX image_tags_tag ON image_tags(tag);
        ALTER TABLE images ADD COLUMN missing_since INTEGER;
        ALTER TABLE images ADD COLUMN thumb TEXT;
      `)
      const rows = db.prepare('SELECT seq, tags_json FROM images').all() as Array<{ seq: number; tags_json: string }>
      const ins = db.prepare('INSERT OR IGNORE INTO image_tags(image_seq, tag) VALUES (?, ?)')
      for (const r of rows) {
        let tags: unknown
        try {
          tags = JSON.parse(r.tags_json)
        } catch {
          tags = []
        }
        if (Array.isArray(tags)) for (const t of tags) if (typeof t === 'string' && t.trim()) ins.run(r.seq, t.trim())
      }
      db.exec('ALTER TABLE images DROP COLUMN tags_json')
    }
  },
  {
    to: 3,
    description: 'filter indexes, order buckets, facets in the full-text index, checksums, journal',
    up: (db) => {
      db.exec(`
        DROP INDEX IF EXISTS images_model;
        CREATE INDEX images_model_seq ON images(model, seq);
        CREATE INDEX images_sampler_seq ON images(sampler, seq);
        CREATE INDEX images_schedule_seq ON images(schedule, seq);
        CREATE INDEX images_fav_seq ON images(seq) WHERE favourite = 1;
        CREATE INDEX images_missing_seq ON images(seq) WHERE missing_since IS NOT NULL;
        ALTER TABLE images ADD COLUMN sha256 TEXT;
        ALTER TABLE images ADD COLUMN facets TEXT GENERATED ALWAYS AS (${FACETS_SQL}) VIRTUAL;
        DROP TRIGGER IF EXISTS images_fts_ai;
        DROP TRIGGER IF EXISTS images_fts_ad;
        DROP TRIGGER IF EXISTS images_fts_au;
        DROP TABLE IF EXISTS images_fts;
        CREATE VIRTUAL TABLE images_fts USING fts5(
          prompt, negative_prompt, facets, content='images', content_rowid='seq',
          tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO images_fts(images_fts) VALUES ('rebuild');
        CREATE TRIGGER images_fts_ai AFTER INSERT ON images BEGIN
          INSERT INTO images_fts(rowid, prompt, negative_prompt, facets) VALUES (new.seq, new.prompt, new.negative_prompt, new.facets);
        END;
        CREATE TRIGGER images_fts_ad AFTER DELETE ON images BEGIN
          INSERT INTO images_fts(images_fts, rowid, prompt, negative_prompt, facets) VALUES ('delete', old.seq, old.prompt, old.negative_prompt, old.facets);
        END;
        CREATE TRIGGER images_fts_au AFTER UPDATE OF prompt, negative_prompt, favourite, missing_since, model, sampler, schedule, group_id ON images BEGIN
          INSERT INTO images_fts(images_fts, rowid, prompt, negative_prompt, facets) VALUES ('delete', old.seq, old.prompt, old.negative_prompt, old.facets);
          INSERT INTO images_fts(rowid, prompt, negative_prompt, facets) VALUES (new.seq, new.prompt, new.negative_prompt, new.facets);
        END;
        CREATE TABLE order_buckets (
          facet TEXT NOT NULL,
          b INTEGER NOT NULL,
          n INTEGER NOT NULL,
          PRIMARY KEY (facet, b)
        ) WITHOUT ROWID;
        ${bucketTriggersSql()}
        CREATE TABLE journal (
          file TEXT PRIMARY KEY,
          id TEXT NOT NULL,
          op TEXT NOT NULL CHECK (op IN ('save', 'delete')),
          pid INTEGER NOT NULL,
          at INTEGER NOT NULL
        );
        CREATE TABLE library_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `)
      // Fill the buckets for the rows already there (the triggers count the rows written from now on).
      db.exec(`INSERT INTO order_buckets(facet, b, n) SELECT f, b, count(*) FROM (${bucketRowsSql()}) GROUP BY f, b`)
      db.exec('ANALYZE')
    }
  },
  {
    to: 4,
    description: 'init image and mask references (inputs/)',
    up: (db) => {
      db.exec(`
        CREATE TABLE image_inputs (
          image_seq INTEGER NOT NULL REFERENCES images(seq) ON DELETE CASCADE,
          role TEXT NOT NULL CHECK (role IN ('init', 'mask')),
          name TEXT NOT NULL,
          PRIMARY KEY (image_seq, role)
        ) WITHOUT ROWID;
        CREATE INDEX image_inputs_name ON image_inputs(name);
      `)
    }
  },
  {
    to: 5,
    description: 'order buckets per combination of filters, prefix indexes and vocabulary for search',
    up: (db) => {
      db.exec(comboTriggersSql())
      db.exec(`INSERT INTO order_buckets(facet, b, n) SELECT f, b, count(*) FROM (${comboRowsSql()}) GROUP BY f, b`)
      // The v3 triggers name images_fts and keep working once it exists again (same columns).
      db.exec(`
        DROP TABLE images_fts;
        CREATE VIRTUAL TABLE images_fts USING fts5(
          prompt, negative_prompt, facets, content='images', content_rowid='seq',
          tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4'
        );
        INSERT INTO images_fts(images_fts) VALUES ('rebuild');
        CREATE VIRTUAL TABLE images_fts_vocab USING fts5vocab(images_fts, 'row');
      `)
    }
  }
]

/** Every (facet, bucket) pair of every row, for filling order_buckets from existing rows. */
function bucketRowsSql(): string {
  return `
    SELECT '' AS f, seq >> 10 AS b FROM images
    UNION ALL SELECT 'm:' || model, seq >> 10 FROM images
    UNION ALL SELECT 's:' || sampler, seq >> 10 FROM images
    UNION ALL SELECT 'c:' || schedule, seq >> 10 FROM images
    UNION ALL SELECT 'f', seq >> 10 FROM images WHERE favourite = 1
    UNION ALL SELECT 'x', seq >> 10 FROM images WHERE missing_since IS NOT NULL`
}

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].to

export class LibrarySchemaError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LibrarySchemaError'
  }
}

/** The version a database is at (0 for a new, empty file). */
export function schemaVersion(db: BetterSqlite3.Database): number {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get()
  if (!has) return 0
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined
  return row?.version ?? 0
}

/** Brings the database up to `target` (default: latest). Returns the versions applied. */
export function migrate(db: BetterSqlite3.Database, file: string, target = LATEST_SCHEMA_VERSION): number[] {
  const applied: number[] = []
  const run = db.transaction((m: Migration) => {
    m.up(db)
    db.prepare('DELETE FROM schema_version').run()
    db.prepare('INSERT INTO schema_version(version) VALUES (?)').run(m.to)
  })
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)')
  const from = schemaVersion(db)
  if (from > LATEST_SCHEMA_VERSION) {
    throw new LibrarySchemaError(`${file} was written by a newer Sigma Studio (library schema ${from}; this version knows up to ${LATEST_SCHEMA_VERSION}); update the app, or point it at another library folder`)
  }
  for (const m of MIGRATIONS) {
    if (m.to <= from || m.to > target) continue
    // DROP COLUMN and table rewrites must not trip foreign keys mid-step.
    db.pragma('foreign_keys = OFF')
    try {
      run(m)
    } finally {
      db.pragma('foreign_keys = ON')
    }
    applied.push(m.to)
  }
  return applied
}
