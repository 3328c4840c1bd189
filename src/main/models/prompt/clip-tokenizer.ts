/**
 * The CLIP byte-level BPE tokenizer (the text tokenizer of SD1.x, SD2.x and both SDXL encoders).
 *
 * Pipeline, as the reference tokenizer does it:
 *   text --clipCleanText--> cleaned lower-case text
 *        --pre-tokeniser--> words (letter runs, single digits, punctuation runs, English contractions)
 *        --UTF-8 bytes, each byte shown as one printable character--> byte strings
 *        --BPE merges by rank, the last symbol of a word marked "</w>"--> vocabulary symbols --> ids
 *
 * The vocabulary comes from a diffusers/transformers `tokenizer/` folder (vocab.json + merges.txt, and the
 * optional tokenizer_config.json / special_tokens_map.json that name the special tokens), or from OpenAI's
 * original `bpe_simple_vocab_16e6.txt.gz`, from which the same vocabulary is rebuilt.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { PY_SPACE_CLASS, clipCleanText } from './clip-text-clean'

export const START_OF_TEXT = '<|startoftext|>'
export const END_OF_TEXT = '<|endoftext|>'

/**
 * How many merges CLIP uses. Its BPE vocabulary has 49152 entries before the two special tokens: 256 byte
 * symbols, the 256 same symbols ending a word, and the merges. Both reference tokenizers read only this
 * many merges from the file, whatever it holds (the original .gz file holds far more).
 */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2

/** CLIP's context length: 75 prompt tokens between the start and end tokens. */
export const CLIP_CONTEXT_LENGTH = 77

/**
 * Pre-tokeniser. The reference pattern (Python `regex` syntax, case-insensitive) is, in order:
 * the two special tokens; the contractions 's 't 're 've 'm 'll 'd; a run of letters; ONE number
 * character (so "1234" becomes four words); a run of anything that is neither whitespace, letter nor
 * number. Unmatched characters (whitespace) are skipped.
 *
 * Differences we handle deliberately: "whitespace" is Python's set (PY_SPACE_CLASS), not JavaScript's \s,
 * which also treats U+FEFF as a space. We do not set the `i` flag: the text is already lower-case, and in
 * JavaScript `i` would also make \p{L} match the combining mark U+0345 (it case-folds to a letter). The
 * only non-lower-case spelling the reference still accepts after lower-casing is the long s "ſ" for "s",
 * which we write out.
 */
const PRE_TOKENIZE = new RegExp(
  [
    '<\\|[sſ]tartoftext\\|>',
    '<\\|endoftext\\|>',
    "'[sſ]",
    "'t",
    "'re",
    "'ve",
    "'m",
    "'ll",
    "'d",
    '\\p{L}+',
    '\\p{N}',
    `[^${PY_SPACE_CLASS}\\p{L}\\p{N}]+`
  ].join('|'),
  'gu'
)

/**
 * Byte -> character table. BPE works on strings, so each UTF-8 byte is shown as one character: the
 * printable Latin-1 bytes as themselves, every other byte (controls, space, 0x7F–0xA0, 0xAD) as the next
 * unused code point from U+0100 upward. This keeps whitespace and controls out of the symbols, and the
 * order of this table is also the order of the first 256 vocabulary entries.
 */
function byteSymbols(): { byteToChar: string[]; order: number[] } {
  const printable: number[] = []
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b)
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b)
  for (let b = 0xae; b <= 0xff; b++) printable.push(b)
  const byteToChar = new Array<string>(256)
  const isPrintable = new Set(printable)
  for (const b of printable) byteToChar[b] = String.fromCharCode(b)
  const order = [...printable]
  let next = 0
  for (let b = 0; b < 256; b++) {
    if (!isPrintable.has(b)) {
      byteToChar[b] = String.fromCharCode(256 + next++)
      order.push(b)
    }
  }
  return { byteToChar, order }
}

const BYTE_SYMBOLS = byteSymbols()

export interface ClipTokenizerOptions {
  /** Start token text (default "<|startoftext|>"). */
  bosToken?: string
  /** End token text (default "<|endoftext|>"). */
  eosToken?: string
  /** Padding token, as text or id. SD1.x pads with the end token (the default), SD2.x with "!" (id 0). */
  padToken?: string | number
  /** Length `padded()` produces by default (default 77). */
  maxLength?: number
  /** Most words whose ids are remembered (default 20 000; the cache is emptied when it is full). */
  cacheSize?: number
}

