/**
 * Prompt calls: the live token count under the prompt boxes ("12/75", "80/150"), computed with the chosen
 * model's own CLIP tokenizer and A1111's chunking rules (emphasis syntax, BREAK, comma backtracking), so
 * the number shown is the number the model will see.
 *
 * The renderer asks on every pause in typing, so tokenizers are loaded once per model folder and kept
 * (a full CLIP vocabulary takes tens of milliseconds to load; counting a prompt takes well under one).
 * No ONNX session is involved: this runs on the main thread and stays cheap.
 */
import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { checkModelName, modelFolderOf } from './model-names'
import { RequestError, type InvokeHandlers, type PromptTokens } from '../../shared/api'
import { ClipTokenizer } from '../models/prompt/clip-tokenizer'
import { stripLoraTags } from '../../shared/lora-tags'
import { countPromptTokens } from '../models/prompt/prompt-chunks'
import { embeddingTokenizer } from '../models/embeddings/apply'
import { resolveEmbeddings } from '../models/embeddings/folder'
import { embeddingsDirFor } from '../models/network-folders'

export interface PromptHandlerOptions {
  modelsDir: string
  /** Used when a request leaves `model` empty, as generation does. */
  defaultModel?: string
  /** Tokenizers kept at once (each full CLIP vocabulary holds ~50k entries). Default 4. */
  cacheSize?: number
  /** The embeddings folder (default: $SIGMA_STUDIO_EMBEDDINGS, else embeddings/ in the models folder). */
  embeddingsDir?: string
}

interface Cached {
  tokenizer: ClipTokenizer
  /** vocab.json's mtime when loaded: a model folder replaced in place gets its new tokenizer. */
  stamp: number
}

/** Counts prompt tokens with each model's tokenizer, keeping the most recently used tokenizers loaded. */
export class PromptTokenCounter {
  private readonly cache = new Map<string, Cached>()
  private loaded = 0

  constructor(private readonly opts: PromptHandlerOptions) {}

  /** How many tokenizers were read from disk so far (the cache's misses). */
  get loads(): number {
    return this.loaded
  }

  count(model: string, text: string): PromptTokens {
    const tokenizer = this.tokenizerFor(this.modelDir(model))
    // Embeddings the prompt names count as their vectors, as A1111 counts them (no session is opened:
    // only each file's vector count is read, and files are cached by size and mtime).
    const embeddings = resolveEmbeddings(this.opts.embeddingsDir ?? embeddingsDirFor(this.opts.modelsDir), [text], true).files
    const c = countPromptTokens(stripLoraTags(text), embeddings.length ? embeddingTokenizer(tokenizer, embeddings) : tokenizer)
    return { chunks: c.perChunk, total: c.used, limit: c.limit }
  }

  private modelDir(model: string): string {
    const { modelsDir, defaultModel } = this.opts
    const name = model === '' ? defaultModel : model
    if (!name) throw new RequestError('model', `no model chosen and no default model; put a model folder in ${modelsDir} and choose it`)
    // By folder name only, as generation takes params.model (see model-names.ts).
    checkModelName(name, 'model', modelsDir, defaultModel)
    const dir = resolve(modelFolderOf(name, modelsDir))
    if (!existsSync(join(dir, 'model_index.json')) && !existsSync(join(dir, 'unet'))) {
      throw new RequestError('model', `model "${name}" was not found in ${modelsDir}; choose another model`)
    }
    return dir
  }

  private tokenizerFor(dir: string): ClipTokenizer {
    // Every supported layout keeps the first tokenizer in tokenizer/ (see models/folder.ts); SDXL's second
    // tokenizer shares its vocabulary, so it counts the same.
    const tokDir = join(dir, 'tokenizer')
    const vocab = join(tokDir, 'vocab.json')
    const stamp = existsSync(vocab) ? statSync(vocab).mtimeMs : 0
    const hit = this.cache.get(dir)
    if (hit && hit.stamp === stamp) {
      // Most recently used last, so the oldest is evicted first.
      this.cache.delete(dir)
      this.cache.set(dir, hit)
      return hit.tokenizer
    }
    let tokenizer: ClipTokenizer
    try {
      tokenizer = ClipTokenizer.fromFolder(tokDir)
    } catch (e) {
      throw new RequestError('model', `cannot read the tokenizer of ${dir}: ${(e as Error).message}; copy the tokenizer folder from the original model`)
    }
    this.loaded++
    this.cache.delete(dir)
    this.cache.set(dir, { tokenizer, stamp })
    while (this.cache.size > (this.opts.cacheSize ?? 4)) this.cache.delete(this.cache.keys().next().value!)
    return tokenizer
  }
}

/** The prompt calls of the contract, merged into Studio's handlers. */
export function promptHandlers(counter: PromptTokenCounter): Pick<InvokeHandlers, 'studio:prompt:tokens'> {
  return {
    'studio:prompt:tokens': async ({ model, text }) => counter.count(model, text)
  }
}
