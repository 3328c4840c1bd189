/**
 * Embeddings on a loaded model: the text encoder bytes with the embeddings' rows spliced in (for the
 * session), and the tokenizers that map their names to those rows. Both sides derive the ids from the
 * same `rowLayout` (tokenizer vocabulary size, end token, vector counts in the order given), so a cached
 * session and a freshly built tokenizer always agree.
 */
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { externalDataOption } from '../checkpoint/external-weights'
import type { InMemoryModel } from '../onnx/runtime'
import type { ClipTokenizer } from '../prompt/clip-tokenizer'
import { type EmbeddingFile, type EmbeddingTarget, vectorsFor } from './embedding-file'
import { EmbeddingTokenizer } from './embedding-tokenizer'
import { findTokenTable, rowLayout, spliceTokenRows } from './onnx-splice'

/** Identifies a set of embeddings in the session cache (file hashes in order). */
export function embeddingSignature(files: readonly EmbeddingFile[]): string {
  return files.length ? `ti:${files.map((f) => f.hash).join(',')}` : ''
}

/** The component's bytes (a LoRA merge's, or the file's own) with every embedding's rows appended. */
export function spliceEmbeddings(
  path: string,
  component: EmbeddingTarget,
  files: readonly EmbeddingFile[],
  tokenizer: ClipTokenizer,
  sdxl: boolean,
  merged?: InMemoryModel
): InMemoryModel {
  const model: InMemoryModel = merged ?? { bytes: readFileSync(path), externalData: externalDataOption(path).externalData ?? [], folder: dirname(path) }
  const table = findTokenTable(model.bytes, path)
  const width = table.dims[1]
  const sets = files.map((f) => vectorsFor(f, component, width, sdxl))
  const rows = new Float32Array(sets.reduce((a, v) => a + v.data.length, 0))
  let o = 0
  for (const v of sets) {
    rows.set(v.data, o)
    o += v.data.length
  }
  const layout = rowLayout(tokenizer.vocab.size, tokenizer.eosId, sets.map((v) => v.count))
  return spliceTokenRows(model, path, table, layout, rows)
}

/** The tokenizer that turns the embeddings' names into their spliced ids. */
export function embeddingTokenizer(tokenizer: ClipTokenizer, files: readonly EmbeddingFile[]): EmbeddingTokenizer {
  const layout = rowLayout(tokenizer.vocab.size, tokenizer.eosId, files.map((f) => f.count))
  return new EmbeddingTokenizer(
    tokenizer,
    files.map((f, i) => ({ name: f.name, firstId: layout.firstIds[i], count: f.count })),
    layout
  )
}
