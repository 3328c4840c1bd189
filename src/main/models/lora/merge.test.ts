/**
 * LoRA merging against the PyTorch golden run of tools/fixtures/make_lora_fixture.py: a tiny SD1 model
 * whose ONNX node names are the diffusers/Optimum ones, LoRA files in the kohya (float16, alpha) and PEFT
 * (LoCon 3×3 convs, no alpha) layouts, and outputs computed in PyTorch with the LoRA branches applied
 * unmerged, as PEFT runs them.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ModelSession } from '../onnx/runtime'
import { decodeFloats } from '../safetensors/safetensors'
import { encodeSafetensors, f32Bytes } from '../safetensors/write'
import { FIXTURES_DIR } from '../test-fixtures'
import { LoraError, parseLora } from './lora-file'
import { type LoraApplication, deltaWeight, planComponent } from './merge'
import { mergeComponent } from './merge-component'
import { scanOnnxModel } from './onnx-scan'
import { findTargets } from './targets'
import { ldmAliases } from './ldm-names'

const FIX = join(FIXTURES_DIR, '..')
const model = (name: string, c: string): string => join(FIXTURES_DIR, name, c, 'model.onnx')
const lora = (file: string) => parseLora(join(FIX, 'lora', file), readFileSync(join(FIX, 'lora', file)))

interface Golden {
  sample: number[]
  timestep: number[]
  encoder_hidden_states: number[]
  input_ids: number[]
  cases: Record<string, { out_sample: number[]; last_hidden_state: number[] }>
}
const golden = JSON.parse(readFileSync(join(FIX, 'golden', 'sd1-lora-tiny.json'), 'utf8')) as Golden

async function runUnet(name: string, apps: readonly LoraApplication[]): Promise<Float32Array> {
  const path = model(name, 'unet')
  const { merged } = mergeComponent(path, 'unet', apps)
  const s = await ModelSession.open('unet', path, { device: 'cpu', threads: 1 }, merged)
  try {
    const out = await s.run({
      sample: { data: golden.sample, dims: [2, 4, 8, 8] },
      timestep: { data: golden.timestep, dims: [2] },
      encoder_hidden_states: { data: golden.encoder_hidden_states, dims: [2, 77, 16] }
    })
    return out.out_sample.data
  } finally {
    await s.release()
  }
}

async function runText(name: string, apps: readonly LoraApplication[]): Promise<Float32Array> {
  const path = model(name, 'text_encoder')
  const { merged } = mergeComponent(path, 'text_encoder', apps)
  const s = await ModelSession.open('text_encoder', path, { device: 'cpu', threads: 1 }, merged)
  try {
    return (await s.run({ input_ids: { data: golden.input_ids, dims: [1, 77] } }, ['last_hidden_state'])).last_hidden_state.data
  } finally {
    await s.release()
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('LoRA files', () => {
  it('reads the kohya layout: flat names, float16 factors, alpha / rank', () => {
    const f = lora('style-kohya.safetensors')
    expect(f.name).toBe('style-kohya')
    expect(f.layers.filter((l) => l.component === 'unet')).toHaveLength(9)
    expect(f.layers.filter((l) => l.component === 'text_encoder')).toHaveLength(2)
    expect(f.unsupported).toEqual([])
    for (const l of f.layers) {
      expect(l.flat).toBe(true)
      expect(l.rank).toBe(4)
      expect(l.scale).toBe(0.5)
    }
    expect(f.metadata.ss_network_dim).toBe('4')
  })

  it('reads the PEFT layout: dotted names, lora_A/lora_B, LoCon convolutions, scale 1 without alpha', () => {
    const f = lora('detail-peft.safetensors')
    expect(f.layers).toHaveLength(6)
    const conv = f.layers.find((l) => l.module === 'conv_in')!
    expect(conv.downShape).toEqual([2, 4, 3, 3])
    expect(conv.upShape).toEqual([8, 2, 1, 1])
    expect(f.layers.every((l) => l.scale === 1 && !l.flat)).toBe(true)
  })

  it('counts and names keys no layout claims, and refuses a file with no LoRA layer', () => {
    const t = (shape: number[]) => ({ dtype: 'F32' as const, shape, data: f32Bytes(new Array(shape.reduce((a, b) => a * b, 1)).fill(0.1)) })
    const bytes = encodeSafetensors({
      'lora_unet_conv_in.lora_down.weight': t([2, 4, 3, 3]),
      'lora_unet_conv_in.lora_up.weight': t([8, 2, 1, 1]),
      'lora_unet_conv_out.hada_w1_a': t([4, 2]),
      'lora_unet_conv_out.alpha': t([])
    })
    const f = parseLora('x.safetensors', bytes)
    expect(f.layers).toHaveLength(1)
    expect([...f.unsupported].sort()).toEqual(['lora_unet_conv_out.alpha', 'lora_unet_conv_out.hada_w1_a'])
    expect(() => parseLora('y.safetensors', encodeSafetensors({ 'model.diffusion_model.out.2.weight': t([4, 8]) }))).toThrow(/none of its 1 tensors is a LoRA layer/)
    expect(() => parseLora('z.safetensors', Buffer.from('PK\u0003\u0004 not a safetensors file at all'))).toThrow(LoraError)
  })
})

describe('ONNX graph targets', () => {
  it('finds MatMul weights behind anonymous transposed initializers, Gemm and Conv weights, inline and external', () => {
    const scan = scanOnnxModel(readFileSync(model('sd1-lora-tiny', 'unet')))
    const index = findTargets(scan, ldmAliases)
    const q = index.byPath.get('down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q')!
    expect(q.op).toBe('MatMul')
    expect(q.initializer.name).toMatch(/^onnx::MatMul_\d+$/)
    expect(q.layout).toBe('in-out')
    expect(q.initializer.external?.location).toBe('model.onnx_data')
    const gemm = index.byFlat.get('down_blocks_0_resnets_0_time_emb_proj')!
    expect([gemm.op, gemm.layout]).toEqual(['Gemm', 'out-in'])
    const conv = index.byPath.get('conv_in')!
    expect([conv.op, conv.out, conv.inFlat]).toEqual(['Conv', 8, 36])
    // LDM alias of a diffusers name
    expect(index.byPath.get('input_blocks.0.0')).toBe(conv)
  })

  it('follows a Cast from float16 initializers stored inside the .onnx', () => {
    const index = findTargets(scanOnnxModel(readFileSync(model('sd1-lora-fp16w-tiny', 'text_encoder'))))
    const q = index.byPath.get('text_model.encoder.layers.0.self_attn.q_proj')!
    expect(q.initializer.dataType).toBe(10)
    expect(q.initializer.inline).toBeDefined()
  })
})

describe('merging into the weights', () => {
  it('patches W + weight·(alpha/rank)·up·down, transposed for MatMul, equal to an independent computation', () => {
    const f = lora('style-kohya.safetensors')
    const path = model('sd1-lora-tiny', 'unet')
    const { merged } = mergeComponent(path, 'unet', [{ file: f, unet: 0.8, te: 1 }])
    const target = findTargets(scanOnnxModel(readFileSync(path))).byPath.get('down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q')!
    const ext = target.initializer.external!
    const original = decodeFloats(readFileSync(join(path, '..', ext.location)).subarray(ext.offset, ext.offset + ext.length), 'F32')
    const patched = decodeFloats(merged!.externalData[0].data.subarray(ext.offset, ext.offset + ext.length), 'F32')
    const layer = f.layers.find((l) => l.module === 'down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q')!
    const [inDim, outDim] = target.initializer.dims
    for (let i = 0; i < inDim; i++) {
      for (let o = 0; o < outDim; o++) {
        let d = 0
        for (let r = 0; r < 4; r++) d += layer.up[o * 4 + r] * layer.down[r * inDim + i]
        expect(patched[i * outDim + o]).toBeCloseTo(original[i * outDim + o] + 0.8 * (2 / 4) * d, 6)
      }
    }
  })

  it('weight 0 leaves every byte as it was and gives the base output exactly', async () => {
    const f = lora('style-kohya.safetensors')
    const r = mergeComponent(model('sd1-lora-tiny', 'unet'), 'unet', [{ file: f, unet: 0, te: 0 }])
    expect(r.merged).toBeUndefined()
    expect(r.plan.report[0].matched).toBe(9)
    // Forced through the arithmetic: ΔW = 0·… added to every weight leaves the bytes identical.
    const index = findTargets(scanOnnxModel(readFileSync(model('sd1-lora-tiny', 'unet'))))
    const plan = planComponent('unet', index, [{ file: f, unet: 1, te: 1 }])
    for (const { target, terms } of plan.patches.values()) {
      const zero = deltaWeight(target, terms.map((t) => ({ ...t, scale: 0 })))
      expect(zero.every((v) => v === 0)).toBe(true)
    }
    const base = await runUnet('sd1-lora-tiny', [])
    const zeroed = await runUnet('sd1-lora-tiny', [{ file: f, unet: 0, te: 0 }])
    expect(Buffer.from(zeroed.buffer).equals(Buffer.from(base.buffer))).toBe(true)
  })

  it('LDM-named keys (kohya SDXL flat names, ComfyUI diffusion_model.…) land on the diffusers-named graph', () => {
    const t = (shape: number[]) => ({ dtype: 'F32' as const, shape, data: f32Bytes(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i))) })
    const path = model('sd1-lora-tiny', 'unet')
    for (const stem of ['lora_unet_input_blocks_0_0', 'diffusion_model.input_blocks.0.0']) {
      const f = parseLora('ldm.safetensors', encodeSafetensors({ [stem + '.lora_down.weight']: t([2, 4, 3, 3]), [stem + '.lora_up.weight']: t([8, 2, 1, 1]) }))
      const r = mergeComponent(path, 'unet', [{ file: f, unet: 1, te: 1 }])
      expect(r.plan.report[0]).toMatchObject({ matched: 1, unmatched: [] })
      expect([...r.plan.patches.values()][0].target.module).toBe('conv_in')
    }
  })

  it('refuses a LoRA whose shapes do not fit, naming the layer and both shapes', () => {
    const t = (shape: number[]) => ({ dtype: 'F32' as const, shape, data: f32Bytes(new Array(shape.reduce((a, b) => a * b, 1)).fill(0.1)) })
    const wrong = parseLora(
      'sdxl-lora.safetensors',
      encodeSafetensors({
        'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight': t([4, 640]),
        'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_up.weight': t([640, 4])
      })
    )
    expect(() => mergeComponent(model('sd1-lora-tiny', 'unet'), 'unet', [{ file: wrong, unet: 1, te: 1 }])).toThrow(
      /layer "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q" is \[640, 640\].*\[8, 8\].*another model architecture/
    )
    const style = lora('style-kohya.safetensors')
    expect(() => mergeComponent(model('sd1-lora-tiny', 'unet'), 'unet', [{ file: style, unet: Number.NaN, te: 1 }])).toThrow(/weight NaN is not a finite number/)
  })
})

describe('the PyTorch golden run with LoRA branches applied as PEFT does', () => {
  const style = lora('style-kohya.safetensors')
  const detail = lora('detail-peft.safetensors')
  const cases: [string, LoraApplication[]][] = [
    ['base', []],
    ['style@1', [{ file: style, unet: 1, te: 1 }]],
    ['style@0.5', [{ file: style, unet: 0.5, te: 0.5 }]],
    ['style@0.8:unet0.8:te0.3', [{ file: style, unet: 0.8, te: 0.3 }]],
    ['detail@1', [{ file: detail, unet: 1, te: 1 }]],
    [
      'style@0.7+detail@-0.6',
      [
        { file: style, unet: 0.7, te: 0.7 },
        { file: detail, unet: -0.6, te: -0.6 }
      ]
    ]
  ]
  for (const [name, apps] of cases) {
    it(`${name}: UNet and text encoder match`, async () => {
      const g = golden.cases[name]
      expect(maxAbsDiff(await runUnet('sd1-lora-tiny', apps), g.out_sample)).toBeLessThan(2e-5)
      expect(maxAbsDiff(await runText('sd1-lora-tiny', apps), g.last_hidden_state)).toBeLessThan(2e-5)
    })
  }

  it('the LoRA moves the output far more than the tolerance (the comparison can fail)', () => {
    expect(maxAbsDiff(golden.cases['style@1'].out_sample, golden.cases.base.out_sample)).toBeGreaterThan(1e-2)
    expect(maxAbsDiff(golden.cases['detail@1'].last_hidden_state, golden.cases.base.last_hidden_state)).toBeGreaterThan(1e-2)
  })

  it('float16 weights behind Casts: the merged change matches the golden change', async () => {
    const apps = cases[5][1]
    const base = await runUnet('sd1-lora-fp16w-tiny', [])
    const merged = await runUnet('sd1-lora-fp16w-tiny', apps)
    const want = golden.cases['style@0.7+detail@-0.6'].out_sample.map((v, i) => v - golden.cases.base.out_sample[i])
    expect(maxAbsDiff(Array.from(merged, (v, i) => v - base[i]), want)).toBeLessThan(5e-3)
    const teBase = await runText('sd1-lora-fp16w-tiny', [])
    const teMerged = await runText('sd1-lora-fp16w-tiny', apps)
    const teWant = golden.cases['style@0.7+detail@-0.6'].last_hidden_state.map((v, i) => v - golden.cases.base.last_hidden_state[i])
    expect(maxAbsDiff(Array.from(teMerged, (v, i) => v - teBase[i]), teWant)).toBeLessThan(2e-2)
  })
})
