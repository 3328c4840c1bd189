import { describe, expect, it } from 'vitest'
import { MersenneTwister, seedLow32, TorchGenerator, torchNoiseSource } from './rng'
import { EngineInputError } from './types'

const close4 = (values: ArrayLike<number>): string[] => Array.from(values, (v) => v.toFixed(4))

describe('MersenneTwister', () => {
  it('matches the reference MT19937 outputs for the default seed 5489', () => {
    // The C++ standard pins these: the first output and the 10000th output of std::mt19937.
    const mt = new MersenneTwister(5489)
    expect(mt.nextU32()).toBe(3499211612)
    let last = 0
    for (let i = 1; i < 10000; i++) last = mt.nextU32()
    expect(last).toBe(4123659995)
  })

  it('rejects a seed outside 32 bits', () => {
    expect(() => new MersenneTwister(2 ** 32)).toThrow(EngineInputError)
    expect(() => new MersenneTwister(-1)).toThrow(/seed32/)
  })
})

describe('TorchGenerator', () => {
  it('reproduces torch.manual_seed(0); torch.randn(10) (scalar path, pairs split across positions)', () => {
    expect(close4(new TorchGenerator(0).randn(10))).toEqual(
      ['1.5410', '-0.2934', '-2.1788', '0.5684', '-1.0845', '-1.3986', '0.4033', '0.8380', '-0.7193', '-0.4033']
    )
  })

  it('reproduces torch.manual_seed(0); torch.randn(4, 4) (vectorised 16-block path)', () => {
    expect(close4(new TorchGenerator(0).randn(16).subarray(0, 4))).toEqual(['-1.1258', '-1.1524', '-0.2506', '-0.4339'])
  })

  it('uses only the low 32 bits of the seed (5, 2^32+5, 2^40+5 give one stream)', () => {
    const a = new TorchGenerator(5).randn(40)
    expect(new TorchGenerator(2 ** 32 + 5).randn(40)).toEqual(a)
    expect(new TorchGenerator(2n ** 40n + 5n).randn(40)).toEqual(a)
    expect(new TorchGenerator(6).randn(40)).not.toEqual(a)
    expect(seedLow32(2n ** 64n - 1n)).toBe(0xffffffff)
  })

  it('keeps the second Box–Muller value across calls (3 + 3 small draws equal one draw of 6)', () => {
    const g = new TorchGenerator(1234)
    const split = [...g.randn(3), ...g.randn(3)]
    expect(split).toEqual(Array.from(new TorchGenerator(1234).randn(6)))
  })

  it('continues the stream across large calls and leaves the small-path cache untouched by them', () => {
    const g = new TorchGenerator(99)
    const first = g.randn(1) // leaves one cached value
    g.randn(32)
    const afterLarge = g.randn(1)
    // The cached value is the sine half of the first pair: same as the second value of a fresh randn(2).
    const fresh = new TorchGenerator(99).randn(2)
    expect(first[0]).toBe(fresh[0])
    expect(afterLarge[0]).toBe(fresh[1])
    // A second large call differs from the first (the stream moved on).
    const h = new TorchGenerator(99)
    expect(h.randn(32)).not.toEqual(h.randn(32))
  })

  it('redraws the last 16 positions for a ragged tail, leaving the full blocks as a 16-multiple draw would', () => {
    const full = new TorchGenerator(7).randn(32)
    const ragged = new TorchGenerator(7).randn(33)
    // Positions 0..15 are one full block, untouched by the tail redraw over positions 17..32.
    expect(Array.from(ragged.subarray(0, 16))).toEqual(Array.from(full.subarray(0, 16)))
    expect(ragged[16]).toBe(full[16])
    expect(ragged[17]).not.toBe(full[17])
  })

  it('gives standard-normal statistics for a large draw', () => {
    const v = new TorchGenerator(42).randn(200000)
    let s = 0
    let s2 = 0
    for (const x of v) {
      s += x
      s2 += x * x
    }
    const mean = s / v.length
    expect(Math.abs(mean)).toBeLessThan(0.01)
    expect(Math.abs(s2 / v.length - mean * mean - 1)).toBeLessThan(0.02)
  })

  it('rejects bad seeds and counts with messages naming the parameter', () => {
    expect(() => new TorchGenerator(-1)).toThrow(/seed/)
    expect(() => new TorchGenerator(1.5)).toThrow(/seed/)
    expect(() => new TorchGenerator(2n ** 64n)).toThrow(/seed/)
    expect(() => new TorchGenerator(1).randn(-1)).toThrow(/element count/)
    expect(() => new TorchGenerator(1).randn(2.5)).toThrow(EngineInputError)
    expect(new TorchGenerator(1).randn(0).length).toBe(0)
  })
})

describe('torchNoiseSource', () => {
  it('returns float64 copies of successive randn draws of the given length', () => {
    const src = torchNoiseSource(new TorchGenerator(3), 20)
    const ref = new TorchGenerator(3)
    const a = src.next(1, 0.5)
    expect(a).toBeInstanceOf(Float64Array)
    expect(Array.from(a)).toEqual(Array.from(ref.randn(20)))
    expect(Array.from(src.next(0.5, 0))).toEqual(Array.from(ref.randn(20)))
  })

  it('rejects a non-positive length', () => {
    expect(() => torchNoiseSource(new TorchGenerator(3), 0)).toThrow(/length/)
  })
})
