/**
 * Prompt -> text conditioning: A1111 attention syntax and 75-token chunks (prompt/, by its owner), each
 * chunk encoded by the model's text encoder(s), emphasis applied with the mean restored, chunks joined along
 * the token axis. SD1.x/2.x read last_hidden_state; SDXL joins the penultimate hidden states of both
 * encoders along the feature axis and takes text_encoder_2's text_embeds (first chunk) as the pooled
 * embedding.
 */
import { ModelRunError } from './errors'
import type { LoadedModel, TextEncoderIo } from './model'
import type { TextConditioning } from './onnx/denoiser'
import { firstNonFinite } from './onnx/denoiser'
import { applyEmphasis, promptToChunks, type PromptChunk } from './prompt/prompt-chunks'
import { stripLoraTags } from '../../shared/lora-tags'

const TOKENS = 77

interface EncodedChunks {
  /** [chunks * 77, width] */
  hidden: Float32Array
  chunks: number
  pooled?: Float32Array
}

async function runEncoder(model: LoadedModel, io: TextEncoderIo, chunks: readonly PromptChunk[]): Promise<EncodedChunks> {
  const session = io.component === 'text_encoder' ? model.sessions.text_encoder : model.sessions.text_encoder_2!
  if (io.fixedSequence !== undefined && io.fixedSequence !== TOKENS) {
    throw new Error(`${io.component} takes ${io.fixedSequence} tokens; CLIP encoders take ${TOKENS}`)
  }
  const hidden = new Float32Array(chunks.length * TOKENS * io.width)
  let pooled: Float32Array | undefined
  const per = Math.min(chunks.length, io.maxBatch)
  for (let start = 0; start < chunks.length; start += per) {
    const n = Math.min(per, chunks.length - start)
    const rows = io.fixedBatch ?? n // a fixed batch is padded with copies of the last chunk
    const ids = new Array<number>(rows * TOKENS)
    for (let r = 0; r < rows; r++) for (let t = 0; t < TOKENS; t++) ids[r * TOKENS + t] = chunks[start + Math.min(r, n - 1)].ids[t]
    const outputs = [io.hiddenOutput, ...(io.pooledOutput ? [io.pooledOutput] : [])]
    const result = await session.run({ input_ids: { data: ids, dims: [rows, TOKENS] } }, outputs)
    const h = result[io.hiddenOutput].data
    for (const name of outputs) {
      const bad = firstNonFinite(result[name].data)
      if (bad >= 0) {
        throw new ModelRunError('non-finite', io.component, undefined, `output ${name} holds ${result[name].data[bad]}`, 'the text encoder file may be damaged, or a float16 export overflowed: try --device cpu or a float32 export')
      }
    }
    for (let r = 0; r < n; r++) {
      const one = h.subarray(r * TOKENS * io.width, (r + 1) * TOKENS * io.width)
      hidden.set(applyEmphasis(one, chunks[start + r].weights, TOKENS, io.width), (start + r) * TOKENS * io.width)
    }
    if (io.pooledOutput && start === 0) {
      const p = result[io.pooledOutput].data
      const pw = p.length / rows
      pooled = p.slice(0, pw)
    }
  }
  return { hidden, chunks: chunks.length, pooled }
}

/** Encodes one prompt with every text encoder of the model. */
export async function encodePrompt(model: LoadedModel, prompt: string): Promise<TextConditioning> {
  const parts: EncodedChunks[] = []
  let count: number | undefined
  for (let k = 0; k < model.textEncoders.length; k++) {
    const tok = model.tokenizers[k]
    // LoRA tags choose merged weights (loaded with the model); the tokenizer never sees them.
    const chunks = promptToChunks(stripLoraTags(prompt), tok)
    if (count !== undefined && chunks.length !== count) {
      throw new Error(`the two tokenizers split the prompt into ${count} and ${chunks.length} chunks; they must share a vocabulary`)
    }
    count = chunks.length
    parts.push(await runEncoder(model, model.textEncoders[k], chunks))
  }
  const chunks = count!
  const width = model.textEncoders.reduce((a, t) => a + t.width, 0)
  const tokens = chunks * TOKENS
  let context: Float32Array
  if (parts.length === 1) context = parts[0].hidden
  else {
    context = new Float32Array(tokens * width)
    for (let t = 0; t < tokens; t++) {
      let off = t * width
      for (let k = 0; k < parts.length; k++) {
        const wk = model.textEncoders[k].width
        context.set(parts[k].hidden.subarray(t * wk, (t + 1) * wk), off)
        off += wk
      }
    }
  }
  const pooled = parts.find((p) => p.pooled)?.pooled
  return { context, tokens, pooled }
}

/** Zero conditioning of the given shape (SDXL's force_zeros_for_empty_prompt). */
export function zeroConditioning(like: TextConditioning): TextConditioning {
  return { context: new Float32Array(like.context.length), tokens: like.tokens, pooled: like.pooled ? new Float32Array(like.pooled.length) : undefined }
}

function appendTokens(c: TextConditioning, extra: TextConditioning, times: number): TextConditioning {
  if (times <= 0) return c
  const context = new Float32Array(c.context.length + extra.context.length * times)
  context.set(c.context)
  for (let i = 0; i < times; i++) context.set(extra.context, c.context.length + i * extra.context.length)
  return { context, tokens: c.tokens + extra.tokens * times, pooled: c.pooled }
}

function truncate(c: TextConditioning, tokens: number, width: number): TextConditioning {
  return { context: c.context.slice(0, tokens * width), tokens, pooled: c.pooled }
}

export interface PromptPair {
  cond: TextConditioning
  uncond?: TextConditioning
}

/**
 * Conditioning for a job: the prompt, and the negative prompt when guidance needs it. Cond and uncond are
 * padded to the same token count with empty-prompt chunks (A1111 does the same), and cut to the UNet's
 * fixed token count where the export fixes one.
 */
export async function promptConditioning(model: LoadedModel, prompt: string, negative: string, needUncond: boolean, log?: (line: string) => void): Promise<PromptPair> {
  let cond = await encodePrompt(model, prompt)
  let uncond: TextConditioning | undefined
  if (needUncond) {
    if (negative.trim() === '' && model.folder.forceZerosForEmptyPrompt) uncond = zeroConditioning(await encodePrompt(model, ''))
    else uncond = await encodePrompt(model, negative)
    if (cond.tokens !== uncond.tokens) {
      const empty = await encodePrompt(model, '')
      const filler = model.folder.forceZerosForEmptyPrompt && negative.trim() === '' ? zeroConditioning(empty) : empty
      if (cond.tokens < uncond.tokens) cond = appendTokens(cond, empty, (uncond.tokens - cond.tokens) / TOKENS)
      else uncond = appendTokens(uncond, filler, (cond.tokens - uncond.tokens) / TOKENS)
    }
  }
  const fixed = model.unet.fixedTokens
  if (fixed !== undefined && cond.tokens !== fixed) {
    if (cond.tokens < fixed) throw new Error(`the UNet takes ${fixed} tokens, more than one prompt chunk`)
    log?.(`prompt longer than 75 tokens: this model's UNet takes exactly ${fixed} tokens, the rest is ignored`)
    cond = truncate(cond, fixed, model.unet.contextWidth)
    if (uncond) uncond = truncate(uncond, fixed, model.unet.contextWidth)
  }
  return { cond, uncond }
}
