/**
 * Reading ComfyUI graphs: the API graph (a PNG's `prompt` chunk, or a workflow saved in API format)
 * and the UI workflow (a PNG's `workflow` chunk, or a saved workflow), which is first turned into the
 * API shape (comfy-ui-graph.ts).
 *
 * The graph is followed from its sampler node — KSampler, KSamplerAdvanced or SamplerCustom — to the
 * prompts (CLIPTextEncode, CLIPTextEncodeSDXL), the latent size (EmptyLatentImage), the sampler and
 * scheduler (by name, or KSamplerSelect and a scheduler node for SamplerCustom), steps, CFG, seed and
 * denoise, and along the model input to the checkpoint (through LoRA, RescaleCFG and other model
 * patches). What cannot be mapped — custom nodes on these paths, LoRAs, a second pass — is said in the
 * warnings instead of failing the import.
 */
import { resolveSamplerName, resolveScheduleName } from '../../shared/catalogue'
import { parseSeed, type GenerationParams } from '../../shared/params'
import { FormatError } from './errors'
import { isObj, type ReadResult } from './types'

type Link = [string, number]
export interface ApiNode {
  class_type: string
  inputs: Record<string, unknown>
}
export type ApiGraph = Record<string, ApiNode>

const SAMPLER_NODES = ['KSampler', 'KSamplerAdvanced', 'SamplerCustom']

const isLink = (v: unknown): v is Link => Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') && typeof v[1] === 'number'

/** True when the value looks like an API graph: an object of nodes, each with class_type and inputs. */
export function isComfyApiGraph(v: unknown): v is ApiGraph {
  if (!isObj(v)) return false
  const nodes = Object.values(v)
  return nodes.length > 0 && nodes.every((n) => isObj(n) && typeof n.class_type === 'string' && isObj(n.inputs))
}

class GraphReader {
  readonly warnings: string[] = []
  private readonly warned = new Set<string>()
  constructor(
    readonly graph: ApiGraph,
    readonly source?: string
  ) {}

  warn(message: string): void {
    if (!this.warned.has(message)) this.warned.add(message), this.warnings.push(message)
  }

  node(link: Link): [string, ApiNode] | undefined {
    const id = String(link[0])
    const n = this.graph[id]
    return n ? [id, n] : undefined
  }

