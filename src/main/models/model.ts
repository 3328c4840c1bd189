/**
 * A loaded model: the folder's facts (folder.ts), its open sessions, and what each session's declared
 * inputs and outputs mean for the pipeline — dtypes, fixed or dynamic batch and spatial axes, the
 * timestep's dtype and shape, which text-encoder output to read. Nothing here is assumed from the family:
 * every name, dtype and shape comes from the session itself.
 */
import { join } from 'node:path'
import { FAMILIES, type FamilyDescriptor } from '../../shared/model-family'
import { ModelSigmas, modelSigmas } from '../engine/model-sigmas'
import { ModelFolderError } from './errors'
import { type ComponentName, type ModelFolder, readModelFolder } from './folder'
import { folderStamp } from './folder-stamp'
import { ClipTokenizer } from './prompt/clip-tokenizer'
import type { LoraComponent } from './lora/lora-file'
import { LoraError } from './lora/lora-file'
import type { ComponentPlan, LoraApplication } from './lora/merge'
import { mergeComponent } from './lora/merge-component'
import type { EmbeddingFile } from './embeddings/embedding-file'
import type { EmbeddingTokenizer } from './embeddings/embedding-tokenizer'
import { embeddingSignature, embeddingTokenizer, spliceEmbeddings } from './embeddings/apply'
import { type Device, type InMemoryModel, ModelSession, type RunnableSession, SessionCache, type SessionOptions, type TensorSpec, isFixed } from './onnx/runtime'

/** How a timestep is fed: a scalar, one value for the whole batch, or one per batch row. */
export type TimestepShape = 'scalar' | 'one' | 'batch'

export interface UnetIo {
  sample: TensorSpec
  timestep: TensorSpec
  timestepShape: TimestepShape
  /** Integer timesteps are rounded to the nearest table entry; float ones are interpolated. */
  timestepIsInteger: boolean
  context: TensorSpec
  /** SDXL: pooled text embedding and the six size/crop ids. */
  textEmbeds?: TensorSpec
  timeIds?: TensorSpec
  /** LCM models with guidance embedded: the w-embedding input and its width. */
  timestepCond?: TensorSpec
  output: string
  /** Largest batch one call takes (Infinity when the batch axis is dynamic). */
  maxBatch: number
  /** Set when the export fixes the batch axis: every call carries exactly this many rows (padded). */
  fixedBatch?: number
  latentChannels: number
  /**
   * Inpainting UNets (9-channel `sample`): the channels fed after the latent, diffusers' order — the mask
   * (1) and the masked image's latent (4). 0 for ordinary text-to-image UNets.
   */
  inpaintChannels: number
  /** Fixed latent height/width when the export fixed them. */
  fixedLatent?: { height: number; width: number }
  /** Fixed token count of encoder_hidden_states, when fixed. */
  fixedTokens?: number
  contextWidth: number
}

export interface TextEncoderIo {
  component: ComponentName
  idsType: string
  maxBatch: number
  fixedBatch?: number
  fixedSequence?: number
  /** The output giving per-token states (last_hidden_state, or SDXL's penultimate hidden_states.N). */
  hiddenOutput: string
  /** Pooled output used by SDXL's added conditioning (text_embeds of text_encoder_2). */
  pooledOutput?: string
  width: number
}

export interface VaeIo {
  maxBatch: number
  fixedBatch?: number
  fixedLatent?: { height: number; width: number }
  input: string
  output: string
  /** Encoder only: output holds mean and log-variance (2 x latent channels), of which the mean is used. */
  parameters?: boolean
}

export interface ModelSessions {
  text_encoder: RunnableSession
  text_encoder_2?: RunnableSession
  unet: RunnableSession
  vae_decoder: RunnableSession
  vae_encoder?: RunnableSession
}

