/**
 * LoRA on a checkpoint imported by `studio models import` (issue 15): its graphs keep the checkpoint's LDM
 * key names on the initializers and read the weights from the hard-linked checkpoint as external data.
 * An ordinary kohya file (diffusers module names, as kohya writes them for SD1) must find those weights
 * through the LDM aliases, merge as W + scale·up·down computed here independently, and change the output.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { importCheckpoint } from '../checkpoint/import'
import { CKPT_FIXTURES, TINY_TEMPLATES } from '../checkpoint/test-fixtures'
import { loadModel } from '../model'
import { decodeFloats, readSafetensorsHeader, readTensorFloat32 } from '../safetensors/safetensors'
import { encodeSafetensors, f32Bytes } from '../safetensors/write'
import { cleanScratch, scratchDir } from '../test-fixtures'
import { encodePrompt } from '../text'
import { parseLora } from './lora-file'
import { mergeComponent } from './merge-component'
import { scanOnnxModel } from './onnx-scan'

afterAll(cleanScratch)

const SD1 = join(CKPT_FIXTURES, 'sd1-tiny.safetensors')

function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n)
  let s = seed
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31
    out[i] = (s / 2 ** 31 - 0.5) * 0.4
  }
  return out
}

describe('LoRA on an imported checkpoint', () => {
  it('kohya keys reach the LDM-named weights of the UNet and text encoder; merged = W + ΔW; the output changes', async () => {
    const { dir } = await importCheckpoint({ file: SD1, modelsDir: scratchDir(), templatesDir: TINY_TEMPLATES })
    const rank = 2
    const layers = [
      { key: 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q', ldm: 'model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight', out: 16, in: 16 },
      { key: 'lora_te_text_model_encoder_layers_0_self_attn_q_proj', ldm: 'cond_stage_model.transformer.text_model.encoder.layers.0.self_attn.q_proj.weight', out: 32, in: 32 }
    ]
    const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Uint8Array }> = {}
    const factors = layers.map((l, i) => ({ down: rand(rank * l.in, 7 + i), up: rand(l.out * rank, 70 + i) }))
    layers.forEach((l, i) => {
      tensors[`${l.key}.lora_down.weight`] = { dtype: 'F32', shape: [rank, l.in], data: f32Bytes(factors[i].down) }
      tensors[`${l.key}.lora_up.weight`] = { dtype: 'F32', shape: [l.out, rank], data: f32Bytes(factors[i].up) }
      tensors[`${l.key}.alpha`] = { dtype: 'F32', shape: [], data: f32Bytes([1]) }
    })
    const path = join(scratchDir(), 'ckpt-lora.safetensors')
    const file = parseLora(path, encodeSafetensors(tensors))
    const weight = 0.75
    const header = readSafetensorsHeader(SD1)
    for (const [i, l] of layers.entries()) {
      const component = i === 0 ? 'unet' : 'text_encoder'
      const onnx = join(dir, component, 'model.onnx')
      const r = mergeComponent(onnx, component, [{ file, unet: weight, te: weight }])
      expect(r.plan.report[0]).toMatchObject({ matched: 1, unmatched: [] })
      const init = scanOnnxModel(r.merged!.bytes, onnx).initializers.get(l.ldm)!
      expect(init.external, 'the imported graph reads this weight from the checkpoint').toBeDefined()
      const data = r.merged!.externalData.find((f) => f.path === init.external!.location)!.data
      const got = decodeFloats(data.subarray(init.external!.offset, init.external!.offset + init.external!.length), header.tensors.get(l.ldm)!.dtype)
      const w = readTensorFloat32(header, l.ldm)
      const { down, up } = factors[i]
      let worst = 0
      for (let o = 0; o < l.out; o++) {
        for (let k = 0; k < l.in; k++) {
          let d = 0
          for (let q = 0; q < rank; q++) d += up[o * rank + q] * down[q * l.in + k]
          worst = Math.max(worst, Math.abs(got[o * l.in + k] - (w[o * l.in + k] + weight * (1 / rank) * d)))
        }
      }
      expect(worst).toBeLessThan(1e-6)
    }
    // The checkpoint itself is never written to.
    expect(readFileSync(SD1).equals(readFileSync(join(dir, 'unet', 'weights.safetensors')))).toBe(true)
    const base = await loadModel(dir, { device: 'cpu', threads: 1 })
    const styled = await loadModel(dir, { device: 'cpu', threads: 1, loras: [{ file, unet: weight, te: weight }] })
    const a = (await encodePrompt(base, 'a')).context
    const b = (await encodePrompt(styled, 'a')).context
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(false)
  })
})
