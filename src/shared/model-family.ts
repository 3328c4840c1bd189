/**
 * What each Stable-Diffusion model family needs, in one place: text encoders and which of their outputs
 * the UNet reads, pooled embeddings and time ids (SDXL's added conditioning), the VAE's latent factor and
 * scaling, the UNet's down-samplings (which fix the valid image size step), the training size, published
 * latent→RGB preview factors, the matching Align-Your-Steps table, and the settings that suit each variant
 * (few-step turbo and LCM distillations need very different steps, CFG and samplers).
 *
 * Pure data and small pure functions, so the renderer (labels, size steps, defaults), the models layer
 * (folder detection, session analysis, conditioning), the worker (previews) and the CLI all read the same
 * table. Adding a family means adding an entry here (and to its test); no other file names a family.
 *
 * Sources: diffusers' pipeline and config defaults (StableDiffusionPipeline, StableDiffusionXLPipeline,
 * AutoencoderKL scaling_factor 0.18215 / 0.13025), ComfyUI's latent_formats.py (preview factors),
 * NVIDIA's Align Your Steps tables (one for SD 1.5, one for SDXL).
 */

export type ModelFamily = 'sd1' | 'sd2' | 'sdxl'
/** 'turbo' (SD-Turbo, SDXL-Turbo, Lightning-style distillations) and 'lcm' are few-step models. */
export type ModelVariant = 'base' | 'turbo' | 'lcm'

/** A linear map of latent channels to RGB (rows = channels, columns = R, G, B), plus an optional bias. */
export interface LatentRgbFactors {
  factors: readonly (readonly [number, number, number])[]
  bias?: readonly [number, number, number]
}

export interface FamilyDescriptor {
  id: ModelFamily
  /** How the UI names it ("SD 1.x"). */
  label: string
  /** Text encoder components, in the order their hidden states are concatenated along the feature axis. */
  textEncoders: readonly ('text_encoder' | 'text_encoder_2')[]
  /** Which hidden state the UNet reads: the last layer (SD1/SD2), or the penultimate one (SDXL, `hidden_states.N-1`). */
  hiddenState: 'last' | 'penultimate'
  /** The UNet takes `text_embeds`: text_encoder_2's pooled, projected embedding of the first chunk. */
  pooledEmbeddings: boolean
  /**
   * Values per row of the UNet's `time_ids` input (SDXL micro-conditioning), 0 when the UNet has none.
   * SDXL base: original size, crop top-left, target size (6); the SDXL refiner: original size, crop
   * top-left, aesthetic score (5), which the studio does not run yet.
   */
  timeIds: number
  refinerTimeIds?: number
  /** An empty negative prompt gives zero conditioning instead of the encoded empty string (SDXL's force_zeros_for_empty_prompt). */
  zeroEmptyNegative: boolean
  /** Typical cross-attention width (the text encoders' summed hidden width), evidence for detection. */
  crossAttentionDim: number
  /** Published VAE latent scaling factor, used when the VAE config has none. */
  vaeScalingFactor: number
  /** Pixels per latent cell of the family's VAE (2^(VAE blocks - 1)), used when the VAE config does not say. */
  vaeFactor: number
  /** Times the UNet halves the latent (len(block_out_channels) - 1), used when the UNet config does not say. */
  unetDownsamplings: number
  /** The UNet's training latent side, used when unet/config.json has no sample_size. */
  unetSampleSize: number
  /** Self-attention heads per UNet level (diffusers' attention_head_dim, which configs of these families use as a head count). */
  attentionHeads: readonly number[]
  /** UNet levels (0 = full latent resolution) with transformer blocks, when the UNet config does not list its block types. */
  attentionLevels: readonly number[]
  latentChannels: number
  /** Published latent→RGB factors for previews when the model folder ships none. */
  previewFactors: LatentRgbFactors
  /** The Align-Your-Steps table trained for this family ("Align Your Steps" in A1111 picks it by model). */
  aysSchedule: 'ays_sd1' | 'ays_sdxl'
}

export interface VariantDescriptor {
  id: ModelVariant
  /** Appended to the family label ("SDXL Turbo"); '' for base models. */
  label: string
  /** Few-step distillation: the UI hints at few steps and low CFG. */
  fewStep: boolean
  /** Settings that suit the variant when the user has not chosen. */
  steps: number
  cfg: number
  sampler: string
  schedule: string
}

/** SD1.x/2.x latents (ComfyUI latent_formats.SD15). */
const SD1_LATENT_RGB: LatentRgbFactors = {
  factors: [
    [0.3512, 0.2297, 0.3227],
    [0.325, 0.4974, 0.235],
    [-0.2829, 0.1762, 0.2721],
    [-0.212, -0.2616, -0.7177]
  ]
}

