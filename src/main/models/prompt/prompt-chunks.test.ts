import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { referenceDir } from '../../conformance/reference-files'
import { ClipTokenizer } from './clip-tokenizer'
import { applyEmphasis, countPromptTokens, promptToChunks, type ChunkTokenizer } from './prompt-chunks'

const BOS = 49406
const EOS = 49407
const COMMA = 267
const W = 100 // "w"
const X = 101 // "x"

/** A tokenizer whose ids are easy to count by hand: "w" and "x" are one token each, "," is the comma. */
const fake: ChunkTokenizer = {
  bosId: BOS,
  eosId: EOS,
  padId: EOS,
  commaId: COMMA,
  encode(text: string): number[] {
    return (text.match(/,|[^\s,]+/g) ?? []).map((t) => (t === ',' ? COMMA : t === 'w' ? W : t === 'x' ? X : 1000 + t.length))
  }
}
const words = (n: number, w = 'w'): string => Array.from({ length: n }, () => w).join(' ')
const padTo77 = (ids: number[], fill = EOS): number[] => [BOS, ...ids, ...Array(76 - ids.length).fill(fill)].concat(EOS).slice(0, 77)

describe('promptToChunks', () => {
  it('gives one all-padding chunk for an empty prompt', () => {
    const chunks = promptToChunks('', fake)
    expect(chunks.length).toBe(1)
    expect(chunks[0].ids).toEqual([BOS, ...Array(76).fill(EOS)])
    expect(chunks[0].weights).toEqual(Array(77).fill(1))
    expect(chunks[0].tokenCount).toBe(0)
  })

  it('wraps a short prompt like the padded tokenizer output, with weights per token', () => {
    const [c] = promptToChunks('w (x) [w] (x:1.5)', fake)
    expect(c.ids).toEqual(padTo77([W, X, W, X]))
    expect(c.weights.slice(0, 6)).toEqual([1, 1, 1.1, 1 / 1.1, 1.5, 1])
    expect(c.weights.length).toBe(77)
    expect(c.tokenCount).toBe(4)
  })

  it('starts a new chunk after 75 tokens', () => {
    const chunks = promptToChunks(words(80), fake)
    expect(chunks.map((c) => c.tokenCount)).toEqual([75, 5])
    expect(chunks[0].ids).toEqual([BOS, ...Array(75).fill(W), EOS])
    expect(chunks[1].ids).toEqual(padTo77(Array(5).fill(W)))
    // Exactly 75 tokens still fit in one chunk.
    expect(promptToChunks(words(75), fake).length).toBe(1)
  })

  it('moves the words after a nearby comma to the next chunk', () => {
    // 70 words, a comma (token 71), 10 more words: the 76th token finds the chunk full with the comma
    // 5 tokens back, so the chunk ends after the comma and the 4 words after it move on.
    const chunks = promptToChunks(`${words(70)}, ${words(10, 'x')}`, fake)
    expect(chunks.map((c) => c.tokenCount)).toEqual([71, 10])
    expect(chunks[0].ids).toEqual(padTo77([...Array(70).fill(W), COMMA]))
    expect(chunks[1].ids).toEqual(padTo77(Array(10).fill(X)))
  })

  it('carries the weights of moved tokens with them', () => {
    const chunks = promptToChunks(`${words(70)}, (${words(10, 'x')}:1.4)`, fake)
    expect(chunks[1].weights.slice(1, 11)).toEqual(Array(10).fill(1.4))
    expect(chunks[1].weights[11]).toBe(1)
  })

  it('does not backtrack to a comma more than 20 tokens back, or when backtracking is off', () => {
    // Comma at index 50: the chunk is full 25 tokens after it.
    const far = promptToChunks(`${words(50)}, ${words(30, 'x')}`, fake)
    expect(far.map((c) => c.tokenCount)).toEqual([75, 6])
    // Exactly 20 back still moves.
    const edge = promptToChunks(`${words(55)}, ${words(25, 'x')}`, fake)
    expect(edge.map((c) => c.tokenCount)).toEqual([56, 25])
    const off = promptToChunks(`${words(70)}, ${words(10, 'x')}`, fake, { commaBacktrack: 0 })
    expect(off.map((c) => c.tokenCount)).toEqual([75, 6])
  })

  it('puts a comma that arrives at a full chunk at the start of the next, without backtracking', () => {
    const chunks = promptToChunks(`${words(75)}, ${words(3, 'x')}`, fake)
    expect(chunks.map((c) => c.tokenCount)).toEqual([75, 4])
    expect(chunks[1].ids.slice(0, 5)).toEqual([BOS, COMMA, X, X, X])
  })

  it('closes the chunk at BREAK, even an empty one', () => {
    expect(promptToChunks('w BREAK x', fake).map((c) => c.ids.slice(0, 3))).toEqual([
      [BOS, W, EOS],
      [BOS, X, EOS]
    ])
    // Leading BREAK: an empty chunk first. Trailing BREAK: no extra chunk.
    expect(promptToChunks('BREAK x', fake).map((c) => c.tokenCount)).toEqual([0, 1])
    expect(promptToChunks('x BREAK', fake).map((c) => c.tokenCount)).toEqual([1])
    // A weighted BREAK is a word, as in A1111.
    const [c] = promptToChunks('(BREAK:1.3)', fake)
    expect(c.tokenCount).toBe(1)
    expect(c.weights[1]).toBeCloseTo(-1.3, 12)
  })

  it('takes the prompt literally when emphasis is off', () => {
    const [c] = promptToChunks('(x) BREAK w', fake, { emphasis: false })
    expect(c.tokenCount).toBe(3)
    expect(c.weights.slice(0, 5)).toEqual([1, 1, 1, 1, 1])
  })

  it('pads after the first end token with the padding id of SD2-style models', () => {
    const [c] = promptToChunks('w x', fake, { padId: 0 })
    expect(c.ids).toEqual([BOS, W, X, EOS, ...Array(73).fill(0)])
    const [full] = promptToChunks(words(75), fake, { padId: 0 })
    expect(full.ids[76]).toBe(EOS)
    expect(promptToChunks('w', { ...fake, padId: 0 })[0].ids.slice(0, 4)).toEqual([BOS, W, EOS, 0])
  })
})

