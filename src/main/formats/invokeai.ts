/**
 * InvokeAI metadata, both ways.
 *
 * - 3.x/4.x+: the PNG text chunk `invokeai_metadata`, JSON with `positive_prompt`, `negative_prompt`,
 *   `width`, `height`, `seed`, `cfg_scale`, `cfg_rescale_multiplier`, `steps`, `scheduler`,
 *   `clip_skip`, `model` ({ name, hash, base, … }), `generation_mode`, `strength`, `app_version`.
 * - 2.x (read only): `sd-metadata`, JSON whose `image` holds `prompt` (a list of { prompt, weight },
 *   the negative part in [brackets]), `steps`, `cfg_scale`, `seed`, `width`, `height`, `sampler`
 *   ("k_lms", "k_euler_a", …); and `Dream`, the same settings as a command line
 *   (`"prompt [negative]" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms`).
 *
 * InvokeAI's scheduler names are diffusers schedulers: "euler_a" is EulerAncestralDiscreteScheduler,
 * "dpmpp_2m" DPMSolverMultistepScheduler, and a "_k" suffix turns on use_karras_sigmas. Without it the
 * model's own timestep spacing is used, which for the SD1.x/SDXL models InvokeAI ships is diffusers'
 * "leading" (steps_offset 1); that is what the plain names read as here, and say so.
 */
import { resolveSamplerName, SAMPLER_BY_ID } from '../../shared/catalogue'
import { parseSeed, type GenerationParams } from '../../shared/params'
import { FormatError } from './errors'
import { isObj, type ReadResult } from './types'

export const INVOKEAI_KEYWORD = 'invokeai_metadata'
export const INVOKEAI_LEGACY_KEYWORD = 'sd-metadata'
export const INVOKEAI_DREAM_KEYWORD = 'Dream'

/**
 * InvokeAI scheduler (without "_k") → our sampler id, through the diffusers class it names. Names
 * with no equivalent here (dpmpp_2s is single-step DPM-Solver++ without noise, dpmpp_3m is the
 * third-order multistep ODE solver, tcd) are absent and reported.
 */
const INVOKE_SCHEDULER_CLASS: Record<string, string> = {
  ddim: 'DDIMScheduler',
  ddpm: 'DDPMScheduler',
  deis: 'DEISMultistepScheduler',
  lms: 'LMSDiscreteScheduler',
  pndm: 'PNDMScheduler',
  heun: 'HeunDiscreteScheduler',
  euler: 'EulerDiscreteScheduler',
  euler_a: 'EulerAncestralDiscreteScheduler',
  kdpm_2: 'KDPM2DiscreteScheduler',
  kdpm_2_a: 'KDPM2AncestralDiscreteScheduler',
  dpmpp_2m: 'DPMSolverMultistepScheduler',
  dpmpp_sde: 'DPMSolverSDEScheduler',
  unipc: 'UniPCMultistepScheduler',
  lcm: 'LCMScheduler'
}
/** dpmpp_2m_sde is DPMSolverMultistepScheduler with algorithm_type sde-dpmsolver++, not the class default. */
const INVOKE_SAMPLER_DIRECT: Record<string, string> = { dpmpp_2m_sde: 'dpmpp_2m_sde' }

function invokeSampler(name: string): { sampler?: string; karras: boolean } {
  const karras = name.endsWith('_k')
  const base = karras ? name.slice(0, -2) : name
  const direct = INVOKE_SAMPLER_DIRECT[base]
  if (direct) return { sampler: direct, karras }
  const cls = INVOKE_SCHEDULER_CLASS[base]
  return { sampler: cls ? resolveSamplerName(cls)?.sampler : undefined, karras }
}

