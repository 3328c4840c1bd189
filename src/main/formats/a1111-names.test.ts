import { describe, expect, it } from 'vitest'
import { validateGenerationParams } from '../../shared/params'
import { formatInfotext, infotextToParams, parseInfotext } from './infotext'

const line = (pairs: string): string => `a prompt\nNegative prompt: bad\n${pairs}`

describe('A1111 1.10 sampler and schedule rules', () => {
  it.each([
    ['DPM++ 2M', 'karras'],
    ['DPM++ SDE', 'karras'],
    ['DPM2', 'karras'],
    ['DPM++ 2M SDE', 'exponential'],
    ['DPM++ 3M SDE', 'exponential'],
    ['Euler a', 'normal'],
  ])('"Schedule type: Automatic" and a missing schedule type mean %s\'s own default (%s)', (sampler, schedule) => {
    expect(infotextToParams(line(`Steps: 20, Sampler: ${sampler}, Schedule type: Automatic, CFG scale: 7`)).params.schedule).toBe(schedule)
    expect(infotextToParams(line(`Steps: 20, Sampler: ${sampler}, CFG scale: 7`)).params.schedule).toBe(schedule)
  })

  it('reads "UniPC variant: bh2" as UniPC BH2 and plain UniPC as bh1 (A1111\'s default)', () => {
    expect(infotextToParams(line('Steps: 20, Sampler: UniPC, UniPC variant: bh2, CFG scale: 7')).params.sampler).toBe('uni_pc_bh2')
    expect(infotextToParams(line('Steps: 20, Sampler: UniPC, CFG scale: 7')).params.sampler).toBe('uni_pc')
  })

  it('writes UniPC BH2 as A1111 spells it, and samplers and schedules A1111 lacks under our own keys, never a label A1111 would not find', () => {
    const pairs = (o: object): Record<string, string> => parseInfotext(formatInfotext(validateGenerationParams(o))).values
    expect(pairs({ sampler: 'uni_pc_bh2', schedule: 'karras' })).toMatchObject({ Sampler: 'UniPC', 'UniPC variant': 'bh2', 'Schedule type': 'Karras' })
    const odd = pairs({ sampler: 'ipndm', schedule: 'linear_quadratic' })
    expect(odd.Sampler).toBeUndefined()
    expect(odd['Schedule type']).toBeUndefined()
    expect(odd).toMatchObject({ 'Sigma sampler': 'ipndm', 'Sigma schedule': 'linear_quadratic' })
    // …and they read back exactly.
    const back = infotextToParams(formatInfotext(validateGenerationParams({ sampler: 'ipndm', schedule: 'linear_quadratic', steps: 9 }))).params
    expect(back).toMatchObject({ sampler: 'ipndm', schedule: 'linear_quadratic', steps: 9 })
  })

  it('follows A1111 on Beta and Align Your Steps labels and says their maths differ', () => {
    const r = infotextToParams(line('Steps: 20, Sampler: Euler, Schedule type: Beta, CFG scale: 7'))
    expect(r.params.schedule).toBe('beta')
    expect(r.warnings.join()).toMatch(/A1111's Beta/)
    expect(infotextToParams(line('Steps: 20, Sampler: Euler, Schedule type: Align Your Steps, CFG scale: 7'), { family: 'sdxl' }).params.schedule).toBe('ays_sdxl')
  })

  it('warns about Clip skip, and about ENSD only where it changes the picture', () => {
    const a = infotextToParams(line('Steps: 20, Sampler: Euler a, CFG scale: 7, Clip skip: 2, ENSD: 31337, RNG: CPU')).warnings.join('\n')
    expect(a).toMatch(/Clip skip 2/)
    expect(a).toMatch(/ENSD 31337.*draws noise/)
    const e = infotextToParams(line('Steps: 20, Sampler: Euler, CFG scale: 7, ENSD: 31337, RNG: CPU')).warnings.join('\n')
    expect(e).toMatch(/does not change this sampler's picture/)
  })
})