describe('countPromptTokens', () => {
  it('counts like the A1111 prompt box', () => {
    expect(countPromptTokens('', fake)).toEqual({ perChunk: [0], used: 0, limit: 75 })
    expect(countPromptTokens(words(23), fake)).toEqual({ perChunk: [23], used: 23, limit: 75 })
    expect(countPromptTokens(words(80), fake)).toEqual({ perChunk: [75, 5], used: 80, limit: 150 })
    expect(countPromptTokens('w BREAK x', fake)).toEqual({ perChunk: [1, 1], used: 76, limit: 150 })
    // A chunk closed by BREAK counts as full, even the last one.
    expect(countPromptTokens('x BREAK', fake)).toEqual({ perChunk: [1], used: 75, limit: 75 })
    expect(countPromptTokens(words(75), fake)).toEqual({ perChunk: [75], used: 75, limit: 75 })
  })
})

describe('with the real CLIP tokenizer', () => {
  const tok = ClipTokenizer.fromFolder(join(referenceDir(), 'clip-tokenizer'))

  it('gives the padded tokenizer output for a prompt without syntax', () => {
    const text = 'a cute corgi wearing a wizard hat, digital art'
    const [c] = promptToChunks(text, tok)
    expect(c.ids).toEqual(tok.padded(text))
    expect(c.tokenCount).toBe(tok.encode(text).length)
  })

  it('tokenises each weighted run on its own and backtracks on real commas', () => {
    const [c] = promptToChunks('(masterpiece:1.2), best quality', tok)
    expect(c.ids.slice(0, 6)).toEqual([BOS, 12066, 267, 949, 3027, EOS])
    expect(c.weights.slice(0, 6)).toEqual([1, 1.2, 1, 1, 1, 1])
    const long = Array.from({ length: 30 }, () => 'red apple').join(', ') // 30×2 words + 29 commas = 89 tokens
    const chunks = promptToChunks(long, tok)
    expect(chunks.length).toBe(2)
    const first = chunks[0].ids.slice(1, 1 + chunks[0].tokenCount)
    expect(first[first.length - 1]).toBe(267)
    expect(chunks[0].tokenCount + chunks[1].tokenCount).toBe(89)
    expect(chunks[0].tokenCount).toBe(75) // 25 × "red apple," fills exactly 75
    // Two more tokens in front: the chunk would be cut between "red" and "apple", so it ends after the
    // 24th comma instead and "red" moves on.
    const shifted = promptToChunks(`a a ${long}`, tok)
    expect(shifted.map((c) => c.tokenCount)).toEqual([74, 17])
    expect(shifted[0].ids[74]).toBe(267)
    expect(shifted[1].ids.slice(0, 3)).toEqual([BOS, 736, 3055])
    // One token in front: the comma itself arrives at the full chunk, so nothing moves.
    expect(promptToChunks(`a ${long}`, tok).map((c) => c.tokenCount)).toEqual([75, 15])
  })
})

describe('applyEmphasis', () => {
  it('scales tokens by their weight and restores the mean over the chunk', () => {
    const hidden = Float32Array.from([1, 2, 3, 4])
    const out = applyEmphasis(hidden, [1, 2], 2, 2)
    // weighted: [1, 2, 6, 8], mean 4.25; original mean 2.5
    const f = 2.5 / 4.25
    expect(Array.from(out)).toEqual([1 * f, 2 * f, 6 * f, 8 * f].map(Math.fround))
    const mean = out.reduce((a, b) => a + b, 0) / out.length
    expect(mean).toBeCloseTo(2.5, 6)
    expect(hidden[2]).toBe(3) // input untouched
  })

  it('leaves a chunk of weight 1 unchanged and checks shapes', () => {
    const h = Float32Array.from({ length: 77 * 3 }, (_, i) => Math.sin(i))
    expect(applyEmphasis(h, Array(77).fill(1), 77, 3)).toEqual(h)
    expect(applyEmphasis(h, Array(77).fill(1)).length).toBe(231) // width inferred
    expect(() => applyEmphasis(h, Array(76).fill(1), 77, 3)).toThrow(RangeError)
    expect(() => applyEmphasis(h, Array(77).fill(1), 77, 4)).toThrow(RangeError)
  })

  it('skips the rescaling when the weighted mean is zero', () => {
    const out = applyEmphasis(Float32Array.from([1, -1, 2, 2]), [1, 0], 2, 2)
    expect(Array.from(out)).toEqual([1, -1, 0, 0])
  })
})
