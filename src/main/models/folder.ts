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
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import type { BetaSchedule, ModelSigmasConfig } from '../engine/model-sigmas'
import { BETA_SCHEDULES } from '../engine/model-sigmas'
import { PREDICTION_TYPES, type PredictionType } from '../engine/prediction'
import { ModelFolderError } from './errors'

export type Family = 'sd1' | 'sd2' | 'sdxl'
/** 'turbo' (SD-Turbo, SDXL-Turbo, Lightning-style distillations) and 'lcm' are few-step models. */
export type Variant = 'base' | 'turbo' | 'lcm'

/** Published VAE scaling factors (DESIGN.md "Published figures"), used when the VAE config has none. */
export const FAMILY_SCALING_FACTOR: Readonly<Record<Family, number>> = Object.freeze({ sd1: 0.18215, sd2: 0.18215, sdxl: 0.13025 })

/** Latent side the family's UNet was trained at, when unet/config.json does not say. */
const FAMILY_SAMPLE_SIZE: Readonly<Record<Family, number>> = Object.freeze({ sd1: 64, sd2: 64, sdxl: 128 })

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
export interface ModelDefaults {
  steps: number
  cfg: number
  sampler: string
  schedule: string
  width: number
  height: number
}

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
  /** Pixels per latent cell (8 for every SD VAE). */
  vaeScale: number
  /** The UNet's training latent side (unet config sample_size or the family default). */
  sampleSize: number
  /** SDXL: zero the negative conditioning when the negative prompt is empty. */
  forceZerosForEmptyPrompt: boolean
  tokenizerDir: string
  tokenizer2Dir?: string
  components: Partial<Record<ComponentName, ComponentFiles>>
  defaults: ModelDefaults
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
    throw new ModelFolderError('bad-config', path, `${what} is not valid JSON (${e instanceof Error ? e.message : String(e)})`, 'restore the file from the original model download')
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
const SUPPORTED_PIPELINE = /^(ORT|Onnx)?(StableDiffusion|StableDiffusionXL|LatentConsistencyModel)(Img2Img)?Pipeline$/

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
      throw new ModelFolderError('unsupported-layout', join(dir, 'model_index.json'), `pipeline ${pipelineClass} is not supported`, 'the studio runs Stable Diffusion 1.x, 2.x and SDXL (incl. turbo and LCM) text-to-image folders')
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
  if (inChannels !== undefined && inChannels !== 4) {
    throw new ModelFolderError(
      'unsupported-layout',
      join(dir, 'unet', 'config.json'),
      `the UNet takes ${inChannels} input channels (an inpainting, depth or upscaler model)`,
      'the studio runs text-to-image models with 4 latent channels'
    )
  }

  // Family.
  let family: Family
  const cross = num(unetCfg.cross_attention_dim)
  const tokCfg = readJson(join(tokenizerDir, 'tokenizer_config.json'), false, 'tokenizer config') ?? {}
  const pad = typeof tokCfg.pad_token === 'string' ? tokCfg.pad_token : str((tokCfg.pad_token as Json | undefined)?.content)
  if (isXl || str(unetCfg.addition_embed_type) === 'text_time') {
    family = 'sdxl'
    evidence.push(components.text_encoder_2 ? 'two text encoders (text_encoder_2)' : `pipeline ${pipelineClass}`)
  } else if (cross === 1024 || str(te1Cfg.hidden_act) === 'gelu' || pad === '!' || prediction === 'v_prediction') {
    family = 'sd2'
    if (cross === 1024) evidence.push('cross_attention_dim 1024 (OpenCLIP ViT-H)')
    if (str(te1Cfg.hidden_act) === 'gelu') evidence.push('text encoder hidden_act gelu (OpenCLIP)')
    if (pad === '!') evidence.push('tokenizer pads with "!" (OpenCLIP)')
    if (prediction === 'v_prediction') evidence.push('v_prediction')
  } else {
    family = 'sd1'
    evidence.push(cross === 768 ? 'cross_attention_dim 768 (CLIP ViT-L)' : 'one CLIP text encoder padding with the end token')
  }

  // Variant.
  const nameText = `${basename(dir)} ${str(index?._name_or_path) ?? ''} ${str(unetCfg._name_or_path) ?? ''}`.toLowerCase()
  const schedulerClass = str(sched._class_name) ?? ''
  let variant: Variant = 'base'
  if (schedulerClass === 'LCMScheduler' || /LatentConsistency/.test(pipelineClass) || num(unetCfg.time_cond_proj_dim) !== undefined || /\blcm\b|[-_]lcm/.test(nameText)) {
    variant = 'lcm'
    evidence.push(schedulerClass === 'LCMScheduler' ? 'LCMScheduler' : 'latent-consistency model')
  } else if (/turbo|lightning|hyper-?sd/.test(nameText)) {
    variant = 'turbo'
    evidence.push('name says turbo/lightning (few-step distillation)')
  }

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

  const cfgScaling = num(vaeCfg.scaling_factor)
  const blocks = Array.isArray(vaeCfg.block_out_channels) ? vaeCfg.block_out_channels.length : 4
  const vaeScale = 2 ** Math.max(0, blocks - 1)
  const sampleSize = num(unetCfg.sample_size) ?? FAMILY_SAMPLE_SIZE[family]
  const side = sampleSize * vaeScale
  const defaults: ModelDefaults =
    variant === 'lcm'
      ? { steps: 4, cfg: 1, sampler: 'lcm', schedule: 'sgm_uniform', width: side, height: side }
      : variant === 'turbo'
        ? { steps: 4, cfg: 1, sampler: 'euler_ancestral', schedule: 'sgm_uniform', width: side, height: side }
        : { steps: 20, cfg: 7, sampler: 'euler', schedule: 'karras', width: side, height: side }

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
    scalingFactor: cfgScaling ?? FAMILY_SCALING_FACTOR[family],
    scalingFactorSource: cfgScaling !== undefined ? 'vae config' : 'family default',
    vaeScale,
    sampleSize,
    forceZerosForEmptyPrompt: family === 'sdxl' && index?.force_zeros_for_empty_prompt !== false,
    tokenizerDir,
    tokenizer2Dir,
    components,
    defaults
  }
}
