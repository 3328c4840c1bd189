/**
 * Textual inversion on the tiny fixtures: rows spliced into the ONNX token table, names mapped by the
 * tokenizer. Checked against the PyTorch golden run of tools/fixtures/make_lora_fixture.py (the
 * "embedding" case: the table with the embedding's rows appended, as A1111 feeds them), and by identity: an
 * embedding whose vectors are some tokens' own rows must encode exactly as those tokens do.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadModel } from '../model'
import { encodePrompt, promptConditioning } from '../text'
import { decodeFloats } from '../safetensors/safetensors'
import { encodeSafetensors, f32Bytes, type TensorToWrite as TensorTo } from '../safetensors/write'
import { FIXTURES_DIR } from '../test-fixtures'
import { countPromptTokens } from '../prompt/prompt-chunks'
import { EmbeddingError, loadEmbeddingFile } from './embedding-file'
import { findTokenTable } from './onnx-splice'
import { resolveEmbeddings } from './folder'

const FIX = join(FIXTURES_DIR, '..')
const dir = mkdtempSync(join(tmpdir(), 'sigma-ti-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Rows `ids` of a fixture text encoder's token table, float32. */
function tableRows(modelName: string, component: string, ids: readonly number[]): Float32Array {
  const path = join(FIXTURES_DIR, modelName, component, 'model.onnx')
  const bytes = readFileSync(path)
  const t = findTokenTable(bytes, path)
  const all = decodeFloats(bytes.subarray(t.inline!.offset, t.inline!.offset + t.inline!.length), 'F32')
  const w = t.dims[1]
  const out = new Float32Array(ids.length * w)
  ids.forEach((id, i) => out.set(all.subarray(id * w, (id + 1) * w), i * w))
  return out
}

function writeEmbedding(name: string, tensors: Record<string, { rows: Float32Array; width: number }>): string {
  const path = join(dir, `${name}.safetensors`)
  const t: Record<string, TensorTo> = {}
  for (const [k, v] of Object.entries(tensors)) t[k] = { dtype: 'F32', shape: [v.rows.length / v.width, v.width], data: f32Bytes(v.rows) }
  writeFileSync(path, encodeSafetensors(t))
  return path
}

const same = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

