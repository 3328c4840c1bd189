import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIMITS } from '../../shared/params'
import { RequestError } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import { referenceDir } from '../conformance/reference-files'
import { cleanScratch, scratchDir } from '../models/test-fixtures'
import { encodeSafetensors, f32Bytes } from '../models/safetensors/write'
import { PromptTokenCounter, promptHandlers } from './prompt-handlers'

/** A models directory holding one folder with the real CLIP vocabulary (no ONNX files are needed to count). */
let modelsDir: string
beforeAll(() => {
  modelsDir = scratchDir('prompt-tokens-')
  const tok = join(modelsDir, 'clip-model', 'tokenizer')
  mkdirSync(tok, { recursive: true })
  writeFileSync(join(modelsDir, 'clip-model', 'model_index.json'), '{"_class_name":"OnnxStableDiffusionPipeline"}')
  for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(referenceDir(), 'clip-tokenizer', f), join(tok, f))
})
afterAll(() => cleanScratch())

const words = (n: number, w: string): string => Array.from({ length: n }, () => w).join(' ')

describe("'studio:prompt:tokens'", () => {
  it('counts tokens as A1111 shows them, one chunk per 75', async () => {
    const h = promptHandlers(new PromptTokenCounter({ modelsDir, defaultModel: 'clip-model' }))
    const count = (text: string) => h['studio:prompt:tokens']({ model: 'clip-model', text })
    expect(await count('')).toEqual({ chunks: [0], total: 0, limit: 75 })
    expect(await count('a photo of a cat')).toEqual({ chunks: [5], total: 5, limit: 75 })
    // Emphasis syntax is not counted: "(cat:1.3)" is the one token "cat".
    expect(await count('a photo of a (cat:1.3), [dog]')).toEqual({ chunks: [7], total: 7, limit: 75 })
    expect(await count(words(75, 'cat'))).toEqual({ chunks: [75], total: 75, limit: 75 })
    // Spilling into a second chunk: "80/150".
    expect(await count(words(80, 'cat'))).toEqual({ chunks: [75, 5], total: 80, limit: 150 })
    // BREAK closes a chunk early, which then counts as a whole 75.
    expect(await count('cat BREAK dog')).toEqual({ chunks: [1, 1], total: 76, limit: 150 })
  })

  it('counts an embedding named in the prompt as its vectors', async () => {
    const dir = scratchDir('emb-')
    writeFileSync(join(dir, 'cat.safetensors'), encodeSafetensors({ emb_params: { dtype: 'F32', shape: [5, 768], data: f32Bytes(new Float32Array(5 * 768)) } }))
    const plain = promptHandlers(new PromptTokenCounter({ modelsDir, defaultModel: 'clip-model', embeddingsDir: scratchDir('none-') }))
    const h = promptHandlers(new PromptTokenCounter({ modelsDir, defaultModel: 'clip-model', embeddingsDir: dir }))
    expect((await plain['studio:prompt:tokens']({ model: '', text: 'a cat photo' })).total).toBe(3)
    expect((await h['studio:prompt:tokens']({ model: '', text: 'a cat photo' })).total).toBe(7)
    expect((await h['studio:prompt:tokens']({ model: '', text: 'a embedding:cat photo' })).total).toBe(7)
    expect((await h['studio:prompt:tokens']({ model: '', text: 'a cats photo' })).total).toBe(3)
  })

  it("uses the default model for '' and loads each tokenizer once", async () => {
    const counter = new PromptTokenCounter({ modelsDir, defaultModel: 'clip-model' })
    const h = promptHandlers(counter)
    expect(await h['studio:prompt:tokens']({ model: '', text: 'a cat' })).toEqual({ chunks: [2], total: 2, limit: 75 })
    await h['studio:prompt:tokens']({ model: 'clip-model', text: 'a dog' })
    expect(counter.loads).toBe(1)
    // A path is not a model name, even when it points into the models folder.
    await expect(h['studio:prompt:tokens']({ model: join(modelsDir, 'clip-model'), text: 'a dog' })).rejects.toMatchObject({ field: 'model', message: expect.stringMatching(/is not a model name/) })
    // A tokenizer replaced on disk is read again.
    const vocab = join(modelsDir, 'clip-model', 'tokenizer', 'vocab.json')
    utimesSync(vocab, new Date(), new Date(Date.now() + 5000))
    await h['studio:prompt:tokens']({ model: 'clip-model', text: 'a dog' })
    expect(counter.loads).toBe(2)
  })

  it('names the model field when the model is unknown, missing or unreadable', async () => {
    const noDefault = promptHandlers(new PromptTokenCounter({ modelsDir }))
    await expect(noDefault['studio:prompt:tokens']({ model: '', text: 'x' })).rejects.toMatchObject({ field: 'model', message: expect.stringContaining('no default model') })
    await expect(noDefault['studio:prompt:tokens']({ model: 'nope', text: 'x' })).rejects.toMatchObject({ field: 'model', message: expect.stringContaining('"nope" was not found') })
    const broken = join(modelsDir, 'broken')
    mkdirSync(join(broken, 'tokenizer'), { recursive: true })
    writeFileSync(join(broken, 'model_index.json'), '{}')
    const err = await noDefault['studio:prompt:tokens']({ model: 'broken', text: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RequestError)
    expect((err as RequestError).message).toMatch(/cannot read the tokenizer.*copy the tokenizer folder/)
  })

  it('validates the payload: text required and no longer than a prompt may be', () => {
    const v = VALIDATORS['studio:prompt:tokens']
    expect(v({ model: 'm', text: 'a cat' })).toEqual({ model: 'm', text: 'a cat' })
    expect(v({ text: 'a cat' })).toEqual({ model: '', text: 'a cat' })
    expect(() => v({ model: 'm' })).toThrow(/text: must be the prompt text/)
    expect(() => v({ model: 3, text: '' })).toThrow(/model: must be a model name/)
    expect(() => v({ text: 'x'.repeat(LIMITS.maxPromptChars + 1) })).toThrow(/text: is 20001 characters long; the limit is 20000/)
    expect(() => v({ text: 'x', extra: 1 })).toThrow(/extra: is not accepted here/)
  })
})