export interface LoadedModel {
  folder: ModelFolder
  /** The discrete model's sigma table (from the scheduler config's beta schedule). */
  sigmas: ModelSigmas
  /** Sessions; tests may wrap them (count calls, inject failures). */
  sessions: ModelSessions
  unet: UnetIo
  textEncoders: TextEncoderIo[]
  /** One per text encoder; they know the loaded embeddings' names (embeddings/). */
  tokenizers: (ClipTokenizer | EmbeddingTokenizer)[]
  /** Textual-inversion embeddings spliced into the text encoders. */
  embeddings?: readonly EmbeddingFile[]
  vaeDecoder: VaeIo
  vaeEncoder?: VaeIo
  /** Device each component runs on. */
  devices: Partial<Record<ComponentName, string>>
}

function unsupported(path: string, problem: string, hint = 'the studio runs diffusers/Optimum ONNX exports of SD 1.x, 2.x and SDXL'): ModelFolderError {
  return new ModelFolderError('unsupported-layout', path, problem, hint)
}

function describe(spec: TensorSpec): string {
  return `${spec.name} ${spec.type} [${spec.shape.join(', ')}]`
}

function batchLimit(specs: readonly TensorSpec[]): number {
  let limit = Infinity
  for (const s of specs) if (isFixed(s.shape[0])) limit = Math.min(limit, s.shape[0])
  return limit
}

function fixedBatch(specs: readonly TensorSpec[]): number | undefined {
  const n = batchLimit(specs)
  return n === Infinity ? undefined : n
}

function fixedSpatial(spec: TensorSpec): { height: number; width: number } | undefined {
  const [, , h, w] = spec.shape
  return isFixed(h) && isFixed(w) ? { height: h, width: w } : undefined
}

/** Reads the UNet's declared I/O; anything we cannot feed is an unsupported layout naming the input. */
export function analyseUnet(session: RunnableSession, path: string, family: FamilyDescriptor): UnetIo {
  const sdxl = family.timeIds > 0
  const byName = new Map(session.inputs.map((s) => [s.name, s]))
  const need = (name: string): TensorSpec => {
    const s = byName.get(name)
    if (!s) throw unsupported(path, `the UNet has no "${name}" input (it takes ${session.inputs.map(describe).join('; ')})`)
    return s
  }
  const sample = need('sample')
  const timestep = need('timestep')
  const context = need('encoder_hidden_states')
  const known = new Set(['sample', 'timestep', 'encoder_hidden_states', 'text_embeds', 'time_ids', 'timestep_cond'])
  const extra = session.inputs.filter((s) => !known.has(s.name))
  if (extra.length > 0) {
    throw unsupported(path, `the UNet takes inputs the studio does not provide: ${extra.map(describe).join('; ')}`, 'ControlNet/adapter exports are not supported yet; use a plain text-to-image export')
  }
  const textEmbeds = byName.get('text_embeds')
  const timeIds = byName.get('time_ids')
  if (sdxl && ((family.pooledEmbeddings && !textEmbeds) || !timeIds)) throw unsupported(path, `an ${family.label} UNet must take ${family.pooledEmbeddings ? 'text_embeds and ' : ''}time_ids`)
  if (!sdxl && (textEmbeds || timeIds)) throw unsupported(path, 'the UNet takes text_embeds/time_ids (SDXL) but the folder has a single text encoder')
  if (timeIds && isFixed(timeIds.shape[1]) && timeIds.shape[1] !== family.timeIds) {
    const refiner = family.refinerTimeIds !== undefined && timeIds.shape[1] === family.refinerTimeIds
    throw unsupported(
      path,
      `time_ids has ${timeIds.shape[1]} values per row${refiner ? ' (an SDXL refiner: sizes and an aesthetic score)' : ''}; ${family.label} base models take ${family.timeIds}`,
      refiner ? 'the studio runs SDXL base models; refiners are not supported yet' : 'the components come from different models'
    )
  }
  if (sample.shape.length !== 4) throw unsupported(path, `UNet sample must be [batch, channels, height, width], got ${describe(sample)}`)
  const channels = sample.shape[1]
  if (isFixed(channels) && channels !== 4 && channels !== 9) {
    throw unsupported(path, `the UNet takes ${channels} latent channels (a depth or upscaler model)`, 'the studio runs text-to-image models (4 latent channels) and inpainting models (9)')
  }
  if (!/^float/.test(sample.type)) throw unsupported(path, `UNet sample has type ${sample.type}`)
  if (context.shape.length !== 3 || !isFixed(context.shape[2])) {
    throw unsupported(path, `encoder_hidden_states must be [batch, tokens, width] with a fixed width, got ${describe(context)}`)
  }
  const output = session.outputs.find((o) => o.name === 'out_sample')?.name ?? session.outputs[0]?.name
  if (!output) throw unsupported(path, 'the UNet has no outputs')
  const timestepShape: TimestepShape = timestep.shape.length === 0 ? 'scalar' : isFixed(timestep.shape[0]) && timestep.shape[0] === 1 ? 'one' : 'batch'
  const batchSpecs = [sample, context, ...(textEmbeds ? [textEmbeds] : []), ...(timeIds ? [timeIds] : [])]
  if (timestepShape === 'batch') batchSpecs.push(timestep)
  return {
    sample,
    timestep,
    timestepShape,
    timestepIsInteger: timestep.type.startsWith('int'),
    context,
    textEmbeds,
    timeIds,
    timestepCond: byName.get('timestep_cond'),
    output,
    maxBatch: batchLimit(batchSpecs),
    fixedBatch: fixedBatch(batchSpecs),
    latentChannels: 4,
    inpaintChannels: channels === 9 ? 5 : 0,
    fixedLatent: fixedSpatial(sample),
    fixedTokens: isFixed(context.shape[1]) ? context.shape[1] : undefined,
    contextWidth: context.shape[2] as number
  }
}