describe('textual inversion', () => {
  const opts = { device: 'cpu' as const, threads: 1 }

  it('matches the PyTorch golden run with a random two-vector embedding (tinyemb)', async () => {
    const golden = JSON.parse(readFileSync(join(FIX, 'golden', 'sd1-lora-tiny.json'), 'utf8')) as { embedding: { input_ids: number[]; last_hidden_state: number[] } }
    const emb = loadEmbeddingFile(join(FIX, 'lora', 'tinyemb.safetensors'))
    expect(emb.count).toBe(2)
    const m = await loadModel(join(FIXTURES_DIR, 'sd1-lora-tiny'), { ...opts, embeddings: [emb] })
    // Both spellings reach the same rows.
    for (const prompt of ['a tinyemb', 'a embedding:tinyemb', 'a TinyEmb']) {
      const c = await encodePrompt(m, prompt)
      const want = golden.embedding.last_hidden_state
      let worst = 0
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(c.context[i] - want[i]))
      expect(worst, prompt).toBeLessThan(2e-5)
    }
    // Token counting sees both vectors.
    expect(countPromptTokens('a tinyemb', m.tokenizers[0]).used).toBe(3)
  })

  it('an embedding made of existing token rows encodes bit for bit like those tokens (prompt and negative)', async () => {
    const base = await loadModel(join(FIXTURES_DIR, 'sd1-lora-tiny'), opts)
    const tok = base.tokenizers[0]
    const ids = [...tok.encode('red'), ...tok.encode('r')]
    const rows = tableRows('sd1-lora-tiny', 'text_encoder', ids)
    const file = loadEmbeddingFile(writeEmbedding('twotok', { emb_params: { rows, width: 16 } }))
    const m = await loadModel(join(FIXTURES_DIR, 'sd1-lora-tiny'), { ...opts, embeddings: [file] })
    const withEmb = await encodePrompt(m, 'a (twotok:1.2), b')
    const withTokens = await encodePrompt(m, 'a (red r:1.2), b')
    expect(same(withEmb.context, withTokens.context)).toBe(true)
    // The base rows (and the moved end token) are untouched: the base model gives the same.
    expect(same((await encodePrompt(base, 'a (red r:1.2), b')).context, withTokens.context)).toBe(true)
    // A prompt that differs from it does not (the comparison can fail).
    expect(same((await encodePrompt(m, 'a (r red:1.2), b')).context, withTokens.context)).toBe(false)
    const negEmb = await promptConditioning(m, 'a', 'twotok, blurry', true)
    const negTokens = await promptConditioning(m, 'a', 'red r, blurry', true)
    expect(same(negEmb.uncond!.context, negTokens.uncond!.context)).toBe(true)
  })

  it('SDXL: clip_l and clip_g rows go to their own encoders; hidden states and pooled text_embeds match the tokens', async () => {
    const base = await loadModel(join(FIXTURES_DIR, 'sdxl-tiny'), opts)
    const ids = base.tokenizers[0].encode('red')
    const l = tableRows('sdxl-tiny', 'text_encoder', ids)
    const g = tableRows('sdxl-tiny', 'text_encoder_2', ids)
    const wl = base.textEncoders[0].width
    const wg = base.textEncoders[1].width
    const file = loadEmbeddingFile(writeEmbedding('xlred', { clip_l: { rows: l, width: wl }, clip_g: { rows: g, width: wg } }))
    const m = await loadModel(join(FIXTURES_DIR, 'sdxl-tiny'), { ...opts, embeddings: [file] })
    const a = await encodePrompt(m, 'xlred apple')
    const b = await encodePrompt(base, 'red apple')
    expect(same(a.context, b.context)).toBe(true)
    // The pooled output is taken at argmax(input_ids): the end token must still be the largest id.
    expect(same(a.pooled!, b.pooled!)).toBe(true)
  })

  it('refuses a wrong width naming the width the model expects, an SD1 file on SDXL, and .pt pickles', async () => {
    const wide = loadEmbeddingFile(writeEmbedding('wide', { emb_params: { rows: new Float32Array(2 * 24), width: 24 } }))
    await expect(loadModel(join(FIXTURES_DIR, 'sd1-lora-tiny'), { ...opts, embeddings: [wide] })).rejects.toThrow(/24 wide .* text_encoder expects 16/)
    const one = loadEmbeddingFile(writeEmbedding('one', { emb_params: { rows: new Float32Array(16), width: 16 } }))
    await expect(loadModel(join(FIXTURES_DIR, 'sdxl-tiny'), { ...opts, embeddings: [one] })).rejects.toThrow(/SDXL model needs clip_l \(768\) and clip_g \(1280\)/)
    writeFileSync(join(dir, 'old.pt'), 'PK\u0003\u0004')
    expect(() => loadEmbeddingFile(join(dir, 'old.pt'))).toThrow(/Python pickle .* convert it to \.safetensors/)
    writeFileSync(join(dir, 'bad.safetensors'), encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: f32Bytes([1]) }, b: { dtype: 'F32', shape: [1], data: f32Bytes([1]) } }))
    expect(() => loadEmbeddingFile(join(dir, 'bad.safetensors'))).toThrow(EmbeddingError)
  })

  it('finds the embeddings a prompt names in a folder, as bare words or embedding:NAME', () => {
    const d = mkdtempSync(join(dir, 'folder-'))
    writeFileSync(join(d, 'StyleX.safetensors'), readFileSync(join(FIX, 'lora', 'tinyemb.safetensors')))
    writeFileSync(join(d, 'other.safetensors'), readFileSync(join(FIX, 'lora', 'tinyemb.safetensors')))
    expect(resolveEmbeddings(d, ['a stylex photo']).files.map((f) => f.name)).toEqual(['StyleX'])
    expect(resolveEmbeddings(d, ['a', 'embedding:other.safetensors']).files.map((f) => f.name)).toEqual(['other'])
    expect(resolveEmbeddings(d, ['a stylexy photo, otherwise']).files).toEqual([])
  })
})