/** SDXL latents (ComfyUI latent_formats.SDXL). */
const SDXL_LATENT_RGB: LatentRgbFactors = {
  factors: [
    [0.3651, 0.4232, 0.4341],
    [-0.2533, -0.0042, 0.1068],
    [0.1076, 0.1111, -0.0362],
    [-0.3165, -0.2492, -0.2188]
  ],
  bias: [0.1084, -0.0175, -0.0011]
}

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}

export const FAMILIES: Readonly<Record<ModelFamily, FamilyDescriptor>> = deepFreeze({
  sd1: {
    id: 'sd1',
    label: 'SD 1.x',
    textEncoders: ['text_encoder'],
    hiddenState: 'last',
    pooledEmbeddings: false,
    timeIds: 0,
    zeroEmptyNegative: false,
    crossAttentionDim: 768,
    vaeScalingFactor: 0.18215,
    vaeFactor: 8,
    unetDownsamplings: 3,
    unetSampleSize: 64,
    attentionHeads: [8, 8, 8, 8],
    attentionLevels: [0, 1, 2],
    latentChannels: 4,
    previewFactors: SD1_LATENT_RGB,
    aysSchedule: 'ays_sd1'
  },
  // SD 2.x: OpenCLIP ViT-H; 2.x-base predicts epsilon at 512, 2.x (768-v) predicts v at 768 — the
  // prediction type is read from the scheduler config, the size from the UNet config.
  sd2: {
    id: 'sd2',
    label: 'SD 2.x',
    textEncoders: ['text_encoder'],
    hiddenState: 'last',
    pooledEmbeddings: false,
    timeIds: 0,
    zeroEmptyNegative: false,
    crossAttentionDim: 1024,
    vaeScalingFactor: 0.18215,
    vaeFactor: 8,
    unetDownsamplings: 3,
    unetSampleSize: 64,
    attentionHeads: [5, 10, 20, 20],
    attentionLevels: [0, 1, 2],
    latentChannels: 4,
    previewFactors: SD1_LATENT_RGB,
    aysSchedule: 'ays_sd1'
  },
  sdxl: {
    id: 'sdxl',
    label: 'SDXL',
    textEncoders: ['text_encoder', 'text_encoder_2'],
    hiddenState: 'penultimate',
    pooledEmbeddings: true,
    timeIds: 6,
    refinerTimeIds: 5,
    zeroEmptyNegative: true,
    crossAttentionDim: 2048,
    vaeScalingFactor: 0.13025,
    vaeFactor: 8,
    unetDownsamplings: 2,
    unetSampleSize: 128,
    attentionHeads: [5, 10, 20],
    attentionLevels: [1, 2],
    latentChannels: 4,
    previewFactors: SDXL_LATENT_RGB,
    aysSchedule: 'ays_sdxl'
  }
})

export const VARIANTS: Readonly<Record<ModelVariant, VariantDescriptor>> = deepFreeze({
  base: { id: 'base', label: '', fewStep: false, steps: 20, cfg: 7, sampler: 'euler', schedule: 'karras' },
  // SD-Turbo / SDXL-Turbo were distilled for 1–4 steps without guidance (Stability's model cards).
  turbo: { id: 'turbo', label: 'Turbo', fewStep: true, steps: 4, cfg: 1, sampler: 'euler_ancestral', schedule: 'sgm_uniform' },
  // LCM: 2–8 steps with its own sampler; guidance is embedded (w-embedding) or absent.
  lcm: { id: 'lcm', label: 'LCM', fewStep: true, steps: 4, cfg: 1, sampler: 'lcm', schedule: 'sgm_uniform' }
})

export const MODEL_FAMILIES: readonly ModelFamily[] = Object.freeze(Object.keys(FAMILIES) as ModelFamily[])

/** "SD 1.x", "SDXL Turbo", or "unsupported" for a folder that cannot run. */
export function familyLabel(family: ModelFamily | null, variant: ModelVariant | null): string {
  if (!family) return 'unsupported'
  const v = variant ? VARIANTS[variant].label : ''
  return v ? `${FAMILIES[family].label} ${v}` : FAMILIES[family].label
}

/**
 * The image size step of a model: pixels per latent cell × 2^(UNet down-samplings). Each down-sampling
 * halves the latent and the matching up-sampling doubles it back before concatenating the skip
 * connection, so a latent side that does not divide evenly makes the shapes disagree (ONNX Runtime's
 * Concat fails). diffusers' PyTorch UNet can forward an odd upsample size; an exported graph cannot.
 */
export function sizeStep(vaeFactor: number, unetDownsamplings: number): number {
  return vaeFactor * 2 ** unetDownsamplings
}

/** The smallest size step of any model (an SD VAE's 8 px cells): what model-independent checks ask. */
export const MIN_SIZE_STEP = 8

/** Rounds a side to the nearest multiple of `step` (at least one step). */
export function snapSide(v: number, step: number): number {
  return Math.max(step, Math.round(v / step) * step)
}

