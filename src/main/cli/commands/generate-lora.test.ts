/** `studio generate` with LoRA: --lora FILE:W, <lora:NAME:W> tags found through --loras, infotext hashes. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { infotextToParams } from '../../formats/infotext'
import { FIXTURES_DIR, cleanScratch, scratchDir } from '../../models/test-fixtures'
import { readTextChunks } from '../../png/chunks'
import { main } from '../studio'

afterAll(cleanScratch)
process.env.SIGMA_STUDIO_LIBRARY = scratchDir()
const MODEL = join(FIXTURES_DIR, 'sd1-lora-tiny')
const LORAS = join(FIXTURES_DIR, '..', 'lora')

async function studio(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out, err }
}

const infotextOf = (png: string): string => readTextChunks(readFileSync(png)).find((t) => t.keyword === 'parameters')!.text

describe('studio generate --lora / --loras', () => {
  it('merges the tag and the flag, changes the image, and writes and reads back "Lora hashes"', async () => {
    const dir = scratchDir()
    const base = join(dir, 'base.png')
    const styled = join(dir, 'styled.png')
    const common = ['--model', MODEL, '--steps', '2', '--seed', '5', '--no-library']
    expect((await studio('generate', ...common, '--prompt', 'a r', '--out', base)).code).toBe(0)
    const r = await studio('generate', ...common, '--prompt', 'a r <lora:style-kohya:0.8>', '--loras', LORAS, '--lora', join(LORAS, 'detail-peft.safetensors') + ':0.5', '--out', styled)
    expect(r.code, r.err.join('\n')).toBe(0)
    expect(readFileSync(styled).equals(readFileSync(base))).toBe(false)
    const text = infotextOf(styled)
    expect(text.startsWith('a r <lora:style-kohya:0.8>')).toBe(true)
    expect(text).toMatch(/Lora hashes: "detail-peft: [0-9a-f]{12}, style-kohya: [0-9a-f]{12}"/)
    const back = infotextToParams(text)
    expect(back.networks?.loras?.map((l) => l.name)).toEqual(['detail-peft', 'style-kohya'])
    expect(infotextOf(base)).not.toMatch(/Lora hashes/)
  })

  it('a missing LoRA is a one-line error unless --lenient-loras', async () => {
    const dir = scratchDir()
    const common = ['--model', MODEL, '--steps', '1', '--no-library', '--loras', LORAS]
    const r = await studio('generate', ...common, '--prompt', 'a <lora:nope:1>', '--out', join(dir, 'x.png'))
    expect(r.code).not.toBe(0)
    expect(r.err.join('\n')).toMatch(/no nope\.safetensors in the LoRA folder/)
    const ok = await studio('generate', ...common, '--lenient-loras', '--prompt', 'a <lora:nope:1>', '--out', join(dir, 'y.png'))
    expect(ok.code).toBe(0)
    expect(ok.err.join('\n')).toMatch(/warning: .*nope.*running without it/)
  })

  it('--embeddings: a name in the prompt uses the embedding, changes the image and writes "TI hashes"', async () => {
    const dir = scratchDir()
    const common = ['--model', MODEL, '--steps', '2', '--seed', '5', '--no-library']
    const base = join(dir, 'base.png')
    const emb = join(dir, 'emb.png')
    expect((await studio('generate', ...common, '--prompt', 'a', '--out', base)).code).toBe(0)
    const r = await studio('generate', ...common, '--prompt', 'a', '--negative', 'tinyemb', '--embeddings', LORAS, '--out', emb)
    expect(r.code, r.err.join('\n')).toBe(0)
    expect(readFileSync(emb).equals(readFileSync(base))).toBe(false)
    const text = infotextOf(emb)
    expect(text).toMatch(/TI hashes: "tinyemb: [0-9a-f]{10}"/)
    expect(infotextToParams(text).networks?.embeddings?.map((e) => e.name)).toEqual(['tinyemb'])
    const missing = await studio('generate', ...common, '--prompt', 'a', '--embeddings', join(dir, 'nope'), '--out', join(dir, 'z.png'))
    expect(missing.code).not.toBe(0)
    expect(missing.err.join('\n')).toMatch(/--embeddings: .*nope does not exist/)
  })
})
