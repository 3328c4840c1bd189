/**
 * One component's merged model: the .onnx bytes and (only) the external data files that hold a patched
 * weight, read fresh from disk, patched in memory, ready for a session created from memory. Untouched
 * external files are left on disk for ONNX Runtime to read from the model's folder.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs'
import { freemem } from 'node:os'
import { dirname, isAbsolute, join, normalize, sep } from 'node:path'
import type { LoraComponent } from './lora-file'
import { LoraError } from './lora-file'
import { addInPlace, deltaWeight, type ComponentPlan, type LoraApplication, planComponent } from './merge'
import { scanOnnxModel } from './onnx-scan'
import { findTargets, type TargetIndex } from './targets'
import { ldmAliases } from './ldm-names'
import { externalDataOption } from '../checkpoint/external-weights'

export interface MergedComponent {
  readonly bytes: Uint8Array
  /** Patched external data files, by the location the model names them with. */
  readonly externalData: readonly { readonly path: string; readonly data: Uint8Array }[]
  /** The model's folder: where ORT finds the untouched external files. */
  readonly folder: string
  /** Bytes this merge holds in memory (model + patched data files). */
  readonly heldBytes: number
}

export interface MergeResult {
  readonly plan: ComponentPlan
  /** Undefined when nothing is patched (no layer for this component, or every weight 0): use the base. */
  readonly merged?: MergedComponent
  /** Milliseconds spent computing ΔW and patching. */
  readonly mergeMs: number
}

const indexCache = new Map<string, { size: number; mtimeMs: number; index: TargetIndex }>()

function targetsOf(modelPath: string, bytes: Uint8Array, mtimeMs: number): TargetIndex {
  const hit = indexCache.get(modelPath)
  if (hit && hit.size === bytes.byteLength && hit.mtimeMs === mtimeMs) return hit.index
  const index = findTargets(scanOnnxModel(bytes, modelPath), ldmAliases)
  indexCache.set(modelPath, { size: bytes.byteLength, mtimeMs, index })
  return index
}

function readWhole(path: string): { bytes: Buffer; mtimeMs: number } {
  const fd = openSync(path, 'r')
  try {
    const st = fstatSync(fd)
    const bytes = Buffer.allocUnsafe(st.size)
    let got = 0
    while (got < st.size) {
      const n = readSync(fd, bytes, got, st.size - got, got)
      if (n === 0) throw new Error(`${path}: file shrank while being read`)
      got += n
    }
    return { bytes, mtimeMs: st.mtimeMs }
  } finally {
    closeSync(fd)
  }
}

/** Merges `apps` into the component at `modelPath`. Refuses (LoraError) what would not fit in memory. */
export function mergeComponent(modelPath: string, component: LoraComponent, apps: readonly LoraApplication[], memoryLimit = freemem()): MergeResult {
  const { bytes, mtimeMs } = readWhole(modelPath)
  const index = targetsOf(modelPath, bytes, mtimeMs)
  const plan = planComponent(component, index, apps)
  if (plan.patches.size === 0) return { plan, mergeMs: 0 }
  const folder = dirname(modelPath)
  const locations = new Set<string>()
  for (const { target } of plan.patches.values()) {
    const ext = target.initializer.external
    if (!ext) continue
    const norm = normalize(ext.location)
    if (isAbsolute(norm) || norm.startsWith('..' + sep) || norm === '..') {
      throw new LoraError(modelPath, `weight "${target.initializer.name}" points outside the model folder (${ext.location})`, 'the model file is damaged or unsafe')
    }
    locations.add(ext.location)
  }
  // A checkpoint import that could not hard-link its weights names them in weights.json (read in memory).
  const linked = new Map((externalDataOption(modelPath).externalData ?? []).map((f) => [f.path, f.data]))
  let need = bytes.byteLength
  for (const loc of locations) {
    if (linked.has(loc)) continue
    try {
      const fd = openSync(join(folder, loc), 'r')
      need += fstatSync(fd).size
      closeSync(fd)
    } catch {
      throw new LoraError(modelPath, `its external weight file ${loc} is missing`, `copy every file of the ${component} folder`)
    }
  }
  if (need > memoryLimit) {
    throw new LoraError(
      modelPath,
      `merging needs a ${(need / 2 ** 20).toFixed(0)} MB copy of the ${component} weights in memory and only ${(memoryLimit / 2 ** 20).toFixed(0)} MB is free`,
      'close other programs, use fewer LoRAs on the text encoder, or bake the LoRA into a model copy'
    )
  }
  const files = new Map<string, Buffer>()
  for (const loc of locations) files.set(loc, linked.has(loc) ? Buffer.from(linked.get(loc)!) : readFileSync(join(folder, loc)))
  for (const [loc, data] of linked) if (!files.has(loc)) files.set(loc, Buffer.from(data.buffer, data.byteOffset, data.byteLength))
  const t0 = performance.now()
  for (const { target, terms } of plan.patches.values()) {
    const init = target.initializer
    let region: Uint8Array
    if (init.external) {
      const data = files.get(init.external.location)!
      if (init.external.offset + init.external.length > data.byteLength) {
        throw new LoraError(modelPath, `weight "${init.name}" lies past the end of ${init.external.location} (truncated file?)`)
      }
      region = data.subarray(init.external.offset, init.external.offset + init.external.length)
    } else if (init.inline) {
      region = bytes.subarray(init.inline.offset, init.inline.offset + init.inline.length)
    } else {
      throw new LoraError(modelPath, `weight "${init.name}" of ${target.module} ${init.unpatchable ?? 'has no stored values'}`, 're-export the model with raw weight data')
    }
    addInPlace(region, init.dataType, deltaWeight(target, terms), `${modelPath}: ${init.name}`)
  }
  const mergeMs = performance.now() - t0
  const externalData = [...files].map(([path, data]) => ({ path, data }))
  const heldBytes = bytes.byteLength + externalData.reduce((a, f) => a + f.data.byteLength, 0)
  return { plan, merged: { bytes, externalData, folder, heldBytes }, mergeMs }
}