/** A special token as tokenizer_config.json / special_tokens_map.json write it: text or {content}. */
function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content
  }
  return undefined
}

/**
 * JSON.parse with an error that names the file and never quotes its content: the parser's own message
 * carries a snippet of the text, which must not reach a caller (it could be any file's first bytes).
 */
export function parseJsonFile(path: string): unknown {
  const text = readFileSync(path, 'utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message)?.[1]
    const where = at !== undefined ? ` at character ${at} of ${text.length}` : text.trim() === '' ? ' (it is empty)' : ''
    throw new Error(`${path} is not valid JSON${where}; it is probably truncated or damaged: copy it again from the original model`)
  }
}

function readJsonIfPresent(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined
  const v = parseJsonFile(path)
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

/**
 * Parses a merge list: a header line, then one "left right" pair per line, best first. The first line is
 * always skipped, whatever it says, as both reference tokenizers do (merges.txt starts "#version: 0.2";
 * OpenAI's .gz file starts with its file name glued to that text).
 */
export function parseMerges(text: string, limit = CLIP_MERGE_COUNT): [string, string][] {
  const lines = text.split('\n')
  const merges: [string, string][] = []
  for (let i = 1; i < lines.length && merges.length < limit; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    const parts = line.split(/\s+/)
    if (parts.length !== 2) throw new Error(`line ${i + 1} is not a pair of symbols; the file is damaged`)
    merges.push([parts[0], parts[1]])
  }
  return merges
}

export class ClipTokenizer {
  readonly vocab: ReadonlyMap<string, number>
  readonly bosId: number
  readonly eosId: number
  readonly padId: number
  readonly maxLength: number
  /** Id of a lone comma ending a word (",</w>"), used by the chunker; undefined if the vocabulary lacks it. */
  readonly commaId: number | undefined

  private readonly ranks: Map<string, number>
  private readonly idToToken: string[]
  private readonly cache = new Map<string, number[]>()
  private readonly cacheSize: number
  private readonly specialIds: Map<string, number>

  constructor(vocab: Record<string, number> | ReadonlyMap<string, number>, merges: readonly (readonly [string, string])[], opts: ClipTokenizerOptions = {}) {
    const map = vocab instanceof Map ? new Map(vocab) : new Map(Object.entries(vocab as Record<string, number>))
    this.vocab = map
    this.idToToken = []
    for (const [tok, id] of map) this.idToToken[id] = tok
    // Merge ranks keyed "left right": symbols never contain a space (bytes are remapped above).
    this.ranks = new Map()
    merges.forEach(([a, b], i) => {
      const key = `${a} ${b}`
      if (!this.ranks.has(key)) this.ranks.set(key, i)
    })

    const idOf = (tok: string, what: string): number => {
      const id = map.get(tok)
      if (id === undefined) throw new Error(`the vocabulary has no ${what} token ${JSON.stringify(tok)}`)
      return id
    }
    const bos = opts.bosToken ?? START_OF_TEXT
    const eos = opts.eosToken ?? END_OF_TEXT
    this.bosId = idOf(bos, 'start')
    this.eosId = idOf(eos, 'end')
    const pad = opts.padToken ?? eos
    this.padId = typeof pad === 'number' ? pad : idOf(pad, 'padding')
    this.maxLength = opts.maxLength ?? CLIP_CONTEXT_LENGTH
    this.cacheSize = opts.cacheSize ?? 20_000
    this.commaId = map.get(',</w>')
    // The special tokens, when written in a prompt, stand for themselves (the reference pre-seeds its cache
    // with them so BPE never splits them).
    this.specialIds = new Map()
    for (const t of [START_OF_TEXT, END_OF_TEXT, bos, eos]) {
      const id = map.get(t)
      if (id !== undefined) this.specialIds.set(t, id)
    }
  }

  /**
   * Loads a tokenizer folder as diffusers model folders hold it (`tokenizer/`, `tokenizer_2/`):
   * vocab.json + merges.txt, with tokenizer_config.json and special_tokens_map.json read when present for
   * the special tokens (the padding token in particular) and model_max_length. A folder holding only
   * OpenAI's bpe_simple_vocab_16e6.txt.gz works too.
   */
  static fromFolder(dir: string, opts: ClipTokenizerOptions = {}): ClipTokenizer {
    const vocabPath = join(dir, 'vocab.json')
    const mergesPath = join(dir, 'merges.txt')
    const found = { ...readFolderConfig(dir), ...stripUndefined(opts) }
    if (existsSync(vocabPath) && existsSync(mergesPath)) return ClipTokenizer.fromFiles(vocabPath, mergesPath, found)
    const gz = join(dir, 'bpe_simple_vocab_16e6.txt.gz')
    if (existsSync(gz)) return ClipTokenizer.fromOpenAiBpe(gz, found)
    throw new Error(`${dir} holds no CLIP tokenizer (vocab.json + merges.txt, or bpe_simple_vocab_16e6.txt.gz)`)
  }

  /** Loads vocab.json and merges.txt (transformers' CLIPTokenizer files). */
  static fromFiles(vocabPath: string, mergesPath: string, opts: ClipTokenizerOptions = {}): ClipTokenizer {
    const vocab = parseJsonFile(vocabPath)
    if (!vocab || typeof vocab !== 'object' || Array.isArray(vocab)) throw new Error(`${vocabPath} is not a JSON object`)
    let entries = 0
    for (const v of Object.values(vocab)) {
      entries++
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${vocabPath}: an id is not a whole number; the file is damaged: copy it again from the original model`)
    }
    let merges: [string, string][]
    try {
      merges = parseMerges(readFileSync(mergesPath, 'utf8'))
    } catch (e) {
      throw new Error(`${mergesPath}: ${(e as Error).message}`)
    }
    // A CLIP vocabulary is 256 byte symbols, the same 256 ending a word, one entry per merge and two
    // special tokens: fewer merges than that means a truncated (or empty) file, which would tokenize
    // every prompt differently and silently change the picture.
    const needed = Math.min(CLIP_MERGE_COUNT, entries - 514)
    if (merges.length === 0 || merges.length < needed) {
      throw new Error(`${mergesPath} holds ${merges.length} merges, but ${vocabPath} (${entries} entries) needs ${Math.max(needed, 1)}; it is empty or truncated: copy it again from the original model`)
    }
    return new ClipTokenizer(vocab as Record<string, number>, merges, opts)
  }

  /**
   * Rebuilds the vocabulary from OpenAI's gzip'd merge list: the 256 byte symbols (in table order), the same
   * 256 ending a word, each merge's joined result in rank order, then the two special tokens — 49408 ids,
   * identical to vocab.json.
   */
  static fromOpenAiBpe(gzPath: string, opts: ClipTokenizerOptions = {}): ClipTokenizer {
    const merges = parseMerges(gunzipSync(readFileSync(gzPath)).toString('utf8'))
    const vocab = new Map<string, number>()
    const base = BYTE_SYMBOLS.order.map((b) => BYTE_SYMBOLS.byteToChar[b])
    for (const s of base) vocab.set(s, vocab.size)
    for (const s of base) vocab.set(`${s}</w>`, vocab.size)
    for (const [a, b] of merges) vocab.set(a + b, vocab.size)
    vocab.set(START_OF_TEXT, vocab.size)
    vocab.set(END_OF_TEXT, vocab.size)
    return new ClipTokenizer(vocab, merges, opts)
  }

  /** The id of a vocabulary symbol (e.g. "!", ",</w>"), or undefined. */
  tokenId(symbol: string): number | undefined {
    return this.vocab.get(symbol)
  }

  /** The ids of a prompt, without start and end tokens. */
  encode(text: string): number[] {
    const ids: number[] = []
    const cleaned = clipCleanText(text)
    for (const m of cleaned.matchAll(PRE_TOKENIZE)) {
      for (const id of this.wordIds(m[0])) ids.push(id)
    }
    return ids
  }

  /** Start token, the prompt's ids, end token (not truncated). */
  tokenize(text: string): number[] {
    return [this.bosId, ...this.encode(text), this.eosId]
  }

  /**
   * Exactly `length` ids: start token, prompt, end token, then `padId`. A prompt too long is cut so that
   * the end token still closes the sequence (the first length-1 ids, then the end token), as the reference
   * tokenizers do when truncating.
   */
  padded(text: string, length = this.maxLength, padId = this.padId): number[] {
    if (!Number.isInteger(length) || length < 2) throw new RangeError(`padded length must be an integer >= 2, got ${length}`)
    const ids = this.tokenize(text)
    if (ids.length > length) {
      const out = ids.slice(0, length - 1)
      out.push(this.eosId)
      return out
    }
    while (ids.length < length) ids.push(padId)
    return ids
  }

  /** Text of ids, for display and debugging (byte symbols decoded as UTF-8, "</w>" as a space). */
  decode(ids: readonly number[]): string {
    const charToByte = new Map<string, number>()
    BYTE_SYMBOLS.byteToChar.forEach((c, b) => charToByte.set(c, b))
    const bytes: number[] = []
    for (const id of ids) {
      const tok = this.idToToken[id]
      if (tok === undefined) continue
      if (this.specialIds.has(tok)) {
        for (const b of Buffer.from(tok, 'utf8')) bytes.push(b)
        continue
      }
      const word = tok.endsWith('</w>') ? tok.slice(0, -4) : tok
      for (const ch of word) {
        const b = charToByte.get(ch)
        if (b !== undefined) bytes.push(b)
      }
      if (word !== tok) bytes.push(0x20)
    }
    return Buffer.from(bytes).toString('utf8').trimEnd()
  }

  /** Ids of one pre-tokenised word (memoised). */
  private wordIds(word: string): number[] {
    const cached = this.cache.get(word)
    if (cached) return cached
    let ids: number[]
    const special = this.specialIds.get(word)
    if (special !== undefined) ids = [special]
    else {
      let mapped = ''
      for (const b of Buffer.from(word, 'utf8')) mapped += BYTE_SYMBOLS.byteToChar[b]
      ids = this.bpe(mapped).map((sym) => {
        const id = this.vocab.get(sym)
        // Cannot happen with a CLIP vocabulary (every byte symbol is in it); the reference would fail too.
        if (id === undefined) throw new Error(`BPE symbol ${JSON.stringify(sym)} is not in the vocabulary`)
        return id
      })
    }
    if (this.cache.size >= this.cacheSize) this.cache.clear()
    this.cache.set(word, ids)
    return ids
  }

  /**
   * Byte-pair merging of one word. Start from single characters with "</w>" glued to the last one, then
   * repeatedly take the adjacent pair with the lowest merge rank and join every occurrence of it, scanning
   * left to right without overlaps, until no adjacent pair has a rank.
   */
  private bpe(word: string): string[] {
    let symbols = Array.from(word)
    if (symbols.length === 0) return []
    symbols[symbols.length - 1] += '</w>'
    while (symbols.length > 1) {
      let best = Infinity
      let first = ''
      let second = ''
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`)
        if (r !== undefined && r < best) {
          best = r
          first = symbols[i]
          second = symbols[i + 1]
        }
      }
      if (best === Infinity) break
      const merged: string[] = []
      for (let i = 0; i < symbols.length; ) {
        if (i + 1 < symbols.length && symbols[i] === first && symbols[i + 1] === second) {
          merged.push(first + second)
          i += 2
        } else {
          merged.push(symbols[i])
          i += 1
        }
      }
      symbols = merged
    }
    return symbols
  }
}

function stripUndefined(o: ClipTokenizerOptions): ClipTokenizerOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as ClipTokenizerOptions
}

/** Special tokens and length from tokenizer_config.json, overridden by special_tokens_map.json. */
function readFolderConfig(dir: string): ClipTokenizerOptions {
  const opts: ClipTokenizerOptions = {}
  const config = readJsonIfPresent(join(dir, 'tokenizer_config.json'))
  const special = readJsonIfPresent(join(dir, 'special_tokens_map.json'))
  for (const src of [config, special]) {
    if (!src) continue
    const bos = tokenContent(src.bos_token)
    const eos = tokenContent(src.eos_token)
    const pad = tokenContent(src.pad_token)
    if (bos !== undefined) opts.bosToken = bos
    if (eos !== undefined) opts.eosToken = eos
    if (pad !== undefined) opts.padToken = pad
  }
  // transformers writes a huge sentinel when no length is known; only a plausible value counts.
  const max = config?.model_max_length
  if (typeof max === 'number' && Number.isInteger(max) && max >= 2 && max <= 100_000) opts.maxLength = max
  return opts
}
