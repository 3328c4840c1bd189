/**
 * The tokenizer goldens through the conformance runner, plus checks that the comparison really fails
 * when an output is wrong.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runVectorFile } from './index'
import { readReferenceJson, referenceDir } from './reference-files'
import { setTokenizerVocabDir } from './tokenizer-case'

type Doc = { format: string; cases: Record<string, unknown>[] }
const tokenDoc = readReferenceJson('clip-tokenizer/goldens.json') as Doc
const attentionDoc = readReferenceJson('clip-tokenizer/attention_goldens.json') as Doc
const clone = (d: Doc): Doc => JSON.parse(JSON.stringify(d)) as Doc

describe('clip-tokenize/1', () => {
  afterAll(() => setTokenizerVocabDir(join(referenceDir(), 'clip-tokenizer')))

  it('passes every case of goldens.json', async () => {
    const report = await runVectorFile(tokenDoc)
    expect(report.results.filter((r) => r.passed !== true).map((r) => `${r.id}: ${r.message}`)).toEqual([])
    expect(report.failed).toBe(0)
    expect(report.passed).toBe(tokenDoc.cases.length)
  })

  it('reports ids, padded_sd1 and padded_sd2 as actual', async () => {
    const { results } = await runVectorFile({ format: 'clip-tokenize/1', cases: [{ id: 'x', text: 'a photo of a cat' }] })
    const r = results[0]
    expect(r.passed).toBeUndefined() // no expected fields: computed, not judged
    const a = r.actual as { ids: number[]; padded_sd1: number[]; padded_sd2: number[] }
    expect(a.ids).toEqual([49406, 320, 1125, 539, 320, 2368, 49407])
    expect(a.padded_sd1.length).toBe(77)
    expect(a.padded_sd1[76]).toBe(49407)
    expect(a.padded_sd2.slice(6, 9)).toEqual([49407, 0, 0])
  })

  it('fails a case whose ids differ, naming the field and position', async () => {
    const doc = clone(tokenDoc)
    const c = doc.cases[2] as { ids: number[]; padded_sd2: number[] }
    c.ids[3] += 1
    const report = await runVectorFile({ format: doc.format, cases: [c] })
    expect(report.failed).toBe(1)
    expect(report.results[0].message).toMatch(/^ids: first difference at \[3\]/)
    // Only the fields present are compared.
    const partial = { id: 'p', text: 'a photo of a cat', padded_sd2: [...(doc.cases[2] as { padded_sd2: number[] }).padded_sd2] }
    expect((await runVectorFile({ format: doc.format, cases: [partial] })).passed).toBe(1)
    partial.padded_sd2[10] = 49407
    expect((await runVectorFile({ format: doc.format, cases: [partial] })).results[0].message).toMatch(/^padded_sd2: /)
  })

  it('fails malformed cases instead of skipping them', async () => {
    const report = await runVectorFile({ format: 'clip-tokenize/1', cases: [{ id: 'n' }, { id: 'm', text: 'x', ids: 'nope' }] })
    expect(report.failed).toBe(2)
    expect(report.results[0].message).toMatch(/text/)
    expect(report.results[1].message).toMatch(/ids/)
  })

  it('reads the vocabulary from the folder it is pointed at', async () => {
    setTokenizerVocabDir(join(referenceDir(), 'no-such-folder'))
    const bad = await runVectorFile({ format: 'clip-tokenize/1', cases: [{ id: 'v', text: 'cat' }] })
    expect(bad.failed).toBe(1)
    expect(bad.results[0].message).toMatch(/no CLIP tokenizer/)
    setTokenizerVocabDir(join(referenceDir(), 'clip-tokenizer'))
    const good = await runVectorFile({ format: 'clip-tokenize/1', cases: [tokenDoc.cases[2]] })
    expect(good.passed).toBe(1)
  })
})

describe('prompt-attention/1', () => {
  it('passes every case of attention_goldens.json', async () => {
    const report = await runVectorFile(attentionDoc)
    expect(report.results.filter((r) => r.passed !== true).map((r) => `${r.id}: ${r.message}`)).toEqual([])
    expect(report.failed).toBe(0)
    expect(report.passed).toBe(attentionDoc.cases.length)
  })

  it('compares weights within 1e-9 and texts exactly', async () => {
    const run = async (expected: unknown) =>
      (await runVectorFile({ format: 'prompt-attention/1', cases: [{ id: 'w', text: 'an (important) word', expected }] })).results[0]
    expect((await run([['an ', 1], ['important', 1.1 + 1e-10], [' word', 1]])).passed).toBe(true)
    const off = await run([['an ', 1], ['important', 1.1 + 1e-8], [' word', 1]])
    expect(off.passed).toBe(false)
    expect(off.message).toMatch(/run 1/)
    expect((await run([['an ', 1], ['Important', 1.1], [' word', 1]])).passed).toBe(false)
    expect((await run([['an ', 1], ['important', 1.1]])).passed).toBe(false)
    expect((await run('nope')).passed).toBe(false)
  })

  it('reports the runs as actual even without expected values', async () => {
    const { results } = await runVectorFile({ format: 'prompt-attention/1', cases: [{ id: 'a', text: 'a BREAK (b)' }] })
    expect(results[0].passed).toBeUndefined()
    expect(results[0].actual).toEqual([
      ['a', 1],
      ['BREAK', -1],
      ['', 1], // the empty text between "BREAK " and "(", kept: its weight differs from b's
      ['b', 1.1]
    ])
  })
})
