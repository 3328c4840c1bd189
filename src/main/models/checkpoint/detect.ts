/**
 * Which kind of single-file checkpoint a safetensors header describes, from its key names alone (the
 * template check then verifies every shape). SD 2.x 512 (epsilon) and 768 (v-prediction) checkpoints have
 * identical tensors, so v-prediction comes from the file's metadata or the user's --family.
 */
import type { SafetensorsHeader } from '../safetensors/safetensors'
import type { TemplateFamily } from './templates'

export type ImportFamily = 'sd1' | 'sd2' | 'sd2-v' | 'sdxl'
export const IMPORT_FAMILIES: readonly ImportFamily[] = ['sd1', 'sd2', 'sd2-v', 'sdxl']

export class CheckpointError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly hint?: string
  ) {
    super(`${path}: ${problem}${hint ? ` (${hint})` : ''}`)
    this.name = 'CheckpointError'
  }
}

export interface Detected {
  readonly family: ImportFamily
  readonly template: TemplateFamily
  readonly prediction: 'epsilon' | 'v_prediction'
  /** Why, in words, for the CLI and the import record. */
  readonly evidence: string[]
}

const some = (keys: string[], re: RegExp): boolean => keys.some((k) => re.test(k))

/** Refuses files of other architectures with what they are; returns the template family otherwise. */
function architecture(path: string, keys: string[]): TemplateFamily {
  if (keys.length === 0) throw new CheckpointError(path, 'holds no tensors')
  if (some(keys, /^(lora_unet_|lora_te\d?_|lora_)|\.lora_(up|down)\.|\.lora_[AB]\.|\.alpha$/)) {
    throw new CheckpointError(path, 'is a LoRA file (lora_up/lora_down keys), not a full checkpoint', 'LoRA files are applied to a model at generation time, not imported as models')
  }
  if (some(keys, /(^|\.)joint_blocks\./)) throw new CheckpointError(path, 'is a Stable Diffusion 3 checkpoint (joint_blocks keys)', 'the studio imports SD 1.x, SD 2.x and SDXL checkpoints')
  if (some(keys, /(^|\.)(double_blocks|single_blocks)\./)) throw new CheckpointError(path, 'is a Flux checkpoint (double_blocks/single_blocks keys)', 'the studio imports SD 1.x, SD 2.x and SDXL checkpoints')
  if (some(keys, /^(down_blocks|up_blocks|mid_block)\./)) {
    throw new CheckpointError(path, 'is a diffusers-format UNet file, not a single-file (LDM layout) checkpoint', 'use a single-file .safetensors checkpoint, or an ONNX export of the diffusers folder')
  }
  const hasUnet = some(keys, /^model\.diffusion_model\./)
  if (some(keys, /^conditioner\.embedders\.1\.model\./)) return 'sdxl'
  if (some(keys, /^cond_stage_model\.model\.transformer\.resblocks\./)) return 'sd2'
  if (some(keys, /^cond_stage_model\.transformer\.(text_model\.)?/)) return 'sd1'
  if (!hasUnet && some(keys, /^(encoder|decoder)\./)) throw new CheckpointError(path, 'is a VAE file, not a full checkpoint', 'pass it with --vae next to a checkpoint')
  if (hasUnet) throw new CheckpointError(path, 'has UNet keys (model.diffusion_model.*) but no text encoder', 'import a full checkpoint (UNet, text encoder and VAE in one file)')
  throw new CheckpointError(path, `has no Stable Diffusion keys (first key: "${keys[0]}")`, 'the studio imports SD 1.x, SD 2.x and SDXL single-file checkpoints')
}

export function detectFamily(header: SafetensorsHeader, forced?: ImportFamily): Detected {
  const keys = [...header.tensors.keys()]
  const arch = architecture(header.path, keys)
  const evidence: string[] = [
    arch === 'sdxl' ? 'two text encoders (conditioner.embedders.0/1)' : arch === 'sd2' ? 'OpenCLIP text encoder (cond_stage_model.model)' : 'CLIP ViT-L text encoder (cond_stage_model.transformer)'
  ]
  if (forced) {
    const want: TemplateFamily = forced === 'sd2-v' ? 'sd2' : forced
    if (want !== arch) throw new CheckpointError(header.path, `was given --family ${forced} but its keys are those of ${arch}`, `drop --family or pass --family ${arch}`)
    evidence.push(`--family ${forced}`)
    return { family: forced, template: arch, prediction: forced === 'sd2-v' ? 'v_prediction' : 'epsilon', evidence }
  }
  if (arch !== 'sd2') return { family: arch, template: arch, prediction: 'epsilon', evidence }
  const meta = header.metadata
  const said = (meta['modelspec.prediction_type'] ?? meta['prediction_type'] ?? '').toLowerCase()
  if (header.tensors.has('v_pred') || said === 'v' || said === 'v_prediction') {
    evidence.push(header.tensors.has('v_pred') ? 'v_pred key' : `metadata prediction_type ${said}`)
    return { family: 'sd2-v', template: 'sd2', prediction: 'v_prediction', evidence }
  }
  if (said === 'epsilon' || said === 'eps') {
    evidence.push(`metadata prediction_type ${said}`)
    return { family: 'sd2', template: 'sd2', prediction: 'epsilon', evidence }
  }
  // Most SD 2.x checkpoints in use are 768-v fine-tunes; the 512 epsilon ones need --family sd2.
  evidence.push('no prediction type in the file: assumed v-prediction (SD 2.x 768); pass --family sd2 for a 512 epsilon model')
  return { family: 'sd2-v', template: 'sd2', prediction: 'v_prediction', evidence }
}