/** InvokeAI 2.x's k-diffusion sampler names ("k_euler_a", "k_dpmpp_2_a", "ddim", "plms"). */
const LEGACY_SAMPLERS: Record<string, string> = {
  ddim: 'ddim',
  plms: 'ipndm',
  k_lms: 'lms',
  k_euler: 'euler',
  k_euler_a: 'euler_ancestral',
  k_heun: 'heun',
  k_dpm_2: 'dpm_2',
  k_dpm_2_a: 'dpm_2_ancestral',
  k_dpmpp_2: 'dpmpp_2m',
  k_dpmpp_2_a: 'dpmpp_2s_ancestral'
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

function setSeed(params: Partial<GenerationParams>, v: unknown, warnings: string[]): void {
  if (v === undefined) return
  try {
    params.seed = parseSeed(v, 'seed')
  } catch {
    warnings.push(`seed ${JSON.stringify(v)} is not a seed Sigma Studio can use; it was not carried over`)
  }
}

/** Reads `invokeai_metadata` JSON (already parsed). */
export function readInvokeAiMetadata(m: unknown, source?: string): ReadResult {
  if (!isObj(m)) throw new FormatError('is not InvokeAI metadata (a JSON object)', INVOKEAI_KEYWORD, source)
  const params: Partial<GenerationParams> = {}
  const warnings: string[] = []
  if (typeof m.positive_prompt === 'string') params.prompt = m.positive_prompt
  if (typeof m.negative_prompt === 'string') params.negativePrompt = m.negative_prompt
  if (num(m.width) !== undefined) params.width = num(m.width)
  if (num(m.height) !== undefined) params.height = num(m.height)
  if (num(m.steps) !== undefined) params.steps = num(m.steps)
  if (num(m.cfg_scale) !== undefined) params.cfg = num(m.cfg_scale)
  setSeed(params, m.seed, warnings)
  const rescale = num(m.cfg_rescale_multiplier)
  if (rescale) params.guidance = { rescale, interval: null, thresholdPercentile: null, clipSample: null }
  if (typeof m.scheduler === 'string') {
    const r = invokeSampler(m.scheduler)
    if (!r.sampler) warnings.push(`InvokeAI scheduler "${m.scheduler}" has no Sigma Studio equivalent; the sampler was not carried over`)
    else {
      params.sampler = r.sampler
      params.samplerOptions = {}
      params.schedule = r.karras ? 'karras' : 'leading'
      params.scheduleParams = {}
      if (!r.karras) warnings.push(`InvokeAI's "${m.scheduler}" uses the model's own timestep spacing; read as diffusers "leading" (the SD1.x/SDXL default)`)
    }
  }
  if (num(m.clip_skip)) warnings.push(`Clip skip ${m.clip_skip} is not carried over: Sigma Studio always uses the text encoder's last layer`)
  if (m.generation_mode !== undefined && m.generation_mode !== 'txt2img' && m.generation_mode !== 'sdxl_txt2img') {
    warnings.push(`generation mode ${JSON.stringify(m.generation_mode)}${num(m.strength) !== undefined ? ` (strength ${m.strength})` : ''}: choose an init image to run it as img2img`)
  }
  if (m.rand_device === 'cuda') warnings.push("the image was made with InvokeAI's GPU noise; Sigma Studio's noise matches its CPU noise, so the same seed gives a different picture")
  if (Array.isArray(m.loras) && m.loras.length) warnings.push(`${m.loras.length} LoRA(s) are not carried over`)
  const model = isObj(m.model) ? { name: typeof m.model.name === 'string' ? m.model.name : undefined, hash: typeof m.model.hash === 'string' ? m.model.hash : null } : {}
  return { format: 'invokeai', params, model, warnings }
}

/** Writes `invokeai_metadata` for our parameters; warns where InvokeAI has no name for a setting. */
export function writeInvokeAiMetadata(p: GenerationParams, opts: { modelName?: string; appVersion?: string } = {}): { json: Record<string, unknown>; warnings: string[] } {
  const warnings: string[] = []
  const names = Object.entries(INVOKE_SCHEDULER_CLASS).filter(([, cls]) => resolveSamplerName(cls)?.sampler === p.sampler).map(([n]) => n)
  for (const [n, s] of Object.entries(INVOKE_SAMPLER_DIRECT)) if (s === p.sampler) names.push(n)
  let scheduler: string | undefined = names[0]
  if (!scheduler) warnings.push(`${SAMPLER_BY_ID.get(p.sampler)?.displayName ?? p.sampler} has no InvokeAI scheduler; it was left out`)
  else if (p.schedule === 'karras') scheduler += '_k'
  else if (p.schedule !== 'leading') warnings.push(`the ${p.schedule} schedule cannot be chosen in InvokeAI (only the model's spacing or Karras); "${scheduler}" uses the model's spacing`)
  const json: Record<string, unknown> = {
    generation_mode: p.img2img ? 'img2img' : 'txt2img',
    positive_prompt: p.prompt,
    negative_prompt: p.negativePrompt,
    width: p.width,
    height: p.height,
    seed: p.seed,
    rand_device: 'cpu',
    cfg_scale: p.cfg,
    cfg_rescale_multiplier: p.guidance.rescale,
    steps: p.steps,
    ...(scheduler ? { scheduler } : {}),
    ...(p.img2img ? { strength: p.img2img.strength } : {}),
    ...(opts.modelName ? { model: { name: opts.modelName } } : {}),
    app_version: opts.appVersion ? `Sigma Studio ${opts.appVersion}` : 'Sigma Studio'
  }
  return { json, warnings }
}

/** Splits an InvokeAI 2.x prompt into prompt and the [bracketed] negative parts. */
function splitLegacyPrompt(text: string): { prompt: string; negative: string } {
  const negs: string[] = []
  const prompt = text.replace(/\[([^\]]*)\]/g, (_, n: string) => (negs.push(n.trim()), '')).replace(/\s+/g, ' ').trim()
  return { prompt, negative: negs.join(', ') }
}

