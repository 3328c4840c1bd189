/**
 * The infotext reader on hostile text: it finds exactly the pairs A1111's own pattern finds (checked
 * against the pattern on thousands of random lines over the characters that matter), and reads a
 * line of a mebibyte without colons — on which the pattern backtracks quadratically (the old reader
 * took 4 s at 50k characters and would take about half an hour at 1 MiB) — within the test's time limit.
 * `npm run -s bench -- hostile` prints the figures.
 */
import { describe, expect, it } from 'vitest'
import { parseInfotext, scanInfotextPairs } from './infotext'

/** A1111's pattern (modules/infotext_utils.py), with Python's Unicode \w as letters, digits and "_". */
const A1111_PAIR = /\s*([\p{L}\p{N}_][\p{L}\p{N}_ \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/gu

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('infotext pairs on hostile text', () => {
  it('finds the same pairs as A1111’s pattern on random lines', () => {
    const alphabet = ['A', 'b', '7', '_', ' ', ' ', ':', ':', ',', ',', '"', '"', '\\', '-', '/', '\t', 'é', '𝒳', '.']
    const next = rng(20261204)
    for (let n = 0; n < 5000; n++) {
      const len = Math.floor(next() * 40)
      let line = ''
      for (let i = 0; i < len; i++) line += alphabet[Math.floor(next() * alphabet.length)]
      const want = [...line.matchAll(A1111_PAIR)].map((m) => [m[1], m[2]])
      expect(scanInfotextPairs(line), JSON.stringify(line)).toEqual(want)
    }
  })

  it('reads real parameter lines the same way', () => {
    const line = 'Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x768, Lora hashes: "a: 1, b: 2", Version: v1.9.3'
    expect(scanInfotextPairs(line)).toEqual([...line.matchAll(A1111_PAIR)].map((m) => [m[1], m[2]]))
  })

  it('reads a mebibyte without colons, a run of spaces and unclosed quotes in linear time', () => {
    const mib = 1 << 20
    for (const text of ['A'.repeat(mib), `A${' '.repeat(mib)}B`, `K: "${'x'.repeat(mib)}`, 'Ke: "a,'.repeat(mib / 7)]) {
      const r = parseInfotext(text)
      expect(r.prompt.length + r.pairs.length).toBeGreaterThan(0)
    }
  })
})
