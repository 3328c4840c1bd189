import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readReferenceJson, referenceDir } from '../../conformance/reference-files'
import { clipCleanText, ftfyFixText, htmlUnescape, pyStrip } from './clip-text-clean'
import { CLIP_MERGE_COUNT, ClipTokenizer, parseMerges } from './clip-tokenizer'

const dir = join(referenceDir(), 'clip-tokenizer')
interface Golden {
  id: string
  text: string
  ids: number[]
  padded_sd1: number[]
  padded_sd2: number[]
}
const goldens = (readReferenceJson('clip-tokenizer/goldens.json') as { cases: Golden[] }).cases

describe('ClipTokenizer on the reference goldens', () => {
  const tok = ClipTokenizer.fromFolder(dir)

  it('reads the vocabulary and its special tokens', () => {
    expect(tok.vocab.size).toBe(49408)
    expect(tok.bosId).toBe(49406)
    expect(tok.eosId).toBe(49407)
    expect(tok.padId).toBe(49407) // no config in the folder: pads with the end token, as SD1.x
    expect(tok.commaId).toBe(267)
    expect(tok.tokenId('!')).toBe(0)
  })

  it('matches every golden (ids, and both paddings)', () => {
    const wrong: string[] = []
    for (const g of goldens) {
      if (JSON.stringify(tok.tokenize(g.text)) !== JSON.stringify(g.ids)) wrong.push(`${g.id} ids`)
      if (JSON.stringify(tok.padded(g.text)) !== JSON.stringify(g.padded_sd1)) wrong.push(`${g.id} sd1`)
      if (JSON.stringify(tok.padded(g.text, 77, 0)) !== JSON.stringify(g.padded_sd2)) wrong.push(`${g.id} sd2`)
    }
    expect(wrong).toEqual([])
  })

  it('encode() leaves out the start and end tokens', () => {
    expect(tok.encode('a photo of a cat')).toEqual([320, 1125, 539, 320, 2368])
    expect(tok.encode('')).toEqual([])
    expect(tok.tokenize('')).toEqual([49406, 49407])
  })

  it('truncates long prompts so the end token still closes them', () => {
    const text = Array.from({ length: 100 }, () => 'word').join(' ')
    const full = tok.tokenize(text)
    expect(full.length).toBe(102)
    const p = tok.padded(text)
    expect(p.length).toBe(77)
    expect(p.slice(0, 76)).toEqual(full.slice(0, 76))
    expect(p[76]).toBe(49407)
    // Exactly 75 prompt tokens fit without cutting.
    const fits = Array.from({ length: 75 }, () => 'word').join(' ')
    expect(tok.padded(fits)).toEqual(tok.tokenize(fits))
    expect(tok.padded('cat', 5, 0)).toEqual([49406, 2368, 49407, 0, 0])
    expect(() => tok.padded('cat', 1)).toThrow(RangeError)
  })

  it('keeps special tokens written in the prompt whole', () => {
    expect(tok.encode('a <|endoftext|> b')).toEqual([320, 49407, 321])
    expect(tok.encode('<|startoftext|>')).toEqual([49406])
  })

  it('splits numbers into single digits and keeps contractions apart', () => {
    expect(tok.encode('1234')).toEqual(tok.encode('1 2 3 4'))
    expect(tok.encode("it's")).toEqual([585, 568])
  })

  it('gives the same ids whether the cache is cold or warm, and decodes back', () => {
    const fresh = ClipTokenizer.fromFolder(dir)
    const text = 'a cute corgi, café 猫 🐱'
    const first = fresh.encode(text)
    expect(fresh.encode(text)).toEqual(first)
    expect(fresh.decode(first)).toBe('a cute corgi , café 猫 🐱')
  })
})

describe('ClipTokenizer loading', () => {
  let tmp: string
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'clip-tok-'))
  })
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it("rebuilds the same vocabulary from OpenAI's .gz merge list", () => {
    const a = ClipTokenizer.fromFolder(dir)
    const b = ClipTokenizer.fromOpenAiBpe(join(dir, 'bpe_simple_vocab_16e6.txt.gz'))
    expect(b.vocab.size).toBe(a.vocab.size)
    let diffs = 0
    for (const [k, v] of a.vocab) if (b.vocab.get(k) !== v) diffs++
    expect(diffs).toBe(0)
    for (const g of goldens.slice(0, 40)) expect(b.tokenize(g.text)).toEqual(g.ids)
  })

  it('reads the padding token from special_tokens_map.json (SD2.x pads with "!")', () => {
    const sd2 = join(tmp, 'sd2')
    mkdirSync(sd2)
    copyFileSync(join(dir, 'vocab.json'), join(sd2, 'vocab.json'))
    copyFileSync(join(dir, 'merges.txt'), join(sd2, 'merges.txt'))
    writeFileSync(
      join(sd2, 'tokenizer_config.json'),
      JSON.stringify({ model_max_length: 77, pad_token: '<|endoftext|>', bos_token: { content: '<|startoftext|>', lstrip: false } })
    )
    writeFileSync(join(sd2, 'special_tokens_map.json'), JSON.stringify({ pad_token: '!', eos_token: { content: '<|endoftext|>' } }))
    const t = ClipTokenizer.fromFolder(sd2)
    expect(t.padId).toBe(0)
    expect(t.maxLength).toBe(77)
    const g = goldens.find((x) => x.id === 'tok-2')!
    expect(t.padded(g.text)).toEqual(g.padded_sd2)
    // An explicit option wins over the folder's files.
    expect(ClipTokenizer.fromFolder(sd2, { padToken: 49407 }).padded(g.text)).toEqual(g.padded_sd1)
  })

  it('ignores the huge "unknown" model_max_length transformers writes', () => {
    const d = join(tmp, 'huge')
    mkdirSync(d)
    copyFileSync(join(dir, 'vocab.json'), join(d, 'vocab.json'))
    copyFileSync(join(dir, 'merges.txt'), join(d, 'merges.txt'))
    writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 1e30 }))
    expect(ClipTokenizer.fromFolder(d).maxLength).toBe(77)
  })

  it('fails clearly on a folder without a tokenizer', () => {
    expect(() => ClipTokenizer.fromFolder(tmp)).toThrow(/no CLIP tokenizer/)
  })

  it('reads at most CLIP_MERGE_COUNT merges and always skips the header line', () => {
    expect(parseMerges('#version: 0.2\na b\nc d\n')).toEqual([
      ['a', 'b'],
      ['c', 'd']
    ])
    expect(parseMerges('header\r\na b\r\n')).toEqual([['a', 'b']])
    const many = ['#version: 0.2', ...Array.from({ length: CLIP_MERGE_COUNT + 10 }, (_, i) => `x${i} y`)].join('\n')
    expect(parseMerges(many).length).toBe(CLIP_MERGE_COUNT)
    expect(() => parseMerges('#v\na b c\n')).toThrow(/not a pair/)
  })
})

