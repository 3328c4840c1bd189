/**
 * CLIP's text cleanup, done before byte-level BPE.
 *
 * The reference tokenizer (OpenAI's CLIP `simple_tokenizer`, which open_clip and the SD2 conditioner
 * use as is, and which HF's slow CLIPTokenizer follows closely) cleans a prompt in this order:
 *
 *   1. `ftfy.fix_text` — repair of mis-decoded and odd Unicode (see `ftfyFixText` for what we reproduce);
 *   2. HTML unescape, twice (so "&amp;amp;" ends as "&");
 *   3. strip, collapse every whitespace run to one space, strip again;
 *   4. lower-case.
 *
 * Python's notion of whitespace (str.isspace / `\s` of its regex engines) differs from JavaScript's `\s`:
 * it includes U+001C–U+001F and U+0085 and excludes U+FEFF. We write the class out so that, e.g., a
 * byte-order mark stays a (symbol) character exactly as it does in the reference.
 */
import { HTML5_NAMED_REFERENCES, LEGACY_NO_SEMICOLON } from './html-entities'

/** Python's `str.isspace()` characters, as the body of a regex character class. */
export const PY_SPACE_CLASS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'

const PY_SPACE_RUN = new RegExp(`[${PY_SPACE_CLASS}]+`, 'gu')
const PY_LEADING_SPACE = new RegExp(`^[${PY_SPACE_CLASS}]+`, 'u')
const PY_TRAILING_SPACE = new RegExp(`[${PY_SPACE_CLASS}]+$`, 'u')

/** Python's `str.strip()` (JavaScript's trim() would also remove U+FEFF and keep U+001C–U+001F). */
export function pyStrip(s: string): string {
  return s.replace(PY_LEADING_SPACE, '').replace(PY_TRAILING_SPACE, '')
}

// ---------------------------------------------------------------------------------------------------------
// HTML unescaping as the HTML5 parser does it for text (and as Python's html.unescape does).

/**
 * Numeric references whose code point the HTML5 standard replaces: NUL becomes U+FFFD, CR stays CR, and
 * 0x80–0x9F are read as Windows-1252 (where 1252 leaves a byte undefined it maps to itself).
 * The same table serves ftfy's "C1 controls" fix.
 */
const WINDOWS_1252_C1: readonly string[] = [
  '\u20ac', '\x81', '\u201a', '\u0192', '\u201e', '\u2026', '\u2020', '\u2021',
  '\u02c6', '\u2030', '\u0160', '\u2039', '\u0152', '\x8d', '\u017d', '\x8f',
  '\x90', '\u2018', '\u2019', '\u201c', '\u201d', '\u2022', '\u2013', '\u2014',
  '\u02dc', '\u2122', '\u0161', '\u203a', '\u0153', '\x9d', '\u017e', '\u0178'
]

/** Code points a numeric reference may not produce (dropped): C0/C1 controls except whitespace, noncharacters. */
function isDroppedCodePoint(cp: number): boolean {
  if ((cp >= 0x1 && cp <= 0x8) || cp === 0xb || (cp >= 0xe && cp <= 0x1f) || (cp >= 0x7f && cp <= 0x9f)) return true
  if (cp >= 0xfdd0 && cp <= 0xfdef) return true
  return (cp & 0xfffe) === 0xfffe // U+xFFFE and U+xFFFF of every plane
}

function numericReference(digits: string, radix: 10 | 16): string {
  // Very long digit strings overflow to a huge number or Infinity; both are "beyond U+10FFFF".
  const cp = radix === 16 ? parseInt(digits, 16) : parseInt(digits, 10)
  if (cp === 0) return '\ufffd'
  if (cp === 0x0d) return '\r'
  if (cp >= 0x80 && cp <= 0x9f) return WINDOWS_1252_C1[cp - 0x80]
  if ((cp >= 0xd800 && cp <= 0xdfff) || !(cp <= 0x10ffff)) return '\ufffd'
  if (isDroppedCodePoint(cp)) return ''
  return String.fromCodePoint(cp)
}

const LEGACY = new Set(LEGACY_NO_SEMICOLON)
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