  /**
   * A literal input, following links to nodes that only hold a value (primitive and literal nodes,
   * including custom ones with one scalar input). undefined when it cannot be resolved.
   */
  scalar(v: unknown, what: string, depth = 0): unknown {
    if (!isLink(v)) return v
    const hit = this.node(v)
    if (!hit || depth > 8) return undefined
    const [id, n] = hit
    const scalars = Object.entries(n.inputs).filter(([, x]) => !isLink(x) && (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean'))
    const links = Object.values(n.inputs).filter(isLink)
    if (scalars.length === 1 && links.length === 0) return scalars[0][1]
    if (scalars.length === 0 && links.length === 1) return this.scalar(links[0], what, depth + 1)
    this.warn(`${what} comes from node ${id} (${n.class_type}), whose value could not be read; it was not carried over`)
    return undefined
  }

  /** The text of a conditioning input: the prompt of its text encoder, through pass-through nodes. */
  prompt(v: unknown, what: string, depth = 0): string | undefined {
    if (!isLink(v)) return undefined
    const hit = this.node(v)
    if (!hit || depth > 16) return undefined
    const [id, n] = hit
    const text = (key: string): string | undefined => {
      const t = this.scalar(n.inputs[key], `the ${what} prompt`)
      return typeof t === 'string' ? t : undefined
    }
    switch (n.class_type) {
      case 'CLIPTextEncode':
        return text('text')
      case 'CLIPTextEncodeSDXL': {
        const g = text('text_g')
        const l = text('text_l')
        if (l !== undefined && g !== undefined && l !== g) this.warn(`the ${what} prompt has different SDXL text_g and text_l; text_g was used`)
        return g ?? l
      }
      case 'CLIPTextEncodeSDXLRefiner':
        return text('text')
    }
    // Nodes that change conditioning but pass the prompt through (ControlNet, areas, timestep ranges).
    const through = ['conditioning', 'conditioning_to', 'positive', 'negative', 'conditioning_1'].map((k) => [k, n.inputs[k]] as const).find(([k, x]) => isLink(x) && (k !== 'positive' || what === 'positive') && (k !== 'negative' || what === 'negative'))
    if (through) {
      this.warn(`the ${what} prompt passes through node ${id} (${n.class_type}), whose effect is not carried over`)
      return this.prompt(through[1], what, depth + 1)
    }
    this.warn(`the ${what} prompt comes from node ${id} (${n.class_type}), which Sigma Studio cannot read; it was not carried over`)
    return undefined
  }

  /** Follows the model input to the checkpoint, noting patches on the way. */
  model(v: unknown, params: Partial<GenerationParams>, depth = 0): string | undefined {
    if (!isLink(v)) return undefined
    const hit = this.node(v)
    if (!hit || depth > 32) return undefined
    const [id, n] = hit
    switch (n.class_type) {
      case 'CheckpointLoaderSimple':
      case 'CheckpointLoader':
      case 'UNETLoader': {
        const name = this.scalar(n.inputs.ckpt_name ?? n.inputs.unet_name, 'the checkpoint name')
        return typeof name === 'string' ? name : undefined
      }
      case 'RescaleCFG': {
        const m = this.scalar(n.inputs.multiplier, 'the RescaleCFG multiplier')
        if (typeof m === 'number') params.guidance = { rescale: m, interval: null, thresholdPercentile: null, clipSample: null }
        break
      }
      case 'LoraLoader':
      case 'LoraLoaderModelOnly':
        this.warn(`LoRA ${JSON.stringify(this.scalar(n.inputs.lora_name, 'the LoRA name') ?? '?')} (node ${id}) is not carried over`)
        break
      default:
        this.warn(`the model passes through node ${id} (${n.class_type}), whose effect is not carried over`)
    }
    return this.model(n.inputs.model, params, depth + 1)
  }

  /** Width, height and batch size of the latent the sampler starts from. */
  latent(v: unknown, params: Partial<GenerationParams>, depth = 0): void {
    if (!isLink(v)) return
    const hit = this.node(v)
    if (!hit || depth > 16) return
    const [id, n] = hit
    if (/^Empty.*LatentImage$/.test(n.class_type)) {
      const w = this.scalar(n.inputs.width, 'the width')
      const h = this.scalar(n.inputs.height, 'the height')
      const b = this.scalar(n.inputs.batch_size, 'the batch size')
      if (typeof w === 'number') params.width = w
      if (typeof h === 'number') params.height = h
      if (typeof b === 'number') params.batchSize = b
      return
    }
    if (n.class_type === 'VAEEncode' || n.class_type === 'VAEEncodeForInpaint') {
      this.warn(`the sampler starts from an encoded image (node ${id}, ${n.class_type}): this is an img2img workflow; choose an init image to run it`)
      return
    }
    this.warn(`the latent comes from node ${id} (${n.class_type}); its size was not carried over`)
  }

  sampler(name: unknown, params: Partial<GenerationParams>): void {
    if (typeof name !== 'string') return
    const r = resolveSamplerName(name)
    if (!r) return this.warn(`ComfyUI sampler "${name}" has no Sigma Studio equivalent; the sampler was not carried over`)
    params.sampler = r.sampler
    params.samplerOptions = { ...(r.options ?? {}) }
  }

  scheduler(name: unknown, params: Partial<GenerationParams>): void {
    if (typeof name !== 'string') return
    const s = resolveScheduleName(name)
    if (!s) return this.warn(`ComfyUI scheduler "${name}" has no Sigma Studio equivalent; the schedule was not carried over`)
    params.schedule = s
    params.scheduleParams = {}
  }

  /** SamplerCustom's `sigmas`: a scheduler node. */
  sigmas(v: unknown, params: Partial<GenerationParams>): void {
    if (!isLink(v)) return
    const hit = this.node(v)
    if (!hit) return
    const [id, n] = hit
    const num = (k: string): number | undefined => {
      const x = this.scalar(n.inputs[k], `${n.class_type} ${k}`)
      return typeof x === 'number' ? x : undefined
    }
    const steps = num('steps')
    if (steps !== undefined) params.steps = steps
    const denoise = num('denoise')
    if (denoise !== undefined && denoise < 1) this.warn(`denoise ${denoise} belongs to an img2img run; it was not carried over`)
    const withEnds = (schedule: string, extra: Record<string, number> = {}): void => {
      params.schedule = schedule
      params.scheduleParams = { ...extra }
      const lo = num('sigma_min')
      const hi = num('sigma_max')
      if (lo !== undefined) params.scheduleParams.sigma_min = lo
      if (hi !== undefined) params.scheduleParams.sigma_max = hi
    }
    switch (n.class_type) {
      case 'BasicScheduler':
        return this.scheduler(this.scalar(n.inputs.scheduler, 'the scheduler'), params)
      case 'KarrasScheduler':
        return withEnds('karras', num('rho') !== undefined ? { rho: num('rho')! } : {})
      case 'ExponentialScheduler':
        return withEnds('exponential')
      case 'PolyexponentialScheduler':
        return withEnds('polyexponential', num('rho') !== undefined ? { rho: num('rho')! } : {})
      case 'BetaSamplingScheduler':
        params.schedule = 'beta'
        params.scheduleParams = {}
        if (num('alpha') !== undefined) params.scheduleParams.alpha = num('alpha')!
        if (num('beta') !== undefined) params.scheduleParams.beta = num('beta')!
        return
      case 'AlignYourStepsScheduler': {
        const type = this.scalar(n.inputs.model_type, 'the AYS model type')
        if (type === 'SVD') return this.warn('Align Your Steps for SVD has no Sigma Studio equivalent; the schedule was not carried over')
        params.schedule = type === 'SDXL' ? 'ays_sdxl' : 'ays_sd1'
        params.scheduleParams = {}
        return
      }
      default:
        this.warn(`the sigmas come from node ${id} (${n.class_type}), which Sigma Studio cannot read; the schedule was not carried over`)
    }
  }
}

/** The sampler node to read: the one that starts from an empty latent (the first pass), else the first. */
function pickSampler(r: GraphReader): [string, ApiNode] {
  const samplers = Object.entries(r.graph).filter(([, n]) => SAMPLER_NODES.includes(n.class_type))
  if (samplers.length === 0) {
    const custom = Object.entries(r.graph).filter(([, n]) => /sampler/i.test(n.class_type)).map(([id, n]) => `${id} (${n.class_type})`)
    throw new FormatError(
      `the workflow has no KSampler, KSamplerAdvanced or SamplerCustom node${custom.length ? `; its sampler nodes ${custom.join(', ')} cannot be read` : ''}`,
      undefined,
      r.source
    )
  }
  const first = samplers.find(([, n]) => {
    const l = n.inputs.latent_image
    return isLink(l) && /^Empty.*LatentImage$/.test(r.node(l)?.[1].class_type ?? '')
  })
  const chosen = first ?? samplers.sort(([a], [b]) => Number(a) - Number(b))[0]
  if (samplers.length > 1) r.warn(`the workflow has ${samplers.length} sampler nodes (a second pass, refiner or upscale); node ${chosen[0]} (${chosen[1].class_type}) was read and the others were not carried over`)
  return chosen
}

/** Reads the settings of an API graph. */
export function readComfyApiGraph(graph: ApiGraph, source?: string): ReadResult {
  const r = new GraphReader(graph, source)
  const [, s] = pickSampler(r)
  const params: Partial<GenerationParams> = {}
  const num = (k: string): number | undefined => {
    const x = r.scalar(s.inputs[k], `${s.class_type} ${k}`)
    return typeof x === 'number' ? x : undefined
  }
  const seedRaw = r.scalar(s.inputs.seed ?? s.inputs.noise_seed, 'the seed')
  if (seedRaw !== undefined) {
    try {
      params.seed = parseSeed(seedRaw, 'seed')
    } catch {
      r.warn(`seed ${JSON.stringify(seedRaw)} is not a seed Sigma Studio can use; it was not carried over`)
    }
  }
  const cfg = num('cfg')
  if (cfg !== undefined) params.cfg = cfg
  if (s.class_type === 'SamplerCustom') {
    const sel = s.inputs.sampler
    const selNode = isLink(sel) ? r.node(sel) : undefined
    if (selNode?.[1].class_type === 'KSamplerSelect') r.sampler(r.scalar(selNode[1].inputs.sampler_name, 'the sampler name'), params)
    else if (selNode) r.warn(`the sampler comes from node ${selNode[0]} (${selNode[1].class_type}), which Sigma Studio cannot read; the sampler was not carried over`)
    r.sigmas(s.inputs.sigmas, params)
    if (r.scalar(s.inputs.add_noise, 'add_noise') === false) r.warn('add_noise is off: the workflow continues another sampler; the result will differ')
  } else {
    const steps = num('steps')
    if (steps !== undefined) params.steps = steps
    r.sampler(r.scalar(s.inputs.sampler_name, 'the sampler name'), params)
    r.scheduler(r.scalar(s.inputs.scheduler, 'the scheduler'), params)
    const denoise = num('denoise')
    if (denoise !== undefined && denoise < 1) r.warn(`denoise ${denoise} belongs to an img2img run; it was not carried over`)
    if (s.class_type === 'KSamplerAdvanced') {
      const start = num('start_at_step') ?? 0
      const end = num('end_at_step') ?? 10000
      if (start > 0 || (params.steps !== undefined && end < params.steps)) r.warn(`KSamplerAdvanced runs only steps ${start} to ${end}; the whole schedule will be run`)
    }
  }
  const positive = r.prompt(s.inputs.positive, 'positive')
  if (positive !== undefined) params.prompt = positive
  const negative = r.prompt(s.inputs.negative, 'negative')
  if (negative !== undefined) params.negativePrompt = negative
  r.latent(s.inputs.latent_image, params)
  const checkpoint = r.model(s.inputs.model, params)
  for (const [id, n] of Object.entries(graph)) {
    if (n.class_type === 'CLIPSetLastLayer') {
      r.warn(`Clip skip (node ${id}, stop_at_clip_layer ${JSON.stringify(n.inputs.stop_at_clip_layer)}) is not carried over: Sigma Studio always uses the text encoder's last layer`)
    }
  }
  return { format: 'comfy-api', params, model: checkpoint ? { name: checkpoint } : {}, warnings: r.warnings }
}
