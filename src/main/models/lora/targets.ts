/**
 * Where a LoRA layer lands in an ONNX graph. Every MatMul, Gemm and Conv whose weight input is an
 * initializer (directly, or through Cast / Identity / a 2-D Transpose, as float16 converters and some
 * exporters write it) is a target, named after the module that produced it:
 *
 * - by the exporter's node name: torch/Optimum name nodes after the module path, so
 *   `/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul` is module
 *   `down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q` even though its weight is the anonymous,
 *   transposed `onnx::MatMul_123`;
 * - by the initializer's own name when it is a named `….weight` (Conv and Gemm weights in Optimum
 *   exports, every weight of a checkpoint imported with LDM names).
 *
 * Each name is also registered without a wrapper prefix (`unet.`, `model.diffusion_model.`, `text_model.`
 * kept) and flattened (dots → underscores) for kohya keys, and with its LDM/diffusers counterpart
 * (ldm-names.ts) so a LoRA in either naming finds a model in either naming.
 */
import type { OnnxGraphScan, OnnxInitializer, OnnxNode } from './onnx-scan'
import { ONNX_BFLOAT16, ONNX_DOUBLE, ONNX_FLOAT, ONNX_FLOAT16 } from './onnx-scan'

/** 'out-in': stored as PyTorch stores it ([out, in, kh, kw] or Gemm transB=1); 'in-out': Wᵀ (MatMul). */
export type WeightLayout = 'out-in' | 'in-out'

export interface WeightTarget {
  /** Module path derived from the node name (or the initializer name). */
  readonly module: string
  readonly op: string
  readonly initializer: OnnxInitializer
  readonly layout: WeightLayout
  readonly out: number
  /** Product of the input dims (in × kh × kw for a convolution). */
  readonly inFlat: number
}

export interface TargetIndex {
  readonly targets: readonly WeightTarget[]
  /** Any alias (dotted) → target. */
  readonly byPath: ReadonlyMap<string, WeightTarget>
  /** Any alias flattened (kohya) → target. */
  readonly byFlat: ReadonlyMap<string, WeightTarget>
}

const FLOAT_TYPES = new Set([ONNX_FLOAT, ONNX_FLOAT16, ONNX_BFLOAT16, ONNX_DOUBLE])

/** Wrapper prefixes exports and checkpoints put in front of module paths. */
const STRIP_PREFIXES = ['model.diffusion_model.', 'diffusion_model.', 'unet.', 'cond_stage_model.transformer.', 'conditioner.embedders.0.transformer.', 'transformer.', 'model.', 'te.']

export function flatten(path: string): string {
  return path.replace(/[./]/g, '_')
}

/** `/a/b.0/c/MatMul` → `a.b.0.c`; '' when the name carries no module path. */
export function moduleFromNodeName(name: string): string {
  const parts = name.split('/').filter((p) => p !== '')
  if (parts.length < 2) return ''
  return parts.slice(0, -1).join('.')
}

function aliases(paths: readonly string[], extra: (p: string) => readonly string[]): string[] {
  const out = new Set<string>()
  const add = (p: string): void => {
    if (!p || out.has(p)) return
    out.add(p)
    for (const pre of STRIP_PREFIXES) if (p.startsWith(pre)) add(p.slice(pre.length))
    for (const e of extra(p)) add(e)
  }
  for (const p of paths) add(p)
  return [...out]
}

/**
 * Finds every weight target of a scanned graph. `extraAliases` adds names for a path (the LDM ↔ diffusers
 * table for UNets); it must be cheap.
 */
export function findTargets(scan: OnnxGraphScan, extraAliases: (path: string) => readonly string[] = () => []): TargetIndex {
  const producer = new Map<string, OnnxNode>()
  for (const n of scan.nodes) for (const o of n.outputs) producer.set(o, n)
  const targets: WeightTarget[] = []
  const byPath = new Map<string, WeightTarget>()
  const byFlat = new Map<string, WeightTarget>()
  const seen = new Set<string>()
  for (const node of scan.nodes) {
    if (node.opType !== 'MatMul' && node.opType !== 'Gemm' && node.opType !== 'Conv') continue
    if (node.inputs.length < 2) continue
    let layout: WeightLayout = node.opType === 'Conv' || (node.opType === 'Gemm' && node.ints.transB === 1) ? 'out-in' : 'in-out'
    if (node.opType === 'Gemm' && node.ints.transA === 1) continue
    let name = node.inputs[1]
    let init = scan.initializers.get(name)
    for (let hops = 0; !init && hops < 4; hops++) {
      const p = producer.get(name)
      if (!p) break
      if (p.opType === 'Cast' || p.opType === 'Identity') name = p.inputs[0]
      else if (p.opType === 'Transpose' && (p.intLists.perm === undefined || p.intLists.perm.join() === '1,0')) {
        layout = layout === 'out-in' ? 'in-out' : 'out-in'
        name = p.inputs[0]
      } else break
      init = scan.initializers.get(name)
    }
    if (!init || !FLOAT_TYPES.has(init.dataType) || seen.has(init.name)) continue
    const dims = init.dims
    if (layout === 'in-out' && dims.length !== 2) continue
    if (dims.length < 2) continue
    seen.add(init.name)
    const out = layout === 'out-in' ? dims[0] : dims[1]
    const inFlat = layout === 'out-in' ? dims.slice(1).reduce((a, b) => a * b, 1) : dims[0]
    const fromNode = moduleFromNodeName(node.name)
    const fromInit = init.name.endsWith('.weight') ? init.name.slice(0, -'.weight'.length) : ''
    const module = fromNode || fromInit || init.name
    const t: WeightTarget = { module, op: node.opType, initializer: init, layout, out, inFlat }
    targets.push(t)
    for (const a of aliases([fromNode, fromInit], extraAliases)) {
      if (!byPath.has(a)) byPath.set(a, t)
      const f = flatten(a)
      if (!byFlat.has(f)) byFlat.set(f, t)
    }
  }
  return { targets, byPath, byFlat }
}
