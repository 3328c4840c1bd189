import { describe, expect, it } from 'vitest'
import { RequestError } from './api'
import { VALIDATORS } from './api-validators'
import { expandGrid, gridCellCount, MAX_GRID_CELLS, validateGridSpec } from './sweep-grid'
import { DEFAULT_PARAMS, validateGenerationParams } from './params'
import { applySweepValue, checkSweepCells, formatSweepValue, SWEEP_PARAM_IDS, SWEEP_PARAMS } from './sweep'
import { parseAxisText, SweepAxisError, tryParseAxis } from './sweep-text'
import { MAX_EXPORT_CELLS, validateSweepExportRequest } from './sweep-export'

const base = validateGenerationParams({ prompt: 'a fox', sampler: 'euler', schedule: 'karras', steps: 8, cfg: 5, width: 64, height: 64 })

/** The error parseAxisText gives for an axis text (fails the test when the text is accepted). */
const err = (param: Parameters<typeof parseAxisText>[0], text: string): SweepAxisError => {
  try {
    parseAxisText(param, text, 'X axis (test)')
  } catch (e) {
    return e as SweepAxisError
  }
  throw new Error(`"${text}" was accepted`)
}

describe('axis text', () => {
  it('reads lists, dash ranges with steps or counts, and start:stop:count', () => {
    expect(parseAxisText('cfg', '3, 5, 7.5')).toEqual([3, 5, 7.5])
    expect(parseAxisText('steps', '1-5')).toEqual([1, 2, 3, 4, 5])
    expect(parseAxisText('cfg', '3-9 (+2)')).toEqual([3, 5, 7, 9])
    expect(parseAxisText('cfg', '9-3 (-3)')).toEqual([9, 6, 3])
    expect(parseAxisText('cfg', '1-5 [3]')).toEqual([1, 3, 5])
    expect(parseAxisText('cfg', '3:9:3')).toEqual([3, 6, 9])
    expect(parseAxisText('guidance.rescale', '0:0.75:4')).toEqual([0, 0.25, 0.5, 0.75])
    // No binary noise from the arithmetic.
    expect(parseAxisText('guidance.rescale', '0-0.3 (+0.1)')).toEqual([0, 0.1, 0.2, 0.3])
    // Lists and ranges mix; a range that does not land on its end stops before it.
    expect(parseAxisText('steps', '2, 10-16 (+4)')).toEqual([2, 10, 14])
  })

  it('rounds evenly spaced whole-number axes and keeps them distinct', () => {
    expect(parseAxisText('steps', '1-10 [4]')).toEqual([1, 4, 7, 10])
    expect(parseAxisText('steps', '2:3:4')).toEqual([2, 3])
  })

  it('reads seeds as 64-bit decimal strings, ranges included', () => {
    expect(parseAxisText('seed', '1-3')).toEqual(['1', '2', '3'])
    expect(parseAxisText('seed', '18446744073709551614-18446744073709551615')).toEqual(['18446744073709551614', '18446744073709551615'])
    expect(parseAxisText('seed', '0-100 (+50)')).toEqual(['0', '50', '100'])
    expect(parseAxisText('seed', '7, 42')).toEqual(['7', '42'])
  })

  it('resolves sampler and schedule names to ids', () => {
    expect(parseAxisText('sampler', 'euler, Euler a, DPM++ 2M')).toEqual(['euler', 'euler_ancestral', 'dpmpp_2m'])
    expect(parseAxisText('schedule', 'Karras, normal, Align Your Steps')).toEqual(['karras', 'normal', 'ays_sd1'])
  })

  it('names the axis and the bad token in every error', () => {
    expect(err('cfg', '3, abc, 7').message).toMatch(/^X axis \(test\): "abc" is not a number or a range/)
    expect(err('cfg', '3, abc, 7')).toMatchObject({ field: 'X axis (test)', token: 'abc' })
    expect(err('cfg', '3, 200').message).toBe('X axis (test): "200" must be from 0 to 100')
    expect(err('steps', '2.5').message).toMatch(/"2.5" must be a whole number/)
    expect(err('steps', '1-3 (+0.5)').message).toBe('X axis (test): "1-3 (+0.5)" gives 1.5, which must be a whole number')
    expect(err('cfg', '1-9 (-1)').message).toMatch(/"1-9 \(-1\)" never reaches 9/)
    expect(err('cfg', '1-9 (+0)').message).toMatch(/step of 0/)
    expect(err('cfg', '0-1000 (+1)').message).toMatch(/makes 1001 values; an axis takes at most 64/)
    expect(err('cfg', '3,,5').message).toMatch(/empty value between commas/)
    expect(err('cfg', '  ').message).toMatch(/^X axis \(test\): has no values; type a list or a range, e.g. 1, 4, 7/)
    expect(err('sampler', 'euler, warp_drive').message).toMatch(/"warp_drive" is not a known sampler/)
    expect(err('sampler', 'DPM++ 2M Karras').message).toMatch(/also sets schedule karras; use the plain sampler dpmpp_2m/)
    expect(err('schedule', 'wobbly').message).toMatch(/"wobbly" is not a known schedule/)
    expect(err('seed', '-5').message).toMatch(/"-5" must be a whole number/)
    expect(err('width', '100').message).toBe('X axis (test): "100" must be a multiple of 8; use 96 or 104')
  })

  it('names the typed value once: an A1111 sampler+schedule name ("DPM++ 2M Karras") was quoted twice', () => {
    for (const [param, text, token] of [
      ['sampler', 'euler, DPM++ 2M Karras', 'DPM++ 2M Karras'],
      ['sampler', 'warp_drive', 'warp_drive'],
      ['schedule', 'lunar', 'lunar'],
      ['img2img.inpaint.maskedContent', 'grey', 'grey'],
      ['cfg', '250', '250'],
      ['seed', '-5', '-5'],
      ['seed', 'abc', 'abc']
    ] as const) {
      const message = err(param, text).message
      expect(message.split(token).length - 1, message).toBe(1)
    }
    expect(err('sampler', 'DPM++ 2M Karras').message).toBe('X axis (test): "DPM++ 2M Karras" also sets schedule karras; use the plain sampler dpmpp_2m')
  })

  it('gives form feedback without throwing', () => {
    expect(tryParseAxis('cfg', '1, 4, 7')).toEqual({ ok: true, values: [1, 4, 7] })
    expect(tryParseAxis('cfg', 'x', 'Y axis')).toEqual({ ok: false, error: expect.stringMatching(/^Y axis: "x"/) })
  })

  it('has an example for every parameter that parses', () => {
    for (const id of SWEEP_PARAM_IDS) expect(parseAxisText(id, SWEEP_PARAMS[id].example).length, id).toBeGreaterThan(1)
  })
})

