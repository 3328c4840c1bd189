/**
 * Turning a prompt into CLIP-sized chunks, as AUTOMATIC1111 does it, so prompts longer than CLIP's 75
 * tokens still work and carry per-token emphasis weights.
 *
 * - The prompt is parsed for attention syntax (prompt-attention.ts); each run is tokenised and every token
 *   gets its run's weight.
 * - Tokens fill chunks of 75. An entry ["BREAK", -1] closes the current chunk at once (even an empty one).
 * - Comma backtracking: when a chunk is full and the last lone comma in it is at most `commaBacktrack`
 *   (A1111's default 20) tokens from its end, the tokens after that comma move on to the next chunk, so
 *   a phrase is not cut in two.
 * - Each chunk becomes 77 ids: start token, its tokens, end tokens to fill, end token; weights are 1 for
 *   the start, end and filling positions. When the model pads with something other than the end token
 *   (SD2.x, SDXL's second encoder: id 0), every position after the first end token gets the padding id.
 * - A prompt with no tokens still gives one chunk.
 *
 * Each chunk is encoded separately by the text encoder and the results are concatenated along the token
 * axis; `applyEmphasis` then applies the weights to a chunk's hidden states.
 */
import { isBreak, parsePromptAttention, type WeightedText } from './prompt-attention'

/** What the chunker needs from a tokenizer (ClipTokenizer satisfies it). */
export interface ChunkTokenizer {
  readonly bosId: number
  readonly eosId: number
  readonly padId: number
  /** Id of a lone comma (",</w>"); comma backtracking is off without it. */
  readonly commaId: number | undefined
  /** Ids of a text, without start and end tokens. */
  encode(text: string): number[]
}

export interface ChunkOptions {
  /** Prompt tokens per chunk (A1111: 75; CLIP's 77 minus start and end). */
  chunkLength?: number
  /** How far back (in tokens) a chunk boundary may move to the last comma; 0 turns it off. Default 20. */
  commaBacktrack?: number
  /** Padding id after the first end token; default the tokenizer's own padding id. */
  padId?: number
  /** Parse attention syntax (A1111's emphasis); false takes the prompt literally with weight 1. Default true. */
  emphasis?: boolean
}

export interface PromptChunk {
  /** chunkLength + 2 ids (77 by default). */
  ids: number[]
  /** One weight per id. */
  weights: number[]
  /** How many of the ids are prompt tokens (for "23/75"). */
  tokenCount: number
}

export const DEFAULT_CHUNK_LENGTH = 75
export const DEFAULT_COMMA_BACKTRACK = 20

function parse(prompt: string | readonly WeightedText[], emphasis: boolean): readonly WeightedText[] {
  if (typeof prompt !== 'string') return prompt
  return emphasis ? parsePromptAttention(prompt) : [[prompt, 1]]
}

/** Splits a prompt (text, or already parsed runs) into chunks of ids and weights. */
export function promptToChunks(prompt: string | readonly WeightedText[], tokenizer: ChunkTokenizer, opts: ChunkOptions = {}): PromptChunk[] {
  return buildChunks(prompt, tokenizer, opts).chunks
}

