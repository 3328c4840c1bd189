/**
 * Merging LoRA layers into a copy of an ONNX component's weight bytes:
 *
 *   W' = W + Σ_files weight · (alpha / rank) · up · down        (transposed where the graph stores Wᵀ)
 *
 * always from the original bytes (a new merge re-reads the files; nothing is merged on top of a merge),
 * computed in float64 and rounded once into the weight's own dtype (float32, float16, bfloat16, float64).
 * A term whose weight is 0 is left out, so weight 0 is the base model bit for bit.
 */
import { decodeFloats, type SafetensorsDtype } from '../safetensors/safetensors'
import { bf16Bytes, f16Bytes } from '../safetensors/write'
import type { LoraComponent, LoraFile, LoraLayer } from './lora-file'
import { LoraError } from './lora-file'
import { ONNX_BFLOAT16, ONNX_DOUBLE, ONNX_FLOAT, ONNX_FLOAT16 } from './onnx-scan'
import { flatten, type TargetIndex, type WeightTarget } from './targets'

/** One LoRA file with its weights, as a prompt tag `<lora:NAME:unet:te>` gives them. */
export interface LoraApplication {
  readonly file: LoraFile
  /** Multiplier on UNet layers. */
  readonly unet: number
  /** Multiplier on text-encoder layers. */
  readonly te: number
}

export interface MergeTerm {
  readonly layer: LoraLayer
  /** weight × alpha / rank. */
  readonly scale: number
}

export interface ComponentPlan {
  readonly component: LoraComponent
  readonly patches: ReadonlyMap<string, { readonly target: WeightTarget; readonly terms: readonly MergeTerm[] }>
  /** Per file: layers merged and layers with no counterpart in this graph. */
  readonly report: readonly { readonly file: string; readonly matched: number; readonly unmatched: readonly string[] }[]
}

export function findTarget(index: TargetIndex, layer: LoraLayer): WeightTarget | undefined {
  if (layer.flat) return index.byFlat.get(layer.module)
  return index.byPath.get(layer.module) ?? index.byFlat.get(flatten(layer.module))
}

/**
 * Which initializer each layer of each file patches in one component. Throws LoraError at the first layer
 * whose shape does not fit its target (a LoRA for another architecture), naming the key and both shapes.
 */
export function planComponent(component: LoraComponent, index: TargetIndex, apps: readonly LoraApplication[]): ComponentPlan {
  const patches = new Map<string, { target: WeightTarget; terms: MergeTerm[] }>()
  const report: { file: string; matched: number; unmatched: string[] }[] = []
  for (const app of apps) {
    const weight = component === 'unet' ? app.unet : app.te
    if (!Number.isFinite(weight)) throw new LoraError(app.file.path, `weight ${weight} is not a finite number`)
    let matched = 0
    const unmatched: string[] = []
    for (const layer of app.file.layers) {
      if (layer.component !== component) continue
      const target = findTarget(index, layer)
      if (!target) {
        unmatched.push(layer.key)
        continue
      }
      const out = layer.upShape[0]
      const inFlat = layer.downShape.slice(1).reduce((a, b) => a * b, 1)
      if (out !== target.out || inFlat !== target.inFlat) {
        const stored = target.layout === 'in-out' ? `[${target.initializer.dims.join(', ')}] (stored transposed, so [${target.out}, ${target.inFlat}])` : `[${target.initializer.dims.join(', ')}]`
        throw new LoraError(
          app.file.path,
          `layer "${layer.key}" is [${out}, ${layer.downShape.slice(1).join(', ')}] (up ${JSON.stringify(layer.upShape)}, down ${JSON.stringify(layer.downShape)}) but the model's ${target.module} weight is ${stored}`,
          'this LoRA was made for another model architecture (SD 1.x / 2.x / SDXL); use one trained for this base model'
        )
      }
      matched++
      if (weight === 0) continue
      const p = patches.get(target.initializer.name) ?? { target, terms: [] }
      p.terms.push({ layer, scale: weight * layer.scale })
      patches.set(target.initializer.name, p)
    }
    report.push({ file: app.file.path, matched, unmatched })
  }
  return { component, patches, report }
}

/** ΔW in the target's stored layout, float64. Loops run along contiguous memory in both layouts. */
export function deltaWeight(target: WeightTarget, terms: readonly MergeTerm[]): Float64Array {
  const { out, inFlat } = target
  const delta = new Float64Array(out * inFlat)
  for (const { layer, scale } of terms) {
    const r = layer.rank
    const { up, down } = layer
    if (target.layout === 'out-in') {
      for (let o = 0; o < out; o++) {
        const off = o * inFlat
        for (let k = 0; k < r; k++) {
          const a = scale * up[o * r + k]
          if (a === 0) continue
          const base = k * inFlat
          for (let i = 0; i < inFlat; i++) delta[off + i] += a * down[base + i]
        }
      }
    } else {
      // Wᵀ: row i of the stored weight is column i of ΔW.
      const upT = new Float64Array(r * out)
      for (let o = 0; o < out; o++) for (let k = 0; k < r; k++) upT[k * out + o] = scale * up[o * r + k]
      for (let i = 0; i < inFlat; i++) {
        const off = i * out
        for (let k = 0; k < r; k++) {
          const d = down[k * inFlat + i]
          if (d === 0) continue
          const base = k * out
          for (let o = 0; o < out; o++) delta[off + o] += d * upT[base + o]
        }
      }
    }
  }
  return delta
}

const DTYPE_OF: Record<number, SafetensorsDtype> = { [ONNX_FLOAT]: 'F32', [ONNX_FLOAT16]: 'F16', [ONNX_BFLOAT16]: 'BF16', [ONNX_DOUBLE]: 'F64' }

/** Adds ΔW to the weight bytes in place (bytes is already a private copy). */
export function addInPlace(bytes: Uint8Array, dataType: number, delta: Float64Array, what: string): void {
  const dtype = DTYPE_OF[dataType]
  const size = bytes.byteLength / (dtype === 'F64' ? 8 : dtype === 'F32' ? 4 : 2)
  if (size !== delta.length) throw new Error(`${what}: ${size} stored values, ΔW has ${delta.length}`)
  const w = decodeFloats(bytes, dtype, what)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < size; i++) dv.setFloat32(i * 4, w[i] + delta[i], true)
      return
    case 'F64':
      // decodeFloats gave float32; re-read exactly.
      for (let i = 0; i < size; i++) dv.setFloat64(i * 8, dv.getFloat64(i * 8, true) + delta[i], true)
      return
    case 'F16':
    case 'BF16': {
      const sum = new Float32Array(size)
      for (let i = 0; i < size; i++) sum[i] = w[i] + delta[i]
      bytes.set(dtype === 'F16' ? f16Bytes(sum) : bf16Bytes(sum))
      return
    }
  }
}
