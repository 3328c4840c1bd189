/**
 * `npm run -s bench -- lora`: what merging a LoRA at load time costs, on the embedded model's UNet
 * (models/emoji-tiny, or BENCH_MODEL_DIR). A kohya-layout LoRA of rank BENCH_LORA_RANK (default 16) is
 * made for every MatMul/Gemm/Conv weight the graph has (float16 factors, as kohya saves them), then:
 *
 *   loraMB              the LoRA file's size
 *   parseMs             reading and decoding the file
 *   mergeMs             computing ΔW and patching the weight bytes (median of 3)
 *   mergeMsPerLoraMB    mergeMs / loraMB
 *   mergeTotalMs        mergeComponent end to end: read the .onnx (+ data), scan, plan, patch (median of 3)
 *   sessionMs           creating the ORT session from the merged bytes
 *   cacheHeldMB         bytes the session cache accounts for the merged UNet and text encoder
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseLora } from '../src/main/models/lora/lora-file'
import { mergeComponent } from '../src/main/models/lora/merge-component'
import { scanOnnxModel } from '../src/main/models/lora/onnx-scan'
import { flatten, findTargets } from '../src/main/models/lora/targets'
import { loadModel } from '../src/main/models/model'
import { ModelSession, SessionCache } from '../src/main/models/onnx/runtime'
import { encodeSafetensors, f16Bytes } from '../src/main/models/safetensors/write'

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

export async function benchLora(): Promise<unknown> {
  const root = resolve('.')
  const dir = process.env.BENCH_MODEL_DIR ?? join(root, existsSync(join(root, 'models/emoji-tiny')) ? 'models/emoji-tiny' : 'tools/fixtures/models/sd1-lora-tiny')
  const rank = Number(process.env.BENCH_LORA_RANK ?? 16)
  const unetPath = join(dir, 'unet', 'model.onnx')
  const index = findTargets(scanOnnxModel(readFileSync(unetPath)))
  let seed = 1
  const rand = (n: number, s: number): Uint8Array => f16Bytes(Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * s))
  const tensors: Record<string, { dtype: 'F16' | 'F32'; shape: number[]; data: Uint8Array }> = {}
  for (const t of index.targets) {
    const r = Math.min(rank, t.out, t.inFlat)
    const k = `lora_unet_${flatten(t.module)}`
    const downShape = t.op === 'Conv' ? [r, ...t.initializer.dims.slice(1)] : [r, t.inFlat]
    tensors[`${k}.lora_down.weight`] = { dtype: 'F16', shape: downShape, data: rand(r * t.inFlat, 0.1) }
    tensors[`${k}.lora_up.weight`] = { dtype: 'F16', shape: t.op === 'Conv' ? [t.out, r, 1, 1] : [t.out, r], data: rand(t.out * r, 0.1) }
    tensors[`${k}.alpha`] = { dtype: 'F32', shape: [], data: new Uint8Array(new Float32Array([r / 2]).buffer) }
  }
  const bytes = encodeSafetensors(tensors)
  const loraMB = bytes.byteLength / 2 ** 20
  let t = performance.now()
  const file = parseLora('bench.safetensors', bytes)
  const parseMs = performance.now() - t
  const apps = [{ file, unet: 0.8, te: 0.8 }]
  const merges: number[] = []
  const totals: number[] = []
  let last
  for (let i = 0; i < 3; i++) {
    t = performance.now()
    last = mergeComponent(unetPath, 'unet', apps)
    totals.push(performance.now() - t)
    merges.push(last.mergeMs)
  }
  t = performance.now()
  const s = await ModelSession.open('unet', unetPath, { device: 'cpu' }, last!.merged)
  const sessionMs = performance.now() - t
  await s.release()
  const cache = new SessionCache()
  await loadModel(dir, { device: 'cpu', cache, loras: apps })
  const cacheHeldMB = cache.mergedBytes() / 2 ** 20
  await cache.releaseAll()
  const mergeMs = median(merges)
  return {
    model: dir,
    unetTargets: index.targets.length,
    layersMerged: last!.plan.report[0].matched,
    rank,
    loraMB: +loraMB.toFixed(2),
    parseMs: +parseMs.toFixed(1),
    mergeMs: +mergeMs.toFixed(1),
    mergeMsPerLoraMB: +(mergeMs / loraMB).toFixed(1),
    mergeTotalMs: +median(totals).toFixed(1),
    sessionMs: +sessionMs.toFixed(1),
    cacheHeldMB: +cacheHeldMB.toFixed(1)
  }
}
