/**
 * Reads LoRA `.safetensors` files in the layouts people use and turns each into a list of layers:
 * which model component and module a pair of low-rank factors belongs to, the factors themselves, and
 * the alpha that scales them. Layouts:
 *
 * - kohya / A1111: `lora_unet_<flat module>.lora_down.weight`, `.lora_up.weight`, `.alpha`; text encoder
 *   `lora_te_…` (SD1/2), `lora_te1_…` / `lora_te2_…` (SDXL). The module name has its dots turned into
 *   underscores, so it is matched against the model's modules flattened the same way (as A1111 does).
 * - diffusers / PEFT: `unet.<module>.lora_A.weight` / `lora_B.weight` (no alpha: scale 1, or `.alpha`),
 *   `text_encoder.…`, `text_encoder_2.…`; the older diffusers forms `<module>.lora.down.weight`,
 *   `<module>.lora_linear_layer.down.weight` and attention processors `attn1.processor.to_q_lora.down.weight`.
 * - LDM-named (`diffusion_model.input_blocks…`, `lora_unet_input_blocks_…`) as ComfyUI maps them: kept with
 *   their names; the model side offers LDM aliases where it knows them (ldm-names.ts).
 * - LoCon conv layers (down [r, in, kh, kw], up [out, r, 1, 1]) merge as plain LoRA.
 *
 * LoHa, LoKr, Tucker (`lora_mid`), DoRA and full-diff layers are not merged: their keys are listed as
 * unsupported, like every key no layout claims, so nothing is dropped silently.
 */
import { basename, extname } from 'node:path'
import { type SafetensorsHeader, SafetensorsError, decodeFloats, parseSafetensorsBytes } from '../safetensors/safetensors'

/** The model component a LoRA layer targets. `te` is SD1/2's single encoder (= text_encoder). */
export type LoraComponent = 'unet' | 'text_encoder' | 'text_encoder_2'

export interface LoraLayer {
  readonly component: LoraComponent
  /** Module path (dotted) or, for kohya keys, the flattened name (underscores). */
  readonly module: string
  readonly flat: boolean
  /** The key prefix in the file, for messages. */
  readonly key: string
  /** down: [rank, in, (kh, kw)], up: [out, rank, (1, 1)] as stored. */
  readonly down: Float32Array
  readonly downShape: readonly number[]
  readonly up: Float32Array
  readonly upShape: readonly number[]
  readonly rank: number
  /** alpha / rank, or 1 when the file has no alpha. */
  readonly scale: number
}

export interface LoraFile {
  readonly path: string
  /** File name without extension: the name `<lora:NAME:…>` uses. */
  readonly name: string
  readonly metadata: Readonly<Record<string, string>>
  readonly layers: readonly LoraLayer[]
  /** Keys no supported layout claims (LoHa, LoKr, DoRA, unknown). */
  readonly unsupported: readonly string[]
  /** A1111's short "addnet" hash, when read through resolve.ts (identifies merges in the session cache). */
  readonly hash?: string
  /** Bytes of tensor data read (for the merge benchmark's per-MB figure). */
  readonly tensorBytes: number
}

export class LoraError extends Error {
  constructor(
    readonly path: string,
    problem: string,
    readonly hint = ''
  ) {
    super(`LoRA ${path}: ${problem}${hint ? `; ${hint}` : ''}`)
    this.name = 'LoraError'
  }
}

interface Parts {
  component: LoraComponent
  module: string
  flat: boolean
  role: 'down' | 'up' | 'alpha'
  /** The key without its factor suffix. */
  stem: string
}

const FLAT_PREFIXES: readonly [string, LoraComponent][] = [
  ['lora_unet_', 'unet'],
  ['lora_te1_', 'text_encoder'],
  ['lora_te2_', 'text_encoder_2'],
  ['lora_te_', 'text_encoder']
]

const DOTTED_PREFIXES: readonly [string, LoraComponent][] = [
  ['unet.', 'unet'],
  ['text_encoder_2.', 'text_encoder_2'],
  ['text_encoder.', 'text_encoder'],
  ['model.diffusion_model.', 'unet'],
  ['diffusion_model.', 'unet'],
  ['transformer.', 'text_encoder']
]

/** The suffixes that say which factor a key is, longest first. */
const ROLE_SUFFIXES: readonly [string, 'down' | 'up' | 'alpha'][] = [
  ['.lora_down.weight', 'down'],
  ['.lora_up.weight', 'up'],
  ['.lora_A.weight', 'down'],
  ['.lora_B.weight', 'up'],
  ['.lora_linear_layer.down.weight', 'down'],
  ['.lora_linear_layer.up.weight', 'up'],
  ['.lora.down.weight', 'down'],
  ['.lora.up.weight', 'up'],
  ['.down.weight', 'down'],
  ['.up.weight', 'up'],
  ['.alpha', 'alpha']
]

