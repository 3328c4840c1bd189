/**
 * Runs `clip-tokenize/1` and `prompt-attention/1` cases through the app's tokenizer and prompt parser.
 *
 * clip-tokenize: actual = {"ids": start + prompt + end (untruncated), "padded_sd1": 77 ids padded with the
 * end token, "padded_sd2": 77 ids padded with "!" (id 0)}; each field the case carries must be equal.
 * prompt-attention: actual = [[text, weight], …]; texts must be equal and weights within 1e-9.
 */
import { join } from 'node:path'
import { ClipTokenizer } from '../models/prompt/clip-tokenizer'
import { parsePromptAttention, type WeightedText } from '../models/prompt/prompt-attention'
import { CaseFormatError, numArray, str } from './check'
import { referenceDir } from './reference-files'
import type { CaseResult, RawCase } from './types'

const WEIGHT_TOLERANCE = 1e-9
const PADDED_LENGTH = 77

let vocabDirOverride: string | undefined
let cached: { dir: string; tokenizer: ClipTokenizer } | undefined

/** Points the tokenizer cases at another folder holding vocab.json + merges.txt (the CLI uses this). */
export function setTokenizerVocabDir(dir: string): void {
  vocabDirOverride = dir
}

function tokenizer(): ClipTokenizer {
  const dir = vocabDirOverride ?? join(referenceDir(), 'clip-tokenizer')
  if (!cached || cached.dir !== dir) cached = { dir, tokenizer: ClipTokenizer.fromFolder(dir) }
  return cached.tokenizer
}

/** Where two id lists first differ, or undefined when equal. */
function idMismatch(actual: readonly number[], expected: readonly number[]): string | undefined {
  const n = Math.max(actual.length, expected.length)
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      const len = actual.length !== expected.length ? ` (length ${actual.length}, expected ${expected.length})` : ''
      return `first difference at [${i}]: got ${actual[i]}, expected ${expected[i]}${len}`
    }
  }
  return undefined
}

export async function runClipTokenizeCase(c: RawCase, id: string): Promise<CaseResult> {
  const text = str(c, 'text')
  const tok = tokenizer()
  // SD2.x pads with "!", which is id 0 in CLIP's vocabulary.
  const sd2Pad = tok.tokenId('!') ?? 0
  const actual = {
    ids: tok.tokenize(text),
    padded_sd1: tok.padded(text, PADDED_LENGTH, tok.eosId),
    padded_sd2: tok.padded(text, PADDED_LENGTH, sd2Pad)
  }
  const problems: string[] = []
  let compared = false
  for (const field of ['ids', 'padded_sd1', 'padded_sd2'] as const) {
    if (c[field] === undefined) continue
    compared = true
    const miss = idMismatch(actual[field], numArray(c[field], field))
    if (miss) problems.push(`${field}: ${miss}`)
  }
  if (!compared) return { id, actual }
  return problems.length ? { id, actual, passed: false, message: problems.join('; ') } : { id, actual, passed: true }
}

function readExpectedRuns(v: unknown): WeightedText[] {
  if (!Array.isArray(v)) throw new CaseFormatError('field "expected" must be an array of [text, weight] pairs')
  return v.map((e, i) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'number') {
      throw new CaseFormatError(`field "expected"[${i}] must be a [text, weight] pair`)
    }
    return [e[0], e[1]] as WeightedText
  })
}

export async function runPromptAttentionCase(c: RawCase, id: string): Promise<CaseResult> {
  const actual = parsePromptAttention(str(c, 'text'))
  if (c.expected === undefined) return { id, actual }
  const expected = readExpectedRuns(c.expected)
  if (actual.length !== expected.length) {
    return { id, actual, passed: false, message: `${actual.length} runs, expected ${expected.length}: got ${JSON.stringify(actual)}` }
  }
  for (let i = 0; i < expected.length; i++) {
    const [text, weight] = actual[i]
    const [eText, eWeight] = expected[i]
    if (text !== eText) return { id, actual, passed: false, message: `run ${i}: text ${JSON.stringify(text)}, expected ${JSON.stringify(eText)}` }
    if (!(Math.abs(weight - eWeight) <= WEIGHT_TOLERANCE)) {
      return { id, actual, passed: false, message: `run ${i} (${JSON.stringify(text)}): weight ${weight}, expected ${eWeight}` }
    }
  }
  return { id, actual, passed: true }
}
