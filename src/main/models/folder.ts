/**
 * Reading a diffusers/Optimum ONNX model folder: model_index.json, the component configs and the scheduler
 * config, and deciding what kind of model it is. JSON and file checks only; the sessions (and with them
 * the real input/output names, dtypes and shapes) are opened by model.ts.
 *
 * Layout (DESIGN.md, "Formats that people already use"):
 *   model_index.json, scheduler/scheduler_config.json, tokenizer/, text_encoder/model.onnx,
 *   unet/model.onnx (+ model.onnx_data or weights.pb), vae_decoder/model.onnx, vae_encoder/model.onnx
 *   (optional, needed for img2img); SDXL adds tokenizer_2/ and text_encoder_2/.
 */
import type { ModelDefaults } from '../../shared/params'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import type { BetaSchedule, ModelSigmasConfig } from '../engine/model-sigmas'
import { BETA_SCHEDULES } from '../engine/model-sigmas'
import { PREDICTION_TYPES, type PredictionType } from '../engine/prediction'
import { FAMILIES, familyDefaults, recogniseFamily, sizeStep, type ModelFamily, type ModelVariant } from '../../shared/model-family'
import type { ModelMemoryInfo } from '../../shared/memory-estimate'
import { ModelFolderError } from './errors'

/** The family descriptors (src/shared/model-family.ts) say what each family needs; this file only detects which one a folder is. */
export type Family = ModelFamily
export type Variant = ModelVariant

export type ComponentName = 'text_encoder' | 'text_encoder_2' | 'unet' | 'vae_decoder' | 'vae_encoder'
export const COMPONENTS: readonly ComponentName[] = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder']

export interface ComponentFiles {
  /** component/model.onnx */
  model: string
  /** Weight files beside it (model.onnx_data, weights.pb, …). */
  externalData: string[]
  /** component/config.json, parsed, or {} when absent. */
  config: Record<string, unknown>
}

/** Settings that suit the model when the user has not chosen (few-step models need very different ones). */
export type { ModelDefaults } from '../../shared/params'

export interface ModelFolder {
  dir: string
  name: string
  /** model_index.json `_class_name`, or '' when the folder has no index. */
  pipelineClass: string
  family: Family
  variant: Variant
  /** Why the family and variant were chosen, for `studio models inspect`. */
  evidence: string[]
  prediction: PredictionType
  sigmaConfig: ModelSigmasConfig
  schedulerClass: string
  /** VAE latent scaling factor and where it came from. */
  scalingFactor: number
  scalingFactorSource: 'vae config' | 'family default'
  /** Pixels per latent cell (8 for every SD VAE, 4 for the embedded model). */
  vaeScale: number
  /** Times the UNet halves the latent (len(unet block_out_channels) - 1, or the family's). */
  unetDownsamplings: number
  /**
   * Image sides must be multiples of this: vaeScale × 2^unetDownsamplings (model-family.ts sizeStep).
   * The one place the CLI, the service, presets and sweeps take the size step from.
   */
  sizeStep: number
  /** The UNet's training latent side (unet config sample_size or the family default). */
  sampleSize: number
  /** What the memory estimate needs of the UNet: block widths, attention heads and which levels attend. */
  unetShape: UnetShape
  /** What src/shared/memory-estimate.ts needs to estimate a job's peak memory on this model. */
  memory: ModelMemoryInfo
  /** SDXL: zero the negative conditioning when the negative prompt is empty. */
  forceZerosForEmptyPrompt: boolean
  tokenizerDir: string
  tokenizer2Dir?: string
  components: Partial<Record<ComponentName, ComponentFiles>>
  defaults: ModelDefaults
}

/** The UNet's layout as its config (or, failing that, the family) gives it, for memory estimates. */
export interface UnetShape {
  /** Channels per level (block_out_channels); [] when unknown. */
  channels: number[]
  /** Self-attention heads per level. */
  heads: number[]
  /** Levels (0 = full latent resolution) with transformer blocks; the middle block attends at the last level. */
  attentionLevels: number[]
}