describe('applying values', () => {
  it('sets the dotted field each parameter names', () => {
    const cases: Array<[Parameters<typeof applySweepValue>[1], number | string, (p: typeof base) => unknown]> = [
      ['cfg', 3, (p) => p.cfg],
      ['steps', 12, (p) => p.steps],
      ['seed', '99', (p) => p.seed],
      ['guidance.rescale', 0.5, (p) => p.guidance.rescale],
      ['samplerOptions.s_noise', 0.9, (p) => p.samplerOptions.s_noise],
      ['samplerOptions.order', 2, (p) => p.samplerOptions.order],
      ['scheduleParams.rho', 5, (p) => p.scheduleParams.rho],
      ['noise.temperature', 0.8, (p) => p.noise.temperature],
      ['width', 96, (p) => p.width],
      ['height', 128, (p) => p.height]
    ]
    for (const [param, v, read] of cases) {
      const out = applySweepValue(base, param, v)
      expect(read(out), param).toBe(v)
      // The library reads the cell's value back by the parameter id as a dotted path.
      expect(param.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], out), param).toBe(v)
    }
    expect(base.cfg).toBe(5) // never mutated
  })

  it('keeps only the options a new sampler or schedule takes', () => {
    const p = { ...base, samplerOptions: { s_noise: 0.9, s_churn: 1 } }
    expect(applySweepValue(p, 'sampler', 'euler_ancestral').samplerOptions).toEqual({ s_noise: 0.9 })
    expect(applySweepValue(p, 'sampler', 'dpmpp_2m').samplerOptions).toEqual({})
    const q = { ...base, scheduleParams: { rho: 5, sigma_max: 10 } }
    expect(applySweepValue(q, 'schedule', 'polyexponential').scheduleParams).toEqual({ rho: 5, sigma_max: 10 })
    expect(applySweepValue(q, 'schedule', 'normal').scheduleParams).toEqual({ sigma_max: 10 })
  })

  it('formats values for labels', () => {
    expect(formatSweepValue('sampler', 'dpmpp_2m')).toBe('DPM++ 2M')
    expect(formatSweepValue('schedule', 'karras')).toBe('Karras')
    expect(formatSweepValue('cfg', 0.1 + 0.2)).toBe('0.3')
    expect(formatSweepValue('seed', '18446744073709551615')).toBe('18446744073709551615')
  })
})