/** The replacement for a named reference `name` (with or without its ";"), or undefined. */
function namedReference(name: string): string | undefined {
  if (name.endsWith(';')) {
    const bare = name.slice(0, -1)
    return hasOwn(HTML5_NAMED_REFERENCES, bare) ? HTML5_NAMED_REFERENCES[bare] : undefined
  }
  return LEGACY.has(name) ? HTML5_NAMED_REFERENCES[name] : undefined
}

// A reference: decimal, hexadecimal, or up to 32 name characters; the ";" is optional (the standard's
// error recovery), which is why "&amp" and "&ampx" are also decoded.
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu

/**
 * HTML5 text unescaping, with the standard's recovery rules: numeric references are mapped as above;
 * a named reference not found whole is matched by its longest legacy prefix ("&notit;" -> "¬it;");
 * anything else is left as written. Behaves as Python's `html.unescape`.
 */
export function htmlUnescape(s: string): string {
  if (!s.includes('&')) return s
  return s.replace(CHARREF, (whole, ref: string) => {
    if (ref[0] === '#') {
      const hex = ref[1] === 'x' || ref[1] === 'X'
      const digits = ref.slice(hex ? 2 : 1).replace(/;$/, '')
      return numericReference(digits, hex ? 16 : 10)
    }
    const full = namedReference(ref)
    if (full !== undefined) return full
    // Longest legacy name that is a proper prefix (at least two characters) of what was written.
    for (let x = ref.length - 1; x > 1; x--) {
      const prefix = ref.slice(0, x)
      if (LEGACY.has(prefix)) return HTML5_NAMED_REFERENCES[prefix] + ref.slice(x)
    }
    return whole
  })
}

// ---------------------------------------------------------------------------------------------------------
// ftfy.fix_text, the parts that matter for prompts.

/**
 * ftfy decodes only unambiguous references: names ending in ";" (plus all-caps spellings of lower-case
 * names, e.g. "&EACUTE;" -> "É", when that spelling is not itself a reference), and numeric references
 * that end in ";". Built lazily from the HTML5 table.
 */
let ftfyEntities: Map<string, string> | undefined
function ftfyEntityTable(): Map<string, string> {
  if (ftfyEntities) return ftfyEntities
  const m = new Map<string, string>()
  for (const [bare, value] of Object.entries(HTML5_NAMED_REFERENCES)) m.set(`&${bare};`, value)
  for (const [bare, value] of Object.entries(HTML5_NAMED_REFERENCES)) {
    if (bare !== bare.toLowerCase()) continue
    const upper = `&${bare.toUpperCase()};`
    // Only when the all-caps form means nothing to a standard unescaper (not even by a legacy prefix).
    if (!m.has(upper) && htmlUnescape(upper) === upper) m.set(upper, value.toUpperCase())
  }
  ftfyEntities = m
  return m
}

const FTFY_ENTITY = /&#?[0-9A-Za-z]{1,24};/g

function ftfyUnescapeHtml(text: string): string {
  if (!text.includes('&')) return text
  const table = ftfyEntityTable()
  return text.replace(FTFY_ENTITY, (ref) => {
    const named = table.get(ref)
    if (named !== undefined) return named
    if (ref.startsWith('&#')) {
      const decoded = htmlUnescape(ref)
      // Keep the reference when it was only partly consumed (the ";" survived).
      return decoded.includes(';') ? ref : decoded
    }
    return ref
  })
}