type Json = Record<string, unknown>

function readJson(path: string, required: boolean, what: string): Json | undefined {
  if (!existsSync(path)) {
    if (required) throw new ModelFolderError('missing-component', path, `${what} is missing`, 'copy the complete model folder')
    return undefined
  }
  let v: unknown
  try {
    v = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    // The parser's message quotes the text; say where it broke instead (the file could be anything).
    const at = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1]
    throw new ModelFolderError('bad-config', path, `${what} is not valid JSON${at !== undefined ? ` (it breaks at character ${at})` : ''}; it may be truncated`, 'restore the file from the original model download')
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new ModelFolderError('bad-config', path, `${what} is not a JSON object`, 'restore the file from the original model download')
  }
  return v as Json
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

function componentFiles(dir: string, name: ComponentName): ComponentFiles | undefined {
  const folder = join(dir, name)
  const model = join(folder, 'model.onnx')
  if (!existsSync(model)) return undefined
  const externalData = readdirSync(folder)
    .filter((f) => f !== 'model.onnx' && !f.startsWith('.') && !/\.(json|md|txt)$/i.test(f))
    .map((f) => join(folder, f))
    .filter((p) => statSync(p).isFile())
  const config = readJson(join(folder, 'config.json'), false, `${name} config`) ?? {}
  return { model, externalData, config }
}

/** Pipelines whose layout we run. Anything else with a model_index.json is reported as unsupported. */
const SUPPORTED_PIPELINE = /^(ORT|Onnx)?(StableDiffusion|StableDiffusionXL|LatentConsistencyModel)(Img2Img|Inpaint)?Pipeline$/

/**
 * Reads the folder's JSON files and checks that the required components are there. Throws ModelFolderError
 * (missing-folder, missing-component, bad-config, unsupported-layout) with the path and what to do.
 */
