/**
 * Checkpoint-import templates (made by tools/checkpoints/make_templates.py, committed under
 * templates/checkpoints/<family>/): one ONNX graph per component whose initializers are named with the
 * checkpoint's own LDM keys and carry no weights, and template.json with every key the family's single-file
 * checkpoints hold (shape, and "float" or the exact integer dtype), the diffusers configs to write, and the
 * tokenizers (a vocab.json + merges.txt folder and the padding token).
 */
import type { ModelFamily } from '../../../shared/model-family'
import { appRoot } from '../../util/app-root'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Template folders are per model family (src/shared/model-family.ts). */
export type TemplateFamily = ModelFamily
export const TEMPLATE_FAMILIES: readonly TemplateFamily[] = ['sd1', 'sd2', 'sdxl']

/** The repository's (or installed app's) templates/checkpoints folder. */
export const TEMPLATES_DIR = join(appRoot(), 'templates', 'checkpoints')

export type ComponentId = 'text_encoder' | 'text_encoder_2' | 'unet' | 'vae_decoder' | 'vae_encoder'

export interface TemplateKey {
  readonly shape: readonly number[]
  /** "float": any of F16, BF16, F32, F64 (cast to float32 in the graph); otherwise the exact dtype. */
  readonly dtype: 'float' | 'I64' | 'I32'
}

export interface CheckpointTemplate {
  readonly dir: string
  readonly family: TemplateFamily
  readonly tiny: boolean
  readonly components: Readonly<Partial<Record<ComponentId, { readonly file: string; readonly prefix: string }>>>
  readonly configs: Readonly<Partial<Record<ComponentId, Record<string, unknown>>>>
  readonly tokenizers: Readonly<Record<string, { readonly dir: string; readonly pad: string }>>
  readonly keys: Readonly<Record<string, TemplateKey>>
}

export class TemplateError extends Error {}

export function loadTemplate(family: TemplateFamily, root = TEMPLATES_DIR): CheckpointTemplate {
  const dir = join(root, family)
  const path = join(dir, 'template.json')
  if (!existsSync(path)) {
    throw new TemplateError(`${path}: the ${family} checkpoint template is not installed (make it with tools/checkpoints/make_templates.py ${family})`)
  }
  const json = JSON.parse(readFileSync(path, 'utf8')) as Omit<CheckpointTemplate, 'dir'> & { format?: string }
  if (json.format !== 'sigma-studio-checkpoint-template/1') throw new TemplateError(`${path}: unknown template format ${JSON.stringify(json.format)}`)
  return { ...json, dir }
}