const C1_CONTROL = /[\x80-\x9f]/g
const LIGATURES: Readonly<Record<string, string>> = {
  '\u0132': 'IJ', '\u0133': 'ij', '\u0149': '\u02bcn',
  '\u01f1': 'DZ', '\u01f2': 'Dz', '\u01f3': 'dz', '\u01c4': 'D\u017d', '\u01c5': 'D\u017e', '\u01c6': 'd\u017e',
  '\u01c7': 'LJ', '\u01c8': 'Lj', '\u01c9': 'lj', '\u01ca': 'NJ', '\u01cb': 'Nj', '\u01cc': 'nj',
  '\ufb00': 'ff', '\ufb01': 'fi', '\ufb02': 'fl', '\ufb03': 'ffi', '\ufb04': 'ffl', '\ufb05': '\u017ft', '\ufb06': 'st'
}
const LIGATURE = /[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g

/** Fullwidth ASCII and halfwidth Katakana/Hangul -> their ordinary forms (their NFKC), and U+3000 -> space. */
let widthMap: Map<string, string> | undefined
function widthTable(): Map<string, string> {
  if (widthMap) return widthMap
  const m = new Map<string, string>([['\u3000', ' ']])
  for (let cp = 0xff01; cp < 0xfff0; cp++) {
    const ch = String.fromCharCode(cp)
    const alt = ch.normalize('NFKC')
    if (alt !== ch) m.set(ch, alt)
  }
  widthMap = m
  return m
}
const WIDTH_CHAR = /[\u3000\uff01-\uffef]/g

const SINGLE_QUOTES = /[\u02bc\u2018-\u201b]/g
const DOUBLE_QUOTES = /[\u201c-\u201f]/g
const LINE_BREAKS = /\r\n|[\r\u2028\u2029\x85]/g
// Unpaired UTF-16 surrogates (paired ones already form one code point in a JS string).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const ANSI_ESCAPE = /\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu
// Controls with no visible effect: C0 except tab/newline/form feed/CR, DEL, deprecated Arabic format
// controls, BOM, interlinear annotation marks and the object replacement character.
const CONTROL_CHARS = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g

/** One round of ftfy's fixes over one line, repeated until nothing changes (as ftfy does). */
function fixSegment(segment: string, unescapeHtml: boolean): string {
  let text = segment
  for (;;) {
    const before = text
    if (unescapeHtml) text = ftfyUnescapeHtml(text)
    // (ftfy's mojibake repair `fix_encoding` would run here; see ftfyFixText.)
    text = text.replace(C1_CONTROL, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80])
    text = text.replace(LIGATURE, (c) => LIGATURES[c])
    const widths = widthTable()
    text = text.replace(WIDTH_CHAR, (c) => widths.get(c) ?? c)
    text = text.replace(DOUBLE_QUOTES, '"').replace(SINGLE_QUOTES, "'")
    text = text.replace(LINE_BREAKS, '\n')
    text = text.replace(LONE_SURROGATE, '\ufffd')
    text = text.replace(ANSI_ESCAPE, '')
    text = text.replace(CONTROL_CHARS, '')
    text = text.normalize('NFC')
    if (text === before) return text
  }
}

/**
 * An approximation of `ftfy.fix_text` with its default settings, line by line as ftfy works:
 * HTML entities (only unambiguous ones, and not once a line containing "<" has been seen, since that looks
 * like real HTML), C1 controls read as Windows-1252, Latin ligatures split, full/half-width forms
 * normalised, curly quotes straightened, line breaks unified, lone surrogates replaced, terminal escapes and
 * invisible controls removed, NFC.
 *
 * Not reproduced: ftfy's mojibake detection (`fix_encoding`: re-decoding text such as "cafÃ©" that was
 * UTF-8 read as Latin-1/Windows-1252). It needs ftfy's statistical "badness" heuristic and large tables;
 * text that is not mojibake passes through it unchanged, which is the case for prompts typed or pasted
 * from a correctly decoded source.
 */
export function ftfyFixText(text: string): string {
  let unescapeHtml = true
  let out = ''
  let pos = 0
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos)
    const end = nl < 0 ? text.length : nl + 1
    const segment = text.slice(pos, end)
    // Once a line looks like HTML, ftfy keeps entities as written for the rest of the text.
    if (unescapeHtml && segment.includes('<')) unescapeHtml = false
    out += fixSegment(segment, unescapeHtml)
    pos = end
  }
  return out
}

/**
 * The whole cleanup CLIP applies to a prompt before splitting it into words:
 * ftfy, HTML unescape twice, whitespace collapsed and trimmed, lower-case.
 */
export function clipCleanText(text: string): string {
  let t = ftfyFixText(text)
  t = htmlUnescape(htmlUnescape(t))
  t = pyStrip(t)
  t = pyStrip(t.replace(PY_SPACE_RUN, ' '))
  return t.toLowerCase()
}