describe('CLIP text cleanup', () => {
  it('unescapes HTML as the HTML5 standard (and Python html.unescape) does', () => {
    // Expected values produced by Python's html.unescape.
    const cases: [string, string][] = [
      ['&notit;', '\u00acit;'],
      ['&amp', '&'],
      ['&ampx', '&x'],
      ['&#65;&#x42;&#X43', 'ABC'],
      ['&#0;', '\ufffd'],
      ['&#128;', '\u20ac'],
      ['&#x110000;', '\ufffd'],
      ['&#1;', ''],
      ['&#xD800;', '\ufffd'],
      ['&unknown;', '&unknown;'],
      ['&nbsp;x', '\u00a0x'],
      ['&eacute &Eacute;', '\u00e9 \u00c9'],
      ['&#999999999999999999999;', '\ufffd'],
      ['&copy2024', '\u00a92024'],
      ['&LT;&gt', '<>'],
      ['&#13;', '\r'],
      ['&#xFDD0;', ''],
      ['&;', '&;'],
      ['& amp;', '& amp;']
    ]
    for (const [input, out] of cases) expect([input, htmlUnescape(input)]).toEqual([input, out])
  })

  it('approximates ftfy: quotes, widths, ligatures, controls, NFC, entities', () => {
    expect(ftfyFixText('\u201chere\u2019s a test\u201d')).toBe('"here\'s a test"')
    expect(ftfyFixText('\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33')).toBe('LOUD NOISES')
    expect(ftfyFixText('\ufb02u\ufb03e\ufb06')).toBe('fluffiest')
    expect(ftfyFixText('cafe\u0301')).toBe('caf\u00e9')
    expect(ftfyFixText('\ufeffa\x00b\x1b[36mc\x1b[0m')).toBe('abc')
    expect(ftfyFixText('a\r\nb\u2028c')).toBe('a\nb\nc')
    expect(ftfyFixText('\x93quoted\x94')).toBe('"quoted"')
    expect(ftfyFixText('wait\x85')).toBe('wait\u2026') // C1 NEXT LINE read as Windows-1252 "…"
    expect(ftfyFixText('a\ud800b\udc00\ud83d\ude00')).toBe('a\ufffdb\ufffd\u{1f600}')
    // Only unambiguous entities; all-caps spellings of lower-case names too.
    expect(ftfyFixText('P&EACUTE;REZ &ntilde; &NTILDE; &nTILDE; this&not that')).toBe('P\u00c9REZ \u00f1 \u00d1 &nTILDE; this&not that')
    expect(ftfyFixText('BUNDESSTRA&SZLIG;E')).toBe('BUNDESSTRASSE')
    // A "<" makes ftfy keep entities from that line on.
    expect(ftfyFixText('&amp;\n<b>&amp;\n&amp;')).toBe('&\n<b>&amp;\n&amp;')
  })

  it('collapses and strips whitespace by Python rules, then lower-cases', () => {
    expect(clipCleanText('  A\u00a0\u00a0Cat\tAND\u3000a\u2003Dog  ')).toBe('a cat and a dog')
    expect(clipCleanText('&amp;amp; X')).toBe('& x')
    expect(pyStrip('\x1c\x85 a \u2029')).toBe('a')
    expect(pyStrip('\ufeffa\ufeff')).toBe('\ufeffa\ufeff')
  })

  it('treats a byte-order mark that survives cleanup as a symbol, not as a space', () => {
    const tok = ClipTokenizer.fromFolder(dir)
    // ftfy decodes the reference and then drops the BOM as an invisible control:
    expect(tok.encode('a&#xFEFF;b')).toEqual(tok.encode('ab'))
    // With a "<" in the line ftfy leaves the entity, the later html unescape makes it a BOM, which stays.
    const ids = tok.encode('<b> a&#xFEFF;b')
    expect(ids.slice(0, 4)).toEqual(tok.encode('<b> a'))
    expect(ids[ids.length - 1]).toBe(321)
    expect(ids.length).toBeGreaterThan(5)
  })

  it('tokenises cleaned-up variants like their plain form', () => {
    const tok = ClipTokenizer.fromFolder(dir)
    expect(tok.encode('don\u2019t')).toEqual(tok.encode("don't"))
    expect(tok.encode('\uff23\uff21\uff34')).toEqual(tok.encode('cat'))
    expect(tok.encode('\ufb01sh')).toEqual(tok.encode('fish'))
    expect(tok.encode('fish &amp;amp; chips')).toEqual(tok.encode('fish & chips'))
  })
})
