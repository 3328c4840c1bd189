/**
 * A tokenizer that knows the loaded embeddings: an embedding's name in the prompt — `embedding:NAME`
 * (ComfyUI, optionally with `.safetensors`/`.pt`) or the bare word NAME (A1111), case-insensitively as CLIP
 * lower-cases — becomes the ids of its spliced rows, one per vector. Text between names is tokenized as
 * before; CLIP splits words at letters/punctuation first, so cutting the text at a name's word boundaries
 * gives the same tokens around it. Emphasis (`(name:1.2)`) applies to the vectors like to any token,
 * since the chunker hands each weighted run to `encode`.
 */
import { stripLoraTags } from '../../../shared/lora-tags'
import type { ChunkTokenizer } from '../prompt/prompt-chunks'
import type { RowLayout } from './onnx-splice'

export interface EmbeddingIds {
  readonly name: string
  readonly firstId: number
  readonly count: number
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** A regex finding any of `names` as a whole word, with or without `embedding:`; longest names first. */
export function embeddingNamePattern(names: readonly string[]): RegExp | undefined {
  if (names.length === 0) return undefined
  const alt = [...names].sort((a, b) => b.length - a.length).map(escape).join('|')
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:embedding:)?(${alt})(?:\\.safetensors|\\.pt)?(?![\\p{L}\\p{N}_])`, 'giu')
}

/** The names (as given) of `names` that occur in any of `texts`. */
export function namesUsed(names: readonly string[], texts: readonly string[]): string[] {
  const re = embeddingNamePattern(names)
  if (!re) return []
  const lower = new Map(names.map((n) => [n.toLowerCase(), n]))
  const found = new Set<string>()
  // Names inside <lora:…> tags are LoRA names, not embeddings (the tokenizer never sees the tags).
  for (const t of texts) for (const m of stripLoraTags(t).matchAll(re)) found.add(lower.get(m[1].toLowerCase())!)
  return names.filter((n) => found.has(n))
}

export class EmbeddingTokenizer implements ChunkTokenizer {
  readonly bosId: number
  readonly eosId: number
  readonly padId: number
  readonly commaId: number | undefined
  private readonly byName: Map<string, EmbeddingIds>
  private readonly pattern: RegExp | undefined
  private readonly oldEos: number

  constructor(
    private readonly base: ChunkTokenizer,
    embeddings: readonly EmbeddingIds[],
    layout: Pick<RowLayout, 'eosId'>
  ) {
    this.oldEos = base.eosId
    this.bosId = base.bosId
    this.eosId = layout.eosId
    this.padId = base.padId === base.eosId ? layout.eosId : base.padId
    this.commaId = base.commaId
    this.byName = new Map(embeddings.map((e) => [e.name.toLowerCase(), e]))
    this.pattern = embeddingNamePattern(embeddings.map((e) => e.name))
  }

  private plain(text: string): number[] {
    // A literal <|endoftext|> in the prompt stands for the end token, wherever it now lives.
    return this.base.encode(text).map((id) => (id === this.oldEos ? this.eosId : id))
  }

  encode(text: string): number[] {
    if (!this.pattern) return this.plain(text)
    const out: number[] = []
    let last = 0
    for (const m of text.matchAll(this.pattern)) {
      if (m.index! > last) out.push(...this.plain(text.slice(last, m.index)))
      const e = this.byName.get(m[1].toLowerCase())!
      for (let i = 0; i < e.count; i++) out.push(e.firstId + i)
      last = m.index! + m[0].length
    }
    if (last < text.length) out.push(...this.plain(text.slice(last)))
    return out
  }
}
