/**
 * Matches a checkpoint's tensors against a template, key by key: every key a graph reads must be in the file
 * with the template's shape and a floating dtype; the keys no graph reads (noise-schedule buffers, EMA
 * counters, position_ids, the unused last OpenCLIP layer) are checked for shape when present and may be
 * missing (pruned files drop them). The first problem is reported with both shapes.
 */
import type { SafetensorsHeader, TensorInfo } from '../safetensors/safetensors'
import { CheckpointError } from './detect'
import type { CheckpointTemplate } from './templates'

const FLOAT = new Set(['F16', 'BF16', 'F32', 'F64'])

export interface Source {
  readonly header: SafetensorsHeader
  /** Template key -> key in this file (identity, or the prefix-less names of a separate VAE file). */
  readonly keyFor: (templateKey: string) => string | undefined
}

export interface CheckResult {
  /** Template key -> where its bytes are. */
  readonly tensors: Map<string, { readonly source: Source; readonly info: TensorInfo }>
  /** Optional template keys the file does not have. */
  readonly missingOptional: string[]
  /** Keys in the checkpoint the template does not know (e.g. full EMA copies), ignored. */
  readonly ignored: string[]
}

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`

/** `sourceFor(key)` picks the file a template key is read from (the checkpoint, or a --vae file). */
export function checkAgainstTemplate(template: CheckpointTemplate, used: ReadonlySet<string>, sourceFor: (key: string) => Source, checkpoint: SafetensorsHeader): CheckResult {
  const tensors = new Map<string, { source: Source; info: TensorInfo }>()
  const missingOptional: string[] = []
  for (const [key, want] of Object.entries(template.keys)) {
    const source = sourceFor(key)
    const fileKey = source.keyFor(key)
    const info = fileKey === undefined ? undefined : source.header.tensors.get(fileKey)
    const required = used.has(key)
    if (!info) {
      if (required) {
        throw new CheckpointError(
          source.header.path,
          `has no tensor "${fileKey ?? key}" (${shapeText(want.shape)}), which the ${template.family} ${template.tiny ? 'test ' : ''}template needs`,
          'the file is incomplete or another architecture; pass --family to choose another template'
        )
      }
      missingOptional.push(key)
      continue
    }
    if (info.shape.length !== want.shape.length || info.shape.some((d, i) => d !== want.shape[i])) {
      throw new CheckpointError(
        source.header.path,
        `tensor "${info.name}" has shape ${shapeText(info.shape)} but the ${template.family} template has ${shapeText(want.shape)}`,
        'a different architecture (inpainting, another width) or a damaged file'
      )
    }
    if (required && !FLOAT.has(info.dtype)) {
      throw new CheckpointError(source.header.path, `tensor "${info.name}" is ${info.dtype}; weights must be F16, BF16, F32 or F64`)
    }
    tensors.set(key, { source, info })
  }
  const ignored = [...checkpoint.tensors.keys()].filter((k) => !(k in template.keys))
  return { tensors, missingOptional, ignored }
}