/** Reads InvokeAI 2.x `sd-metadata` JSON (already parsed). */
export function readInvokeAiLegacy(m: unknown, source?: string): ReadResult {
  if (!isObj(m) || !isObj(m.image)) throw new FormatError('is not InvokeAI 2.x metadata (no "image" settings)', INVOKEAI_LEGACY_KEYWORD, source)
  const img = m.image
  const params: Partial<GenerationParams> = {}
  const warnings: string[] = []
  const text = Array.isArray(img.prompt) ? img.prompt.map((p) => (isObj(p) && typeof p.prompt === 'string' ? p.prompt : '')).join(' ') : typeof img.prompt === 'string' ? img.prompt : undefined
  if (text !== undefined) {
    const { prompt, negative } = splitLegacyPrompt(text)
    params.prompt = prompt
    params.negativePrompt = negative
  }
  for (const [k, f] of [['steps', 'steps'], ['cfg_scale', 'cfg'], ['width', 'width'], ['height', 'height']] as const) if (num(img[k]) !== undefined) params[f] = num(img[k])
  setSeed(params, img.seed, warnings)
  legacySampler(img.sampler, params, warnings)
  if (img.type !== undefined && img.type !== 'txt2img') warnings.push(`generation type ${JSON.stringify(img.type)}: choose an init image to run it as img2img`)
  const model = { name: typeof m.model_weights === 'string' ? m.model_weights : undefined, hash: typeof m.model_hash === 'string' ? m.model_hash : null }
  return { format: 'invokeai-legacy', params, model, warnings }
}

function legacySampler(name: unknown, params: Partial<GenerationParams>, warnings: string[]): void {
  if (typeof name !== 'string') return
  const s = LEGACY_SAMPLERS[name]
  if (!s) return void warnings.push(`InvokeAI sampler "${name}" has no Sigma Studio equivalent; the sampler was not carried over`)
  params.sampler = s
  params.samplerOptions = {}
  // InvokeAI 2.x ran k-diffusion samplers on the model's own (uniform-timestep) discretization.
  params.schedule = s === 'ddim' || s === 'ipndm' ? 'ddim_uniform' : 'normal'
  params.scheduleParams = {}
}

/** Reads InvokeAI 2.x's `Dream` command line. */
export function readInvokeAiDream(line: string, source?: string): ReadResult {
  const m = /^\s*"((?:\\.|[^"\\])*)"(.*)$/s.exec(line)
  if (!m) throw new FormatError('is not an InvokeAI "Dream" line ("prompt" -s steps -S seed …)', INVOKEAI_DREAM_KEYWORD, source)
  const params: Partial<GenerationParams> = {}
  const warnings: string[] = []
  const { prompt, negative } = splitLegacyPrompt(m[1].replace(/\\(.)/g, '$1'))
  params.prompt = prompt
  params.negativePrompt = negative
  const flags = new Map<string, string>()
  for (const f of m[2].matchAll(/(-{1,2}[A-Za-z_]+)\s+([^\s-][^\s]*)/g)) flags.set(f[1], f[2])
  const n = (...keys: string[]): number | undefined => {
    for (const k of keys) if (flags.has(k) && Number.isFinite(Number(flags.get(k)))) return Number(flags.get(k))
    return undefined
  }
  if (n('-s', '--steps') !== undefined) params.steps = n('-s', '--steps')
  if (n('-C', '--cfg_scale') !== undefined) params.cfg = n('-C', '--cfg_scale')
  if (n('-W', '--width') !== undefined) params.width = n('-W', '--width')
  if (n('-H', '--height') !== undefined) params.height = n('-H', '--height')
  setSeed(params, flags.get('-S') ?? flags.get('--seed'), warnings)
  legacySampler(flags.get('-A') ?? flags.get('--sampler'), params, warnings)
  return { format: 'invokeai-legacy', params, model: {}, warnings }
}
