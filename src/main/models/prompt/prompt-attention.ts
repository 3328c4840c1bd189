/**
 * AUTOMATIC1111's prompt attention ("emphasis") syntax, parsed into runs of text with a weight.
 *
 *   (text)        weight × 1.1            ((text)) × 1.21, and so on
 *   [text]        weight ÷ 1.1
 *   (text:1.3)    weight × 1.3            the number may be signed and written ".5", "2", "1."
 *   \( \) \[ \] \\  the literal character; a lone "\" disappears
 *   BREAK         (a whole word, in capitals) its own entry ["BREAK", -1]: the chunker starts a new chunk
 *
 * Users meet A1111's exact behaviour, so we keep its rules, including the odd ones:
 * - Brackets are counted, not matched: ")" closes the innermost open "(" and "]" the innermost "[",
 *   independently. A closer with nothing open is plain text. Brackets still open at the end apply their
 *   multiplier to everything after them.
 * - ":1.3)" is a weight only when a "(" is open; "[x:0.5]" has no weight syntax (the text is "x:0.5").
 * - Weights multiply the entries already collected, BREAK entries included (so "(BREAK:1.3)" yields
 *   ["BREAK", -1.3], which the chunker then no longer treats as a break — as in A1111).
 * - Afterwards adjacent entries with exactly equal weights are joined.
 * - An empty prompt gives [["", 1]].
 *
 * One deliberate difference: where A1111 crashes on a weight that is not a number to Python (e.g.
 * "(x:1.2.3)" or "(x:.)"), we read ":1.2.3)" as plain text, as if no "(" were open.
 */
import { PY_SPACE_CLASS } from './clip-text-clean'

/** A run of prompt text and its weight; ["BREAK", -1] marks a chunk break. */
export type WeightedText = [text: string, weight: number]

export const ROUND_MULTIPLIER = 1.1
export const SQUARE_MULTIPLIER = 1 / 1.1

// Python's regex semantics written for JavaScript: its \s is Python's whitespace set, its \d any Unicode
// decimal digit, its \w letters, numbers and "_" (so "\b" is written as look-arounds on that class).
const WS = `[${PY_SPACE_CLASS}]`
const WORD = '[\\p{L}\\p{N}_]'

/**
 * The tokens of the syntax, tried in this order at each position: the five escapes, a lone backslash,
 * "(" and "[", a weight closer ":<number>)", ")" and "]", a run of ordinary text, a lone ":".
 * Together they match every character, so the scan never skips anything.
 */
const ATTENTION_TOKEN = new RegExp(
  [
    '\\\\\\(',
    '\\\\\\)',
    '\\\\\\[',
    '\\\\\\]',
    '\\\\\\\\',
    '\\\\',
    '\\(',
    '\\[',
    `:${WS}*([+-]?[.\\p{Nd}]+)${WS}*\\)`,
    '\\)',
    '\\]',
    '[^\\\\()\\[\\]:]+',
    ':'
  ].join('|'),
  'gu'
)

/** "BREAK" as a whole word, with the whitespace around it. */
const BREAK_SPLIT = new RegExp(`${WS}*(?<!${WORD})BREAK(?!${WORD})${WS}*`, 'u')

const DECIMAL_DIGIT = /\p{Nd}/u

/** The value 0–9 of a Unicode decimal digit: such digits come in consecutive runs of ten starting at 0. */
function digitValue(ch: string): number {
  let cp = ch.codePointAt(0)!
  let start = cp
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--
  cp -= start
  return cp % 10
}

/**
 * Python's float() of a string made of an optional sign, dots and decimal digits (any script, as Python
 * accepts). Undefined when Python would refuse it (no digit, or more than one dot).
 */
export function parseWeightNumber(s: string): number | undefined {
  let ascii = ''
  for (const ch of s) {
    if (ch === '+' || ch === '-' || ch === '.') ascii += ch
    else if (ch >= '0' && ch <= '9') ascii += ch
    else if (DECIMAL_DIGIT.test(ch)) ascii += String(digitValue(ch))
    else return undefined
  }
  if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/.test(ascii)) return undefined
  return Number(ascii)
}

/** Parses A1111 attention syntax into [text, weight] runs (see the module comment for the rules). */
export function parsePromptAttention(text: string): WeightedText[] {
  const res: WeightedText[] = []
  const round: number[] = []
  const square: number[] = []

  // Brackets remember where their content starts; closing one scales everything collected since.
  const multiplyFrom = (start: number, m: number): void => {
    for (let p = start; p < res.length; p++) res[p][1] *= m
  }

  for (const match of text.matchAll(ATTENTION_TOKEN)) {
    const tok = match[0]
    const weightText = match[1]
    const weight = weightText !== undefined ? parseWeightNumber(weightText) : undefined
    if (tok.startsWith('\\')) {
      res.push([tok.slice(1), 1])
    } else if (tok === '(') {
      round.push(res.length)
    } else if (tok === '[') {
      square.push(res.length)
    } else if (weight !== undefined && round.length > 0) {
      multiplyFrom(round.pop()!, weight)
    } else if (tok === ')' && round.length > 0) {
      multiplyFrom(round.pop()!, ROUND_MULTIPLIER)
    } else if (tok === ']' && square.length > 0) {
      multiplyFrom(square.pop()!, SQUARE_MULTIPLIER)
    } else {
      tok.split(BREAK_SPLIT).forEach((part, i) => {
        if (i > 0) res.push(['BREAK', -1])
        res.push([part, 1])
      })
    }
  }

  // Unclosed brackets: round ones first, then square ones, each from where it opened.
  for (const pos of round) multiplyFrom(pos, ROUND_MULTIPLIER)
  for (const pos of square) multiplyFrom(pos, SQUARE_MULTIPLIER)

  if (res.length === 0) return [['', 1]]

  // Join neighbours of exactly equal weight.
  const merged: WeightedText[] = [res[0]]
  for (let i = 1; i < res.length; i++) {
    const last = merged[merged.length - 1]
    if (last[1] === res[i][1]) last[0] += res[i][0]
    else merged.push(res[i])
  }
  return merged
}

/** Whether an entry is a chunk break (exactly ["BREAK", -1], as A1111 tests it). */
export function isBreak([text, weight]: WeightedText): boolean {
  return text === 'BREAK' && weight === -1
}