describe('grids with sweep axes', () => {
  it('expands axes inside the fixed fields, row-major, the last axis fastest', () => {
    const grid = validateGridSpec({ axes: [{ param: 'steps', values: [2, 4] }, { param: 'cfg', values: [1, 4, 7] }] })!
    expect(gridCellCount(grid)).toBe(6)
    const cells = expandGrid(base, grid)
    expect(cells.map((c) => [c.steps, c.cfg])).toEqual([
      [2, 1],
      [2, 4],
      [2, 7],
      [4, 1],
      [4, 4],
      [4, 7]
    ])
    const withSeeds = expandGrid(base, validateGridSpec({ seeds: ['1', '2'], axes: [{ param: 'guidance.rescale', values: [0, 0.7] }] }))
    expect(withSeeds.map((c) => `${c.seed}/${c.guidance.rescale}`)).toEqual(['1/0', '1/0.7', '2/0', '2/0.7'])
  })

  it('validates every axis value with a field path', () => {
    const bad = (grid: unknown): RequestError => {
      try {
        validateGridSpec(grid)
      } catch (e) {
        return e as RequestError
      }
      throw new Error('accepted')
    }
    expect(bad({ axes: [{ param: 'cfg', values: [1, 'x'] }] }).field).toBe('grid.axes[0].values[1]')
    expect(bad({ axes: [{ param: 'warp', values: [1] }] }).field).toBe('grid.axes[0].param')
    expect(bad({ axes: [{ param: 'cfg', values: [] }] }).field).toBe('grid.axes[0].values')
    expect(bad({ axes: [{ param: 'cfg', values: [1] }, { param: 'cfg', values: [2] }] }).message).toMatch(/already swept/)
    expect(bad({ cfg: [1, 2], axes: [{ param: 'cfg', values: [3] }] }).message).toMatch(/grid.axes\[0\].param: cfg is already varied by grid.cfg/)
    expect(bad({ axes: [{ param: 'sampler', values: ['nope'] }] }).field).toBe('grid.axes[0].values[0]')
    expect(bad({ axes: [{ param: 'cfg', values: [1, 2], extra: 1 }] }).field).toBe('grid.axes[0].extra')
    // MAX_GRID_CELLS still applies to the product.
    const big = bad({ seeds: Array.from({ length: 10 }, (_, i) => String(i)), axes: [{ param: 'cfg', values: Array.from({ length: 30 }, (_, i) => i) }] })
    expect(big.message).toMatch(/makes 300 cells; the limit is 256/)
  })

  it('refuses a swept value that does not suit a cell, naming the axis', () => {
    const generate = (grid: unknown, params: Record<string, unknown> = {}): unknown => VALIDATORS['studio:generate']({ params: { sampler: 'euler', ...params }, grid })
    expect(() => generate({ axes: [{ param: 'samplerOptions.eta', values: [0, 1] }] })).toThrow(/grid.axes\[0\]: Eta: sampler euler does not take eta; sweep it with one that does \(euler_ancestral/)
    // With a sampler axis every sampler must take it.
    expect(() => generate({ axes: [{ param: 'sampler', values: ['euler_ancestral', 'dpmpp_2m'] }, { param: 'samplerOptions.eta', values: [0, 1] }] })).toThrow(/grid.axes\[1\]: Eta: sampler dpmpp_2m/)
    expect(generate({ axes: [{ param: 'sampler', values: ['euler_ancestral', 'dpm_2_ancestral'] }, { param: 'samplerOptions.eta', values: [0, 1] }] })).toBeTruthy()
    expect(() => generate({ axes: [{ param: 'scheduleParams.rho', values: [3, 7] }] }, { schedule: 'normal' })).toThrow(/schedule normal has no rho; sweep it with karras or polyexponential/)
    expect(() => generate({ axes: [{ param: 'img2img.strength', values: [0.3, 0.6] }] })).toThrow(/needs an img2img job/)
  })

  it('keeps the export cell limit equal to the grid limit', () => {
    expect(MAX_EXPORT_CELLS).toBe(MAX_GRID_CELLS)
  })
})

describe('export request', () => {
  const ok = { title: 'a fox', x: { label: 'CFG', values: ['1', '4', '7'] }, y: { label: 'Steps', values: ['2'] }, cells: ['r1', null, { missing: 'cancelled' }] }
  it('accepts result ids and nulls row by row', () => {
    expect(validateSweepExportRequest(ok)).toEqual(ok)
    expect(VALIDATORS['studio:sweep:export'](ok)).toEqual(ok)
  })
  it('refuses bad shapes with a field', () => {
    const field = (raw: unknown): string => {
      try {
        VALIDATORS['studio:sweep:export'](raw)
      } catch (e) {
        return (e as RequestError).field
      }
      throw new Error('accepted')
    }
    expect(field({ ...ok, cells: ['r1'] })).toBe('cells')
    expect(field({ ...ok, cells: ['../etc/passwd', null, null] })).toBe('cells[0]')
    expect(field({ ...ok, cells: ['r1', { missing: 'exploded' }, null] })).toBe('cells[1]')
    expect(field({ ...ok, cells: [null, null, { missing: 'failed' }] })).toBe('cells')
    expect(field({ ...ok, title: 'x'.repeat(501) })).toBe('title')
    expect(field({ ...ok, x: { label: 'CFG', values: [1, 4] } })).toBe('x.values[0]')
    expect(field({ ...ok, y: { label: 'Steps', values: Array.from({ length: 200 }, String) }, cells: [] })).toBe('y.values')
    expect(field({ ...ok, path: '/tmp/x.png' })).toBe('path')
  })
})

void DEFAULT_PARAMS

describe('uni_pc order as a sweep axis', () => {
  it('expands order 1..3 on uni_pc into valid cells, and refuses it on a sampler without an order', () => {
    const uni = validateGenerationParams({ prompt: 'x', sampler: 'uni_pc' })
    const cells = expandGrid(uni, { axes: [{ param: 'samplerOptions.order', values: [1, 2, 3] }] })
    expect(cells.map((c) => c.samplerOptions.order)).toEqual([1, 2, 3])
    for (const c of cells) expect(validateGenerationParams(c).samplerOptions.order).toBe(c.samplerOptions.order)
    expect(() => checkSweepCells(expandGrid(validateGenerationParams({ prompt: 'x', sampler: 'euler' }), { axes: [{ param: 'samplerOptions.order', values: [2] }] }), [{ param: 'samplerOptions.order', values: [2] }])).toThrow(/does not take order/)
  })
})
