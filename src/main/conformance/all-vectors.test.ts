/**
 * Every vector file in reference/conformance/ and the tokenizer goldens must pass, through the same
 * runner the CLI uses. A failing case is listed by id with its message.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runVectorFile } from './index'
import { readReferenceJson, referenceDir } from './reference-files'

const files = [
  ...readdirSync(join(referenceDir(), 'conformance'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `conformance/${f}`),
  'clip-tokenizer/goldens.json',
  'clip-tokenizer/attention_goldens.json'
]

describe('reference conformance vectors', () => {
  it('finds the vector files', () => {
    expect(files.length).toBeGreaterThanOrEqual(3)
  })
  for (const f of files) {
    it(`passes every case of ${f}`, async () => {
      const report = await runVectorFile(readReferenceJson(f))
      const failures = report.results.filter((r) => r.passed !== true).map((r) => `${r.id}: ${r.message ?? 'no expected values'}`)
      expect(failures).toEqual([])
      expect(report.passed).toBe(report.results.length)
    }, 300_000)
  }
})