/** The chunks, and A1111's token count: chunkLength for each chunk closed early, the tokens of the final one. */
function buildChunks(prompt: string | readonly WeightedText[], tokenizer: ChunkTokenizer, opts: ChunkOptions): { chunks: PromptChunk[]; used: number } {
  const chunkLength = opts.chunkLength ?? DEFAULT_CHUNK_LENGTH
  const backtrack = opts.commaBacktrack ?? DEFAULT_COMMA_BACKTRACK
  const padId = opts.padId ?? tokenizer.padId
  if (!Number.isInteger(chunkLength) || chunkLength < 1) throw new RangeError(`chunkLength must be a positive integer, got ${chunkLength}`)
  const { bosId, eosId, commaId } = tokenizer

  const chunks: PromptChunk[] = []
  let tokens: number[] = []
  let weights: number[] = []
  let lastComma = -1
  let used = 0

  const closeChunk = (isLast = false): void => {
    const count = tokens.length
    used += isLast ? count : chunkLength
    const ids = [bosId, ...tokens]
    const w = [1, ...weights]
    while (ids.length < chunkLength + 1) {
      ids.push(eosId)
      w.push(1)
    }
    ids.push(eosId)
    w.push(1)
    if (padId !== eosId) {
      // What follows the first end token is padding for models that pad with another id.
      const end = ids.indexOf(eosId)
      for (let j = end + 1; j < ids.length; j++) ids[j] = padId
    }
    chunks.push({ ids, weights: w, tokenCount: count })
    tokens = []
    weights = []
    lastComma = -1
  }

  for (const entry of parse(prompt, opts.emphasis ?? true)) {
    if (isBreak(entry)) {
      closeChunk()
      continue
    }
    const [text, weight] = entry
    for (const token of tokenizer.encode(text)) {
      if (commaId !== undefined && token === commaId) {
        // Remember where the comma will sit in the chunk.
        lastComma = tokens.length
      } else if (backtrack > 0 && tokens.length === chunkLength && lastComma !== -1 && tokens.length - lastComma <= backtrack) {
        // Full, and a comma is close to the end: end the chunk after the comma, carry the rest over.
        const cut = lastComma + 1
        const carriedTokens = tokens.slice(cut)
        const carriedWeights = weights.slice(cut)
        tokens = tokens.slice(0, cut)
        weights = weights.slice(0, cut)
        closeChunk()
        tokens = carriedTokens
        weights = carriedWeights
      }
      if (tokens.length === chunkLength) closeChunk()
      tokens.push(token)
      weights.push(weight)
    }
  }
  if (tokens.length > 0 || chunks.length === 0) closeChunk(true)
  return { chunks, used }
}

export interface PromptTokenCount {
  /** Prompt tokens in each chunk. */
  perChunk: number[]
  /**
   * A1111's count: a chunk closed before the prompt ended (full, or by BREAK) counts as a whole
   * chunkLength, the chunk left open at the end as its tokens. Shown as `used/limit`.
   */
  used: number
  /** The next multiple of chunkLength at or above `used` (at least one chunk): the "75" of "23/75". */
  limit: number
}

/** Token counts for the prompt box ("23/75", "80/150"). */
export function countPromptTokens(prompt: string | readonly WeightedText[], tokenizer: ChunkTokenizer, opts: ChunkOptions = {}): PromptTokenCount {
  const chunkLength = opts.chunkLength ?? DEFAULT_CHUNK_LENGTH
  const { chunks, used } = buildChunks(prompt, tokenizer, opts)
  const perChunk = chunks.map((c) => c.tokenCount)
  const limit = Math.ceil(Math.max(used, 1) / chunkLength) * chunkLength
  return { perChunk, used, limit }
}

/**
 * Emphasis on one chunk's encoder output (A1111's "Original" emphasis): each token's hidden vector is
 * multiplied by its weight, then the whole chunk is rescaled so the mean over all its values is what it
 * was before. The rescaling keeps the overall magnitude the UNet was trained on while shifting relative
 * attention between tokens.
 *
 * `hidden` is row-major [tokens, width]. Returns a new array. The means are taken in float64 (the
 * reference works in the tensor's own float32/float16). Where the weighted mean is 0 the rescaling is
 * skipped (the reference would divide by zero).
 */
export function applyEmphasis(hidden: Float32Array, weights: ArrayLike<number>, tokens = 77, width = hidden.length / tokens): Float32Array {
  if (!Number.isInteger(width) || width <= 0 || tokens * width !== hidden.length) {
    throw new RangeError(`hidden has ${hidden.length} values, not ${tokens} tokens × ${width}`)
  }
  if (weights.length !== tokens) throw new RangeError(`${weights.length} weights for ${tokens} tokens`)
  const out = new Float32Array(hidden.length)
  let allOne = true
  for (let t = 0; t < tokens; t++) if (weights[t] !== 1) allOne = false
  if (allOne) {
    out.set(hidden)
    return out
  }
  let before = 0
  let after = 0
  const scaled = new Float64Array(hidden.length)
  for (let t = 0; t < tokens; t++) {
    const w = weights[t]
    for (let i = t * width, end = i + width; i < end; i++) {
      before += hidden[i]
      const v = hidden[i] * w
      scaled[i] = v
      after += v
    }
  }
  const n = hidden.length
  const factor = after !== 0 && Number.isFinite(after) ? before / n / (after / n) : 1
  for (let i = 0; i < n; i++) out[i] = scaled[i] * factor
  return out
}