/** diffusers attention-processor names (`processor.to_q_lora`) → the module they adapt. */
function processorModule(module: string): string {
  return module.replace(/\.processor\.(to_q|to_k|to_v)_lora$/, '.$1').replace(/\.processor\.to_out_lora$/, '.to_out.0')
}

export function classifyKey(key: string): Parts | undefined {
  const suffix = ROLE_SUFFIXES.find(([s]) => key.endsWith(s))
  if (!suffix) return undefined
  const full = key.slice(0, -suffix[0].length)
  let stem = full
  const role = suffix[1]
  // `.down.weight` alone is only a LoRA factor in the processor form (`to_q_lora.down.weight`).
  if ((suffix[0] === '.down.weight' || suffix[0] === '.up.weight') && !/_lora$/.test(stem)) return undefined
  for (const [p, component] of FLAT_PREFIXES) {
    if (stem.startsWith(p)) return { component, module: stem.slice(p.length), flat: true, role, stem: full }
  }
  if (stem.startsWith('base_model.model.')) stem = stem.slice('base_model.model.'.length)
  for (const [p, component] of DOTTED_PREFIXES) {
    if (stem.startsWith(p)) return { component, module: processorModule(stem.slice(p.length)), flat: false, role, stem: full }
  }
  return undefined
}

/** Parses a LoRA file held in memory. Throws LoraError / SafetensorsError naming the file. */
export function parseLora(path: string, bytes: Uint8Array): LoraFile {
  let header: SafetensorsHeader
  try {
    header = parseSafetensorsBytes(path, bytes)
  } catch (e) {
    if (e instanceof SafetensorsError) throw new LoraError(path, e.problem, 'use a LoRA saved as .safetensors (kohya, A1111, diffusers or PEFT)')
    throw e
  }
  const groups = new Map<string, { parts: Parts; down?: string; up?: string; alpha?: string }>()
  const unsupported: string[] = []
  for (const key of header.tensors.keys()) {
    const parts = classifyKey(key)
    if (!parts) {
      unsupported.push(key)
      continue
    }
    const id = `${parts.component}\u0000${parts.module}`
    const g = groups.get(id) ?? { parts }
    g[parts.role] = key
    groups.set(id, g)
  }
  const layers: LoraLayer[] = []
  let tensorBytes = 0
  const read = (name: string): { values: Float32Array; shape: readonly number[] } => {
    const t = header.tensors.get(name)!
    tensorBytes += t.byteLength
    let values: Float32Array
    try {
      values = decodeFloats(bytes.subarray(t.offset, t.offset + t.byteLength), t.dtype, name)
    } catch {
      throw new LoraError(path, `tensor "${name}" has dtype ${t.dtype}, not a float type`)
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw new LoraError(path, `tensor "${name}" holds ${values[i]} at element ${i}`, 'the file is damaged; download it again')
    }
    return { values, shape: t.shape }
  }
  for (const g of groups.values()) {
    if (!g.down || !g.up) {
      // An alpha or a single factor without its partner: not mergeable, reported.
      for (const k of [g.down, g.up, g.alpha]) if (k) unsupported.push(k)
      continue
    }
    const down = read(g.down)
    const up = read(g.up)
    const rank = down.shape[0]
    if (down.shape.length < 2 || up.shape.length < 2 || up.shape[1] !== rank || up.shape.slice(2).some((d) => d !== 1)) {
      throw new LoraError(path, `"${g.down}" ${JSON.stringify(down.shape)} and "${g.up}" ${JSON.stringify(up.shape)} are not a LoRA pair (down [rank, in, …], up [out, rank])`)
    }
    let scale = 1
    if (g.alpha) {
      const a = read(g.alpha).values
      if (a.length !== 1) throw new LoraError(path, `"${g.alpha}" holds ${a.length} values, expected one`)
      scale = a[0] / rank
    }
    layers.push({
      component: g.parts.component,
      module: g.parts.module,
      flat: g.parts.flat,
      key: g.parts.stem,
      down: down.values,
      downShape: down.shape,
      up: up.values,
      upShape: up.shape,
      rank,
      scale
    })
  }
  if (layers.length === 0) {
    throw new LoraError(
      path,
      `none of its ${header.tensors.size} tensors is a LoRA layer the studio can merge${unsupported.length ? ` (first: "${unsupported[0]}")` : ''}`,
      'the studio merges LoRA and LoCon files (kohya, A1111, diffusers, PEFT); LoHa, LoKr and full checkpoints are not LoRA files it can apply'
    )
  }
  return { path, name: basename(path, extname(path)), metadata: header.metadata, layers, unsupported, tensorBytes }
}