export function readModelFolder(dirIn: string): ModelFolder {
  const dir = resolve(dirIn)
  if (!existsSync(dir)) {
    throw new ModelFolderError('missing-folder', dir, 'no such folder', 'check the path, or pass the folder that holds model_index.json')
  }
  if (!statSync(dir).isDirectory()) {
    throw new ModelFolderError(
      'unsupported-layout',
      dir,
      'this is a file, not a model folder',
      'the studio runs diffusers/Optimum ONNX folders; convert single-file checkpoints with `optimum-cli export onnx --model <model> <out-dir>`'
    )
  }
  const index = readJson(join(dir, 'model_index.json'), false, 'model_index.json')
  const hasUnet = existsSync(join(dir, 'unet'))
  if (!index && !hasUnet) {
    throw new ModelFolderError(
      'unsupported-layout',
      dir,
      'no model_index.json and no unet/ folder: not a diffusers ONNX model folder',
      'pass the folder that holds model_index.json (export one with `optimum-cli export onnx --model <model> <out-dir>`)'
    )
  }
  const pipelineClass = str(index?._class_name) ?? ''
  if (index) {
    if (index.transformer !== undefined || existsSync(join(dir, 'transformer'))) {
      throw new ModelFolderError('unsupported-layout', dir, `${pipelineClass || 'this pipeline'} uses a transformer denoiser (SD3, Flux, PixArt…)`, 'the studio runs UNet models of the SD 1.x, 2.x and SDXL families')
    }
    if (pipelineClass && !SUPPORTED_PIPELINE.test(pipelineClass)) {
      throw new ModelFolderError('unsupported-layout', join(dir, 'model_index.json'), `pipeline ${pipelineClass} is not supported`, 'the studio runs Stable Diffusion 1.x, 2.x and SDXL (incl. turbo, LCM and inpainting) folders')
    }
  }

  const components: Partial<Record<ComponentName, ComponentFiles>> = {}
  for (const c of COMPONENTS) {
    const f = componentFiles(dir, c)
    if (f) components[c] = f
  }
  const isXl = /XL/.test(pipelineClass) || index?.text_encoder_2 !== undefined || existsSync(join(dir, 'text_encoder_2'))
  const required: ComponentName[] = ['text_encoder', 'unet', 'vae_decoder']
  if (isXl) required.push('text_encoder_2')
  for (const c of required) {
    if (!components[c]) {
      throw new ModelFolderError('missing-component', join(dir, c, 'model.onnx'), `the ${c} model is missing`, `copy the complete model folder, including ${c}/model.onnx`)
    }
  }
  const tokenizerDir = join(dir, 'tokenizer')
  const tokenizer2Dir = isXl ? join(dir, existsSync(join(dir, 'tokenizer_2')) ? 'tokenizer_2' : 'tokenizer') : undefined
  for (const t of [tokenizerDir, tokenizer2Dir]) {
    if (t && !existsSync(join(t, 'vocab.json')) && !existsSync(join(t, 'bpe_simple_vocab_16e6.txt.gz'))) {
      throw new ModelFolderError('missing-component', t, 'the tokenizer files are missing (vocab.json, merges.txt)', 'copy the tokenizer folder from the original model')
    }
  }

  const schedPath = join(dir, 'scheduler', 'scheduler_config.json')
  const sched = readJson(schedPath, false, 'scheduler config') ?? {}
  const unetCfg = components.unet!.config
  const te1Cfg = components.text_encoder!.config
  const vaeCfg = components.vae_decoder!.config
  const evidence: string[] = []

  const predictionRaw = str(sched.prediction_type) ?? 'epsilon'
  if (!(PREDICTION_TYPES as readonly string[]).includes(predictionRaw)) {
    throw new ModelFolderError('unsupported-layout', schedPath, `prediction_type "${predictionRaw}" is not supported`, `use a model predicting ${PREDICTION_TYPES.join(', ')}`)
  }
  const prediction = predictionRaw as PredictionType
  const inChannels = num(unetCfg.in_channels)
  if (inChannels !== undefined && inChannels !== 4 && inChannels !== 9) {
    throw new ModelFolderError(
      'unsupported-layout',
      join(dir, 'unet', 'config.json'),
      `the UNet takes ${inChannels} input channels (a depth or upscaler model)`,
      'the studio runs text-to-image models (4 latent channels) and inpainting models (9)'
    )
  }

  // Family and variant: the rules are the family module's (src/shared/model-family.ts); this gathers the clues.
  const tokCfg = readJson(join(tokenizerDir, 'tokenizer_config.json'), false, 'tokenizer config') ?? {}
  const pad = typeof tokCfg.pad_token === 'string' ? tokCfg.pad_token : str((tokCfg.pad_token as Json | undefined)?.content)
  const schedulerClass = str(sched._class_name) ?? ''
  const recognised = recogniseFamily({
    pipelineClass,
    hasTextEncoder2: isXl && components.text_encoder_2 !== undefined,
    additionEmbedType: str(unetCfg.addition_embed_type),
    crossAttentionDim: num(unetCfg.cross_attention_dim),
    timeCondProjDim: num(unetCfg.time_cond_proj_dim),
    textEncoderHiddenAct: str(te1Cfg.hidden_act),
    tokenizerPad: pad,
    prediction,
    schedulerClass,
    nameText: `${basename(dir)} ${str(index?._name_or_path) ?? ''} ${str(unetCfg._name_or_path) ?? ''}`.toLowerCase()
  })
  const family: Family = recognised.family
  const variant: Variant = recognised.variant
  evidence.push(...recognised.evidence)

  // Noise schedule.
  const betaSchedule = (str(sched.beta_schedule) ?? 'scaled_linear') as BetaSchedule
  if (!BETA_SCHEDULES.includes(betaSchedule)) {
    throw new ModelFolderError('unsupported-layout', schedPath, `beta_schedule "${betaSchedule}" is not supported`, `use a model trained with ${BETA_SCHEDULES.join(', ')}`)
  }
  if (Array.isArray(sched.trained_betas) && sched.trained_betas.length > 0) {
    throw new ModelFolderError('unsupported-layout', schedPath, 'explicit trained_betas are not supported yet', 'use a model with a named beta_schedule')
  }
  const sigmaConfig: ModelSigmasConfig = {
    betaSchedule,
    numTrainTimesteps: num(sched.num_train_timesteps) ?? 1000,
    betaStart: num(sched.beta_start) ?? 0.00085,
    betaEnd: num(sched.beta_end) ?? 0.012,
    zeroTerminalSnr: sched.rescale_betas_zero_snr === true
  }

  const fam = FAMILIES[family]
  const cfgScaling = num(vaeCfg.scaling_factor)
  const vaeBlocks = Array.isArray(vaeCfg.block_out_channels) ? vaeCfg.block_out_channels.length : undefined
  const vaeScale = vaeBlocks !== undefined ? 2 ** Math.max(0, vaeBlocks - 1) : fam.vaeFactor
  const unetShape = readUnetShape(unetCfg, family)
  const unetDownsamplings = unetShape.channels.length > 0 ? Math.max(0, unetShape.channels.length - 1) : fam.unetDownsamplings
  const sampleSize = num(unetCfg.sample_size) ?? fam.unetSampleSize
  const defaults: ModelDefaults = familyDefaults(variant, sampleSize * vaeScale)
  const vaeChannels = numList(vaeCfg.block_out_channels) ?? [128, 256, 512, 512]
  const memory: ModelMemoryInfo = {
    vaeFactor: vaeScale,
    sizeStep: sizeStep(vaeScale, unetDownsamplings),
    latentChannels: fam.latentChannels,
    unet: unetShape,
    // diffusers' AutoencoderKL decoder runs its blocks in reverse order, finest (block_out_channels[0]) last.
    vae: { channels: [...vaeChannels].reverse(), attention: vaeCfg.mid_block_add_attention !== false },
    weightsBytes: Object.values(components).reduce((a, c) => a + [c.model, ...c.externalData].reduce((b, f) => b + statSync(f).size, 0), 0)
  }

  return {
    dir,
    name: basename(dir),
    pipelineClass,
    family,
    variant,
    evidence,
    prediction,
    sigmaConfig,
    schedulerClass,
    scalingFactor: cfgScaling ?? fam.vaeScalingFactor,
    scalingFactorSource: cfgScaling !== undefined ? 'vae config' : 'family default',
    vaeScale,
    unetDownsamplings,
    sizeStep: memory.sizeStep,
    sampleSize,
    unetShape,
    memory,
    forceZerosForEmptyPrompt: fam.zeroEmptyNegative && index?.force_zeros_for_empty_prompt !== false,
    tokenizerDir,
    tokenizer2Dir,
    components,
    defaults
  }
}