/**
 * Why a side is not a valid size for this step, with the two nearest valid sides, or null when it is
 * valid. `what` names the field ("width").
 */
export function sideProblem(what: string, v: number, step: number): string | null {
  if (!Number.isInteger(v) || v < step) return `${what} must be a whole number of pixels of at least ${step}, got ${v}`
  if (v % step === 0) return null
  const lo = Math.max(step, Math.floor(v / step) * step)
  return `${what} ${v} is not a multiple of ${step}; use ${lo} or ${lo + step}`
}

/** Settings for a model of this variant trained at `side` × `side` pixels (few-step models need very different ones). */
export function familyDefaults(variant: ModelVariant, side: number): { steps: number; cfg: number; sampler: string; schedule: string; width: number; height: number } {
  const v = VARIANTS[variant]
  return { steps: v.steps, cfg: v.cfg, sampler: v.sampler, schedule: v.schedule, width: side, height: side }
}

/**
 * SDXL's time_ids for one image: original size (h, w), crop top-left (0, 0), target size (h, w), as
 * diffusers' `_get_add_time_ids` makes them for a text-to-image request. Undefined for families without them.
 */
export function timeIdsFor(family: ModelFamily, width: number, height: number): number[] | undefined {
  return FAMILIES[family].timeIds === 6 ? [height, width, 0, 0, height, width] : undefined
}

//#region how a family is recognised

/**
 * What a diffusers model folder says about itself, gathered from its configs by src/main/models/folder.ts
 * (which reads files; the rules below read only this). Undefined = the config does not say.
 */
export interface FamilyEvidence {
  /** model_index.json `_class_name`, e.g. "StableDiffusionXLPipeline". */
  pipelineClass: string
  /** The folder has (or model_index.json names) a second text encoder. */
  hasTextEncoder2: boolean
  /** unet config `addition_embed_type` ("text_time" = SDXL's pooled text + time ids). */
  additionEmbedType?: string
  /** unet config `cross_attention_dim`. */
  crossAttentionDim?: number
  /** unet config `time_cond_proj_dim` (LCM's guidance embedding). */
  timeCondProjDim?: number
  /** text encoder config `hidden_act`. */
  textEncoderHiddenAct?: string
  /** tokenizer config pad token. */
  tokenizerPad?: string
  /** scheduler config `prediction_type`. */
  prediction?: string
  /** scheduler config `_class_name`. */
  schedulerClass?: string
  /** The folder's and configs' `_name_or_path`, lower case (turbo / lightning / LCM models say so there). */
  nameText: string
}

/**
 * Which family and variant the evidence shows, and why (one phrase per clue, for `studio models
 * inspect`). SDXL: a second text encoder or text_time embeddings; SD 2.x: OpenCLIP ViT-H (cross
 * attention 1024, gelu, "!" padding) or v-prediction; otherwise SD 1.x. Variants: LCM by its scheduler,
 * pipeline or guidance embedding; turbo by name.
 */
export function recogniseFamily(e: FamilyEvidence): { family: ModelFamily; variant: ModelVariant; evidence: string[] } {
  const why: string[] = []
  let family: ModelFamily
  const isXl = /XL/.test(e.pipelineClass) || e.hasTextEncoder2
  if (isXl || e.additionEmbedType === 'text_time') {
    family = 'sdxl'
    why.push(e.hasTextEncoder2 ? 'two text encoders (text_encoder_2)' : `pipeline ${e.pipelineClass}`)
  } else if (e.crossAttentionDim === 1024 || e.textEncoderHiddenAct === 'gelu' || e.tokenizerPad === '!' || e.prediction === 'v_prediction') {
    family = 'sd2'
    if (e.crossAttentionDim === 1024) why.push('cross_attention_dim 1024 (OpenCLIP ViT-H)')
    if (e.textEncoderHiddenAct === 'gelu') why.push('text encoder hidden_act gelu (OpenCLIP)')
    if (e.tokenizerPad === '!') why.push('tokenizer pads with "!" (OpenCLIP)')
    if (e.prediction === 'v_prediction') why.push('v_prediction')
  } else {
    family = 'sd1'
    why.push(e.crossAttentionDim === 768 ? 'cross_attention_dim 768 (CLIP ViT-L)' : 'one CLIP text encoder padding with the end token')
  }
  let variant: ModelVariant = 'base'
  if (e.schedulerClass === 'LCMScheduler' || /LatentConsistency/.test(e.pipelineClass) || e.timeCondProjDim !== undefined || /\blcm\b|[-_]lcm/.test(e.nameText)) {
    variant = 'lcm'
    why.push(e.schedulerClass === 'LCMScheduler' ? 'LCMScheduler' : 'latent-consistency model')
  } else if (/turbo|lightning|hyper-?sd/.test(e.nameText)) {
    variant = 'turbo'
    why.push('name says turbo/lightning (few-step distillation)')
  }
  return { family, variant, evidence: why }
}

//#endregion