/** Which outputs of a text encoder the pipeline reads, as the family says (SDXL: the penultimate layer, and text_embeds of the last encoder). */
export function analyseTextEncoder(component: ComponentName, session: RunnableSession, path: string, family: FamilyDescriptor): TextEncoderIo {
  const ids = session.inputs.find((s) => s.name === 'input_ids')
  if (!ids || session.inputs.length !== 1) {
    throw unsupported(path, `the text encoder must take exactly one input "input_ids" (it takes ${session.inputs.map(describe).join('; ')})`)
  }
  if (!ids.type.startsWith('int')) throw unsupported(path, `input_ids has type ${ids.type}; expected int32 or int64`)
  const outs = new Map(session.outputs.map((o) => [o.name, o]))
  let hidden = outs.get('last_hidden_state')
  let pooled: TensorSpec | undefined
  if (family.hiddenState === 'penultimate') {
    const layers = session.outputs
      .map((o) => /^hidden_states\.(\d+)$/.exec(o.name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b)
    if (layers.length < 2) {
      throw unsupported(path, `an ${family.label} text encoder must output hidden_states.N (exported with output_hidden_states); it outputs ${session.outputs.map((o) => o.name).join(', ')}`)
    }
    hidden = outs.get(`hidden_states.${layers[layers.length - 2]}`)
  }
  if (family.pooledEmbeddings && component === family.textEncoders[family.textEncoders.length - 1]) {
    pooled = outs.get('text_embeds')
    if (!pooled) throw unsupported(path, `${family.label} ${component} must output text_embeds (CLIPTextModelWithProjection)`)
  }
  if (!hidden) throw unsupported(path, `the text encoder has no last_hidden_state output (it outputs ${session.outputs.map((o) => o.name).join(', ')})`)
  const width = hidden.shape[2]
  if (!isFixed(width)) throw unsupported(path, `${hidden.name} must have a fixed width, got ${describe(hidden)}`)
  const seq = ids.shape[1]
  if (isFixed(seq) && seq !== 77) throw unsupported(path, `input_ids is fixed at ${seq} tokens; CLIP text encoders take 77`)
  return {
    component,
    idsType: ids.type,
    maxBatch: batchLimit([ids]),
    fixedBatch: fixedBatch([ids]),
    fixedSequence: isFixed(seq) ? seq : undefined,
    hiddenOutput: hidden.name,
    pooledOutput: pooled?.name,
    width
  }
}

export function analyseVae(session: RunnableSession, path: string, encoder: boolean): VaeIo {
  if (session.inputs.length !== 1 || session.outputs.length < 1) throw unsupported(path, 'a VAE part must have one input and one output')
  const input = session.inputs[0]
  const output = session.outputs[0]
  const latentSide = encoder ? output : input
  const channels = latentSide.shape[1]
  return {
    maxBatch: batchLimit([input]),
    fixedBatch: fixedBatch([input]),
    fixedLatent: fixedSpatial(latentSide),
    input: input.name,
    output: output.name,
    parameters: encoder ? (isFixed(channels) ? channels === 8 : output.name === 'latent_parameters') : undefined
  }
}

export interface LoadOptions extends SessionOptions {
  /** Reuse sessions across loads of the same model; releases the previous model's sessions. */
  cache?: SessionCache
  /**
   * LoRA files merged into the UNet and text encoder(s) before their sessions are created (lora/); the
   * other components, and every component when this is empty, are the base sessions.
   */
  loras?: readonly LoraApplication[]
  /** Textual-inversion embeddings whose rows are appended to the text encoders' token tables. */
  embeddings?: readonly EmbeddingFile[]
}

const LORA_COMPONENTS: Partial<Record<ComponentName, LoraComponent>> = { unet: 'unet', text_encoder: 'text_encoder', text_encoder_2: 'text_encoder_2' }

/** What identifies a merge of one component: each file (by content hash or path) with its weight there. */
function loraSignature(component: LoraComponent, apps: readonly LoraApplication[]): string {
  return apps
    .filter((a) => a.file.layers.some((l) => l.component === component))
    .map((a) => ({ id: a.file.hash ?? a.file.path, w: component === 'unet' ? a.unet : a.te }))
    .filter((p) => p.w !== 0)
    .map((p) => `${p.id}@${p.w}`)
    .join('|')
}

/**
 * After a fresh merge: a file none of whose layers found a place in this model is an error (a LoRA for
 * another architecture or naming); layers without a counterpart and keys no layout claims are noted.
 */
function checkLoraReports(loras: readonly LoraApplication[], reports: readonly ComponentPlan['report'][], log?: (line: string) => void): void {
  if (reports.length === 0) return // every merge came from the cache
  for (const a of loras) {
    const mine = reports.flat().filter((r) => r.file === a.file.path)
    if (mine.length === 0) continue
    const matched = mine.reduce((n, r) => n + r.matched, 0)
    const unmatched = mine.flatMap((r) => r.unmatched)
    if (matched === 0) {
      throw new LoraError(
        a.file.path,
        `none of its ${a.file.layers.length} layers matches a layer of this model (first: "${a.file.layers[0].key}")`,
        'it was made for another model (SD 1.x / 2.x / SDXL) or a naming the studio does not map'
      )
    }
    if (unmatched.length > 0) log?.(`LoRA ${a.file.name}: ${unmatched.length} of its layers have no counterpart in this model and were skipped (first: "${unmatched[0]}")`)
    if (a.file.unsupported.length > 0) log?.(`LoRA ${a.file.name}: ${a.file.unsupported.length} keys are not LoRA layers the studio merges (LoHa, LoKr, DoRA, …) and were skipped (first: "${a.file.unsupported[0]}")`)
  }
}

/** Opens every component of a model folder and checks that the pipeline can drive it. */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const folder = readModelFolder(dir)
  const family = FAMILIES[folder.family]
  // The folder's stamp too: another model imported under a removed one's name must not reuse its sessions.
  const key = `${folder.dir}\u0000${folderStamp(folder.dir)}\u0000${options.device ?? 'auto'}`
  const loras = options.loras ?? []
  const embeddings = options.embeddings ?? []
  const sdxl = family.textEncoders.length > 1
  const tokenizers = [ClipTokenizer.fromFolder(folder.tokenizerDir)]
  if (folder.tokenizer2Dir) tokenizers.push(ClipTokenizer.fromFolder(folder.tokenizer2Dir))
  const reports: ComponentPlan['report'][] = []
  options.cache?.beginLoad()
  const open = (c: ComponentName): Promise<ModelSession> => {
    const path = folder.components[c]!.model
    const lc = LORA_COMPONENTS[c]
    const te = c === 'text_encoder' || c === 'text_encoder_2' ? c : undefined
    const withEmbeddings = te !== undefined && embeddings.length > 0
    if (lc && (loras.length > 0 || withEmbeddings)) {
      const build = (): InMemoryModel | undefined => {
        let merged: InMemoryModel | undefined
        if (loras.length > 0) {
          const r = mergeComponent(path, lc, loras)
          reports.push(r.plan.report)
          merged = r.merged
        }
        if (withEmbeddings) merged = spliceEmbeddings(path, te, embeddings, tokenizers[te === 'text_encoder' ? 0 : 1] ?? tokenizers[0], sdxl, merged)
        return merged
      }
      const signature = [loraSignature(lc, loras), withEmbeddings ? embeddingSignature(embeddings) : ''].filter((s) => s !== '').join('#')
      if (options.cache) return options.cache.get(key, c, path, options, { signature, build })
      return ModelSession.open(c, path, options, signature ? build() : undefined)
    }
    return options.cache ? options.cache.get(key, c, path, options) : ModelSession.open(c, path, options)
  }
  const sessions: ModelSessions = {
    text_encoder: await open('text_encoder'),
    unet: await open('unet'),
    vae_decoder: await open('vae_decoder')
  }
  if (family.textEncoders.includes('text_encoder_2')) sessions.text_encoder_2 = await open('text_encoder_2')
  if (folder.components.vae_encoder) sessions.vae_encoder = await open('vae_encoder')
  if (loras.length > 0) checkLoraReports(loras, reports, options.log)
  const devices: Partial<Record<ComponentName, string>> = {}
  for (const [c, s] of Object.entries(sessions)) if (s instanceof ModelSession) devices[c as ComponentName] = s.device

  const path = (c: ComponentName): string => folder.components[c]?.model ?? join(folder.dir, c)
  const unet = analyseUnet(sessions.unet, path('unet'), family)
  const textEncoders = family.textEncoders.map((c) => analyseTextEncoder(c, sessions[c]!, path(c), family))
  const contextWidth = textEncoders.reduce((a, t) => a + t.width, 0)
  if (contextWidth !== unet.contextWidth) {
    throw unsupported(
      folder.dir,
      `the text encoders give ${contextWidth}-wide states (${textEncoders.map((t) => `${t.component} ${t.hiddenOutput}: ${t.width}`).join(', ')}) but the UNet takes ${unet.contextWidth}`,
      'the components come from different models; copy the complete folder of one model'
    )
  }
  const pooled = textEncoders.find((t) => t.pooledOutput)
  if (unet.textEmbeds && pooled) {
    const spec = sessions.text_encoder_2!.outputs.find((o) => o.name === pooled.pooledOutput)!
    const want = unet.textEmbeds.shape[1]
    if (isFixed(want) && isFixed(spec.shape[1]) && want !== spec.shape[1]) {
      throw unsupported(folder.dir, `text_embeds width ${spec.shape[1]} does not match the UNet's ${want}`, 'the components come from different models')
    }
  }
  return {
    folder,
    sigmas: modelSigmas(folder.sigmaConfig),
    sessions,
    unet,
    textEncoders,
    tokenizers: embeddings.length > 0 ? tokenizers.map((t) => embeddingTokenizer(t, embeddings)) : tokenizers,
    embeddings,
    vaeDecoder: analyseVae(sessions.vae_decoder, path('vae_decoder'), false),
    vaeEncoder: sessions.vae_encoder ? analyseVae(sessions.vae_encoder, path('vae_encoder'), true) : undefined,
    devices
  }
}

/** The process-wide session cache the CLI and worker use: one model's sessions at a time. */
export const defaultSessionCache = new SessionCache()

export type { Device }