const numList = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'number' && x > 0) ? (v as number[]) : undefined)

/**
 * The UNet's levels from its config. Heads: `num_attention_heads` when given, else diffusers'
 * `attention_head_dim`, which SD 1.x/2.x/XL configs use as the head count (a known naming slip that
 * diffusers keeps for compatibility). Falls back to the family's layout.
 */
function readUnetShape(cfg: Json, family: Family): UnetShape {
  const fam = FAMILIES[family]
  const channels = numList(cfg.block_out_channels) ?? []
  const levels = channels.length > 0 ? channels.length : fam.unetDownsamplings + 1
  const perLevel = (v: unknown): number[] | undefined => {
    if (typeof v === 'number' && v > 0) return Array.from({ length: levels }, () => v)
    const l = numList(v)
    return l && l.length === levels ? l : undefined
  }
  const heads = perLevel(cfg.num_attention_heads) ?? perLevel(cfg.attention_head_dim) ?? Array.from({ length: levels }, (_, i) => fam.attentionHeads[Math.min(i, fam.attentionHeads.length - 1)])
  const types = Array.isArray(cfg.down_block_types) ? cfg.down_block_types : undefined
  const attentionLevels = types && types.length === levels ? types.flatMap((t, i) => (typeof t === 'string' && /Attn/.test(t) ? [i] : [])) : [...fam.attentionLevels]
  return { channels, heads, attentionLevels }
}
