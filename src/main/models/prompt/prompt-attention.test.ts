import { describe, expect, it } from 'vitest'
import { readReferenceJson } from '../../conformance/reference-files'
import { isBreak, parsePromptAttention, parseWeightNumber, ROUND_MULTIPLIER as R, SQUARE_MULTIPLIER as S, type WeightedText } from './prompt-attention'

const p = parsePromptAttention

describe('parsePromptAttention', () => {
  it("reproduces A1111's documented examples exactly", () => {
    expect(p('normal text')).toEqual([['normal text', 1]])
    expect(p('an (important) word')).toEqual([
      ['an ', 1],
      ['important', 1.1],
      [' word', 1]
    ])
    expect(p('(unbalanced')).toEqual([['unbalanced', 1.1]])
    expect(p('\\(literal\\]')).toEqual([['(literal]', 1]])
    expect(p('(unnecessary)(parens)')).toEqual([['unnecessaryparens', 1.1]])
    expect(p('a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).')).toEqual([
      ['a ', 1],
      ['house', 1.5730000000000004],
      [' ', 1.1],
      ['on', 1],
      [' a ', 1.1],
      ['hill', 0.55],
      [', sun, ', 1.1],
      ['sky', 1.4641000000000006],
      ['.', 1.1]
    ])
  })

  it('matches every case of attention_goldens.json bit for bit', () => {
    const doc = readReferenceJson('clip-tokenizer/attention_goldens.json') as { cases: { id: string; text: string; expected: WeightedText[] }[] }
    const wrong = doc.cases.filter((c) => JSON.stringify(p(c.text)) !== JSON.stringify(c.expected.map(([t, w]) => [t, w])))
    expect(wrong.map((c) => c.id)).toEqual([])
  })

  it('multiplies in the order brackets close, as A1111 does', () => {
    const [[, a], [, b]] = p('((a)[b])')
    expect(a).toBe(1 * R * R)
    expect(b).toBe(1 * S * R)
    // Unclosed: round brackets first, then square ones.
    expect(p('[(a')).toEqual([['a', 1 * R * S]])
    expect(p('[[unclosed')).toEqual([['unclosed', 1 * S * S]])
  })

  it('allows whitespace around an explicit weight and signed or dotted numbers', () => {
    expect(p('(a: 1.5 )')).toEqual([['a', 1.5]])
    expect(p('(a:\u00a01.5\t)')).toEqual([['a', 1.5]])
    expect(p('(a:-0.5)')).toEqual([['a', -0.5]])
    expect(p('(a:+2)')).toEqual([['a', 2]])
    expect(p('(a:.25)')).toEqual([['a', 0.25]])
    expect(p('(a:3.)')).toEqual([['a', 3]])
  })

  it('reads decimal digits of any script, as Python float() does', () => {
    expect(p('(a:\uff11.\uff15)')).toEqual([['a', 1.5]]) // fullwidth 1.5
    expect(p('(a:\u06f2.\u06f5)')).toEqual([['a', 2.5]]) // extended Arabic-Indic 2.5
    expect(p('(a:\u0967)')).toEqual([['a', 1]]) // Devanagari 1
    expect(parseWeightNumber('\u{1d7d9}')).toBe(1) // mathematical double-struck 1 (a run of 50 digits)
  })

  it('reads a weight Python could not parse as text (A1111 would fail there)', () => {
    expect(p('(a:1.2.3)')).toEqual([['a:1.2.3)', 1.1]])
    expect(p('(a:.)')).toEqual([['a:.)', 1.1]])
    expect(parseWeightNumber('1.2.3')).toBeUndefined()
    expect(parseWeightNumber('+-1')).toBeUndefined()
  })

  it('treats ":x)" without an open "(" and "[x:0.5]" as plain text', () => {
    expect(p('a:0.5)')).toEqual([['a:0.5)', 1]])
    expect(p('[x:0.5]')).toEqual([['x:0.5', S]])
  })

  it('handles escapes and lone backslashes', () => {
    expect(p('(\\()')).toEqual([['(', 1.1]])
    expect(p('\\\\')).toEqual([['\\', 1]])
    expect(p('a\\b')).toEqual([['ab', 1]])
    expect(p('\\')).toEqual([['', 1]])
  })

  it('splits BREAK only as a whole word, with Unicode word rules', () => {
    expect(p('a BREAK b')).toEqual([
      ['a', 1],
      ['BREAK', -1],
      ['b', 1]
    ])
    expect(p('a\u3000BREAK\u00a0b')).toEqual([
      ['a', 1],
      ['BREAK', -1],
      ['b', 1]
    ])
    expect(p('x.BREAK.y')).toEqual([
      ['x.', 1],
      ['BREAK', -1],
      ['.y', 1]
    ])
    expect(p('\u00e9BREAK')).toEqual([['\u00e9BREAK', 1]])
    expect(p('BREAK_x')).toEqual([['BREAK_x', 1]])
    expect(p('a break b')).toEqual([['a break b', 1]])
    expect(p('\ufeffBREAK')).toEqual([
      ['\ufeff', 1],
      ['BREAK', -1],
      ['', 1]
    ])
  })

  it('lets weights reach BREAK entries and merges equal neighbours, BREAK included', () => {
    expect(p('(BREAK:1.3)')).toEqual([
      ['', 1.3],
      ['BREAK', -1.3],
      ['', 1.3]
    ])
    // 0 and -0 are equal weights, so everything joins.
    expect(p('(BREAK:0)')).toEqual([['BREAK', 0]])
  })

  it('gives one empty run for a prompt without text', () => {
    expect(p('')).toEqual([['', 1]])
    expect(p('()')).toEqual([['', 1]])
    expect(p('[]')).toEqual([['', 1]])
  })

  it('recognises only exact ["BREAK", -1] as a break', () => {
    expect(isBreak(['BREAK', -1])).toBe(true)
    expect(isBreak(['BREAK', -1.1])).toBe(false)
    expect(isBreak(['break', -1])).toBe(false)
  })
})
