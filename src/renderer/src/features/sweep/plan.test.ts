import { describe, expect, it } from 'vitest'
import { expandGrid } from '../../../../shared/sweep-grid'
import { initialSweepState, type SweepDraft } from '../../store/sweep'
import { planSweep } from './plan'

const draft = (over: Partial<SweepDraft> = {}): SweepDraft => ({ ...initialSweepState.draft, ...over })

describe('planSweep', () => {
  it('makes one grid job with Y outer and X inner, so cell = row * columns + column', () => {
    const plan = planSweep(draft({ x: { param: 'cfg', text: '1, 4, 7' }, y: { param: 'steps', text: '2-6 (+2)' } }))
    if (!plan.ok) throw new Error(plan.error)
    expect(plan.cells).toBe(9)
    expect(plan.request.grid).toEqual({ axes: [{ param: 'steps', values: [2, 4, 6] }, { param: 'cfg', values: [1, 4, 7] }] })
    const cells = expandGrid(plan.request.params, plan.request.grid)
    expect(cells[1]).toMatchObject({ steps: 2, cfg: 4 })
    expect(cells[3]).toMatchObject({ steps: 4, cfg: 1 })
    expect(plan.x).toEqual({ param: 'cfg', label: 'CFG scale', values: [1, 4, 7], labels: ['1', '4', '7'] })
    expect(plan.y.labels).toEqual(['2', '4', '6'])
  })

  it('runs a single row when Y is none, with display names as labels', () => {
    const plan = planSweep(draft({ x: { param: 'sampler', text: 'euler, DPM++ 2M' }, y: { param: '', text: '' } }))
    if (!plan.ok) throw new Error(plan.error)
    expect(plan.cells).toBe(2)
    expect(plan.request.grid).toEqual({ axes: [{ param: 'sampler', values: ['euler', 'dpmpp_2m'] }] })
    expect(plan.x.labels).toEqual(['Euler', 'DPM++ 2M'])
    expect(plan.y).toMatchObject({ param: '', labels: [''] })
  })

  it('says which axis is wrong and why, before anything is queued', () => {
    expect(planSweep(draft({ x: { param: 'cfg', text: '1, x' } }))).toMatchObject({ ok: false, error: 'X axis: "x" is not a number or a range (a list: 3, 5, 7.5; a range with step 1: 1-5; a range with a step: 3-9 (+2) or 9-3 (-2); a range with a count: 1-5 [3] or 3:9:3 (start:stop:count))' })
    expect(planSweep(draft({ y: { param: 'cfg', text: '1' } }))).toMatchObject({ ok: false, error: expect.stringMatching(/^Y axis: CFG scale is already the X axis/) })
    // Eta on the Y axis with the base sampler euler: the contract's own check, named for the form.
    expect(planSweep(draft({ y: { param: 'samplerOptions.eta', text: '0, 1' } }))).toMatchObject({ ok: false, error: expect.stringMatching(/^Y axis: Eta: sampler euler does not take eta/) })
    expect(planSweep(draft({ x: { param: 'samplerOptions.eta', text: '0, 1' }, y: { param: '', text: '' } }))).toMatchObject({ ok: false, error: expect.stringMatching(/^X axis: Eta/) })
    expect(planSweep(draft({ seed: 'abc' }))).toMatchObject({ ok: false, error: expect.stringMatching(/^seed: /) })
    expect(planSweep(draft({ x: { param: 'seed', text: '1-64' }, y: { param: 'cfg', text: '1-5' } }))).toMatchObject({ ok: false, cells: 320, error: expect.stringMatching(/limit is 256/) })
  })

  it('checks every cell against the chosen model: its size step and the memory available', () => {
    const emoji = { sizeStep: 16, available: 4e9, memory: { vaeFactor: 4, sizeStep: 16, latentChannels: 4, unet: { channels: [64, 96, 128], heads: [4, 4, 4], attentionLevels: [1, 2] }, vae: { channels: [96, 64, 32], attention: false }, weightsBytes: 27e6 } }
    expect(planSweep(draft({ x: { param: 'width', text: '64, 72' }, y: { param: '', text: '' } }), emoji)).toMatchObject({ ok: false, error: 'Size axis: width 72 is not a multiple of 16; use 64 or 80.' })
    expect(planSweep(draft({ x: { param: 'width', text: '64, 1024' }, y: { param: 'height', text: '1024' } }), emoji)).toMatchObject({ ok: false, error: expect.stringMatching(/needs about \d+ GB .* but only 4\.0 GB of memory is available/) })
    const ok = planSweep(draft({ x: { param: 'cfg', text: '1, 4, 7' } }), emoji)
    expect(ok).toMatchObject({ ok: true, memory: expect.stringMatching(/^Needs about \d+ MB of memory \(4\.0 GB available\)\.$/) })
  })
})
