import { describe, expect, it } from 'vitest'
import { RequestError } from './api'
import { VALIDATORS } from './api-validators'
import { expandGrid, MAX_GRID_CELLS, validateGridSpec } from './sweep-grid'
import { DEFAULT_PARAMS } from './params'

describe('batches become one cell per image', () => {
  it('splits a batch into cells seeded seed, seed+1, … each with a batch of one', () => {
    const cells = expandGrid({ ...DEFAULT_PARAMS, seed: '7', batchSize: 3 }, null)
    expect(cells.map((c) => [c.seed, c.batchSize])).toEqual([
      ['7', 1],
      ['8', 1],
      ['9', 1]
    ])
  })

  it('splits every grid cell, batch images fastest', () => {
    const cells = expandGrid({ ...DEFAULT_PARAMS, seed: '0', batchSize: 2 }, validateGridSpec({ cfg: [1, 5] }))
    expect(cells.map((c) => `${c.cfg}/${c.seed}`)).toEqual(['1/0', '1/1', '5/0', '5/1'])
  })

  it('refuses a request whose grid times batch exceeds the cell limit, naming the batch size', () => {
    const cfg = Array.from({ length: 16 }, (_, i) => i)
    try {
      VALIDATORS['studio:generate']({ params: { batchSize: MAX_GRID_CELLS / 16 + 1 }, grid: { cfg } })
      throw new Error('accepted')
    } catch (e) {
      expect(e).toBeInstanceOf(RequestError)
      expect((e as RequestError).field).toBe('params.batchSize')
    }
  })
})
