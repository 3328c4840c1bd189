import { describe, expect, it } from 'vitest'
import { validateGenerationParams } from '../../shared/params'
import { formatInfotext, infotextToParams, parseInfotext } from './infotext'

const line = (pairs: string): string => `a prompt\nNegative prompt: bad\n${pairs}`
const parse = (text: string): Record<string, string> => parseInfotext(text).values

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

  it("reads A1111's Beta and Align Your Steps as A1111's maths, and writes them back under A1111's labels", () => {
    const r = infotextToParams(line('Steps: 20, Sampler: Euler, Schedule type: Beta, CFG scale: 7, Beta schedule alpha: 0.5, Beta schedule beta: 0.7, RNG: CPU'))
    expect(r.params).toMatchObject({ schedule: 'beta_a1111', scheduleParams: { alpha: 0.5, beta: 0.7 } })
    expect(r.warnings).toEqual([])
    expect(parse(formatInfotext(validateGenerationParams({ ...r.params, prompt: 'x' })))).toMatchObject({ 'Schedule type': 'Beta', 'Beta schedule alpha': '0.5', 'Beta schedule beta': '0.7' })
    // ComfyUI's beta is not A1111's: written under our own key, not A1111's label.
    const comfyBeta = parse(formatInfotext(validateGenerationParams({ prompt: 'x', schedule: 'beta' })))
    expect(comfyBeta['Schedule type']).toBeUndefined()
    expect(comfyBeta['Sigma schedule']).toBe('beta')
    // Align Your Steps takes the table A1111 takes for the model; without the model, the SD one and a warning.
    const ays = (family?: 'sd1' | 'sdxl') => infotextToParams(line('Steps: 20, Sampler: Euler, Schedule type: Align Your Steps, CFG scale: 7, RNG: CPU'), { family })
    expect(ays('sdxl').params.schedule).toBe('ays_a1111_sdxl')
    expect(ays('sd1').params.schedule).toBe('ays_a1111_sd1')
    expect(ays('sdxl').warnings).toEqual([])
    expect(ays().params.schedule).toBe('ays_a1111_sd1')
    expect(ays().warnings).toEqual([expect.stringMatching(/SDXL table for SDXL models; the model is not known/)])
    expect(parse(formatInfotext(validateGenerationParams({ prompt: 'x', schedule: 'ays_a1111_sdxl' })))['Schedule type']).toBe('Align Your Steps')
  })

  it('warns about Clip skip, and about ENSD only where it changes the picture', () => {
    const a = infotextToParams(line('Steps: 20, Sampler: Euler a, CFG scale: 7, Clip skip: 2, ENSD: 31337, RNG: CPU')).warnings.join('\n')
    expect(a).toMatch(/Clip skip 2/)
    expect(a).toMatch(/ENSD 31337.*draws noise/)
    const e = infotextToParams(line('Steps: 20, Sampler: Euler, CFG scale: 7, ENSD: 31337, RNG: CPU')).warnings.join('\n')
    expect(e).toMatch(/does not change this sampler's picture/)
  })
})
