/** The library row derives from GenerationParams: every field is a column or explicitly JSON-only. */
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_PARAMS } from '../../shared/params'
import { PARAMS_VERSION } from '../../shared/params-version'
import { IMAGE_ROW_COLUMNS, PARAM_COLUMNS, PARAMS_ONLY_IN_JSON } from './image-row'
import { Library } from './library'
import { migrate } from './migrations'

describe('library rows from GenerationParams', () => {
  it('lists every GenerationParams field exactly once: as a column or as kept only in params_json', () => {
    const fields = Object.keys(DEFAULT_PARAMS).sort()
    const columns = Object.keys(PARAM_COLUMNS)
    const jsonOnly = Object.keys(PARAMS_ONLY_IN_JSON)
    expect(columns.filter((f) => jsonOnly.includes(f))).toEqual([])
    expect([...columns, ...jsonOnly].sort()).toEqual(fields)
  })

  it('writes columns the images table has, and nothing it lacks a value for', () => {
    const db = new Database(':memory:')
    try {
      migrate(db, ':memory:')
      const table = (db.prepare('PRAGMA table_info(images)').all() as Array<{ name: string; notnull: number; dflt_value: unknown; pk: number }>)
      const names = table.map((c) => c.name)
      expect(IMAGE_ROW_COLUMNS.filter((c) => !names.includes(c))).toEqual([])
      // Every required column without a default is written.
      expect(table.filter((c) => c.notnull && c.dflt_value === null && !c.pk && !(IMAGE_ROW_COLUMNS as readonly string[]).includes(c.name)).map((c) => c.name)).toEqual([])
    } finally {
      db.close()
    }
  })

  it('stores the columns and the versioned parameters of a saved image, and reads old rows migrated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'image-row-'))
    try {
      const lib = Library.open(dir)
      const e = await lib.save({ pixels: { data: new Uint8Array(16 * 16 * 3), width: 16, height: 16, channels: 3 }, params: { prompt: 'a fox', negativePrompt: 'fog', model: 'sd15', sampler: 'uni_pc', steps: 9, cfg: 4, seed: '99', width: 16, height: 16 }, modelHash: null })
      lib.close()
      const db = new Database(join(dir, 'library.sqlite'))
      const row = db.prepare('SELECT * FROM images WHERE id = ?').get(e.id) as Record<string, unknown>
      for (const [field, column] of Object.entries(PARAM_COLUMNS)) expect(row[column], column).toEqual((e.params as unknown as Record<string, unknown>)[field])
      const stored = JSON.parse(row.params_json as string)
      expect(stored.paramsVersion).toBe(PARAMS_VERSION)
      // A row written before parameters were versioned (uni_pc still took a variant option).
      const { paramsVersion: _v, ...old } = stored
      db.prepare('UPDATE images SET params_json = ? WHERE id = ?').run(JSON.stringify({ ...old, samplerOptions: { variant: 'bh2' } }), e.id)
      db.close()
      const again = Library.open(dir)
      expect(again.get(e.id)!.params).toMatchObject({ sampler: 'uni_pc_bh2', samplerOptions: {}, steps: 9 })
      again.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
