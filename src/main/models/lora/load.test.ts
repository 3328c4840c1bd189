/**
 * LoRA from the prompt to the sessions: tags parsed and resolved in the LoRA folder, merged sessions
 * cached by (model, files, weights) beside the base ones, weight 0 and removal giving the base session
 * back bit for bit, the budget releasing old merges.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LoraTagError, parseLoraTags, stripLoraTags } from '../../../shared/lora-tags'
import { loadModel } from '../model'
import { SessionCache } from '../onnx/runtime'
import { encodePrompt } from '../text'
import { FIXTURES_DIR } from '../test-fixtures'
import { LoraError } from './lora-file'
import { parseLoraArg, resolveLoras } from './resolve'

const LORA_DIR = join(FIXTURES_DIR, '..', 'lora')
const MODEL = join(FIXTURES_DIR, 'sd1-lora-tiny')
const golden = JSON.parse(readFileSync(join(FIXTURES_DIR, '..', 'golden', 'sd1-lora-tiny.json'), 'utf8')) as {
  sample: number[]
  timestep: number[]
  encoder_hidden_states: number[]
  cases: Record<string, { out_sample: number[]; last_hidden_state: number[] }>
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('prompt tags', () => {
  it('reads <lora:NAME>, <lora:NAME:W> and <lora:NAME:UNET:TE>, and strips them for the tokenizer', () => {
    const p = 'a cat <lora:style:0.8>, <lora:detail> <LYCO:x:1:0.25>'
    expect(parseLoraTags(p).map((t) => [t.name, t.unet, t.te])).toEqual([
      ['style', 0.8, 0.8],
      ['detail', 1, 1],
      ['x', 1, 0.25]
    ])
    expect(stripLoraTags(p)).toBe('a cat ,  ')
    expect(() => parseLoraTags('<lora:style:lots>')).toThrow(LoraTagError)
    expect(() => parseLoraTags('<lora::1>')).toThrow(/has no name/)
  })

  it('--lora FILE[:W[:TE]] arguments', () => {
    expect(parseLoraArg('a/b.safetensors')).toEqual({ path: 'a/b.safetensors', unet: 1, te: 1 })
    expect(parseLoraArg('C:/x/b.safetensors:0.5:-1')).toEqual({ path: 'C:/x/b.safetensors', unet: 0.5, te: -1 })
  })

  it('resolves names in the LoRA folder with A1111 hashes; a missing one is an error unless lenient', () => {
    const r = resolveLoras(parseLoraTags('<lora:style-kohya:0.5> <lora:DETAIL-PEFT>'), { dir: LORA_DIR })
    expect(r.used.map((u) => [u.name, u.hash.length, u.unet])).toEqual([
      ['style-kohya', 12, 0.5],
      ['DETAIL-PEFT', 12, 1]
    ])
    expect(() => resolveLoras(parseLoraTags('<lora:nope:1>'), { dir: LORA_DIR })).toThrow(/no nope\.safetensors in the LoRA folder/)
    expect(() => resolveLoras(parseLoraTags('<lora:nope:1>'), {})).toThrow(/no LoRA folder is set/)
    const lenient = resolveLoras(parseLoraTags('<lora:nope:1> <lora:style-kohya>'), { dir: LORA_DIR, lenient: true })
    expect(lenient.applications).toHaveLength(1)
    expect(lenient.warnings[0]).toMatch(/nope.*running without it/)
  })
})

describe('merged sessions in the session cache', () => {
  const feeds = {
    sample: { data: golden.sample, dims: [2, 4, 8, 8] },
    timestep: { data: golden.timestep, dims: [2] },
    encoder_hidden_states: { data: golden.encoder_hidden_states, dims: [2, 77, 16] }
  }

  it('applies prompt LoRAs, reuses merges, and gives the base session back bit for bit', async () => {
    const cache = new SessionCache()
    const load = (prompt: string) => loadModel(MODEL, { device: 'cpu', threads: 1, cache, loras: resolveLoras(parseLoraTags(prompt), { dir: LORA_DIR }).applications })
    const base = await load('a r')
    const baseOut = (await base.sessions.unet.run(feeds)).out_sample.data
    const styled = await load('a r <lora:style-kohya:1>')
    expect(styled.sessions.unet).not.toBe(base.sessions.unet)
    expect(styled.sessions.vae_decoder).toBe(base.sessions.vae_decoder)
    expect(maxAbsDiff((await styled.sessions.unet.run(feeds)).out_sample.data, golden.cases['style@1'].out_sample)).toBeLessThan(2e-5)
    // The tag is stripped and the text encoder is the merged one.
    const cond = await encodePrompt(styled, 'a r <lora:style-kohya:1>')
    expect(maxAbsDiff(cond.context, golden.cases['style@1'].last_hidden_state)).toBeLessThan(2e-5)
    expect(cache.mergedBytes()).toBeGreaterThan(0)

    const again = await load('a r <lora:style-kohya:1>')
    expect(again.sessions.unet).toBe(styled.sessions.unet)
    const zero = await load('a r <lora:style-kohya:0>')
    expect(zero.sessions.unet).toBe(base.sessions.unet)
    const removed = await load('a r')
    const removedOut = (await removed.sessions.unet.run(feeds)).out_sample.data
    expect(Buffer.from(removedOut.buffer).equals(Buffer.from(baseOut.buffer))).toBe(true)
    await cache.releaseAll()
  })

  it('switching weights re-merges from the originals, and the budget releases old merges', async () => {
    const cache = new SessionCache(1) // one byte: keep only what the current load needs
    const style = resolveLoras(parseLoraTags('<lora:style-kohya>'), { dir: LORA_DIR }).applications[0]
    const at = (w: number) => loadModel(MODEL, { device: 'cpu', threads: 1, cache, loras: [{ ...style, unet: w, te: w }] })
    await at(1)
    const one = cache.mergedBytes()
    const half = await at(0.5)
    expect(cache.mergedBytes()).toBe(one) // the weight-1 merges were released
    expect(maxAbsDiff((await half.sessions.unet.run(feeds)).out_sample.data, golden.cases['style@0.5'].out_sample)).toBeLessThan(2e-5)
    const back = await at(1)
    expect(maxAbsDiff((await back.sessions.unet.run(feeds)).out_sample.data, golden.cases['style@1'].out_sample)).toBeLessThan(2e-5)
    await cache.releaseAll()
  })

  it('a LoRA that matches nothing in the model is an error naming it', async () => {
    const style = resolveLoras(parseLoraTags('<lora:style-kohya>'), { dir: LORA_DIR }).applications[0]
    await expect(loadModel(join(FIXTURES_DIR, 'sd1-tiny'), { device: 'cpu', threads: 1, loras: [style] })).rejects.toThrow(LoraError)
    await expect(loadModel(join(FIXTURES_DIR, 'sd1-tiny'), { device: 'cpu', threads: 1, loras: [style] })).rejects.toThrow(/none of its 11 layers matches a layer of this model/)
  })
})
