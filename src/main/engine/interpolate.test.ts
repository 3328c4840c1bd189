import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cropPlanes, interpolatePlanes, type InterpolationMode } from './interpolate'

interface Case {
  mode: InterpolationMode
  antialias: boolean
  channels: number
  in: [number, number]
  out: [number, number]
  input: number[]
  expected: number[]
}

// torch 1.13's own interpolate on float64 tensors (tools/fixtures/make_interpolate_goldens.py).
const golden = JSON.parse(readFileSync(join(__dirname, '../../../tools/fixtures/golden/interpolate.json'), 'utf8')) as { cases: Case[] }

describe('interpolatePlanes against torch.nn.functional.interpolate', () => {
  it('has cases for every mode A1111 offers', () => {
    const kinds = new Set(golden.cases.map((c) => `${c.mode}${c.antialias ? '+aa' : ''}`))
    expect([...kinds].sort()).toEqual(['bicubic', 'bicubic+aa', 'bilinear', 'bilinear+aa', 'nearest', 'nearest-exact'])
  })

  for (const c of golden.cases) {
    it(`${c.mode}${c.antialias ? ' antialiased' : ''} ${c.in.join('x')} -> ${c.out.join('x')}`, () => {
      const y = interpolatePlanes(Float64Array.from(c.input), c.channels, c.in[0], c.in[1], c.out[0], c.out[1], { mode: c.mode, antialias: c.antialias })
      expect(y.length).toBe(c.expected.length)
      let worst = 0
      for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - c.expected[i]))
      expect(worst).toBeLessThan(1e-12)
    })
  }

  it('refuses antialias with nearest and sizes that do not match', () => {
    expect(() => interpolatePlanes(new Float64Array(4), 1, 2, 2, 4, 4, { mode: 'nearest', antialias: true })).toThrow(/antialias/)
    expect(() => interpolatePlanes(new Float64Array(5), 1, 2, 2, 4, 4, { mode: 'bilinear', antialias: false })).toThrow(/5 values/)
  })
})

describe('cropPlanes', () => {
  it('cuts the same window from every plane', () => {
    const x = Float64Array.from({ length: 2 * 3 * 4 }, (_, i) => i)
    expect([...cropPlanes(x, 2, 3, 4, 1, 1, 2, 2)]).toEqual([5, 6, 9, 10, 17, 18, 21, 22])
    expect(() => cropPlanes(x, 2, 3, 4, 2, 0, 2, 2)).toThrow(/outside/)
  })
})
