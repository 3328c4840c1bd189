/**
 * Export to a ComfyUI API-format workflow: a JSON object of nodes keyed by id,
 * `{ "3": { "class_type": "KSampler", "inputs": { … } } }`, where a link to another node's output is
 * `[nodeId, outputIndex]`. The graph is the standard text-to-image one: CheckpointLoaderSimple →
 * CLIPTextEncode ×2 → EmptyLatentImage → KSampler → VAEDecode → SaveImage. Our sampler and schedule
 * ids are ComfyUI's names, so they go in as they are. Align Your Steps is not a KSampler scheduler in
 * ComfyUI; it is exported as SamplerCustom + KSamplerSelect + AlignYourStepsScheduler. Guidance
 * rescale becomes a RescaleCFG node on the model.
 *
 * Seeds can be above 2^53, so `comfyWorkflowJson` writes the seed digits exactly rather than through a
 * JavaScript number.
 */
import { basename } from 'node:path'
import type { GenerationParams } from '../../shared/params'
import { FormatError } from './errors'

type Link = [string, number]
export interface ComfyNode {
  class_type: string
  inputs: Record<string, string | number | boolean | Link>
  _meta?: { title: string }
}
export type ComfyWorkflow = Record<string, ComfyNode>

/** Schedulers ComfyUI's KSampler accepts by name. */
const KSAMPLER_SCHEDULERS = new Set(['simple', 'sgm_uniform', 'karras', 'exponential', 'ddim_uniform', 'beta', 'normal', 'linear_quadratic', 'kl_optimal'])
/** Samplers ComfyUI's KSampler accepts by name (our ids; the Heun SDE variant is spelled below). */
const KSAMPLER_SAMPLERS = new Set([
  'euler', 'euler_ancestral', 'heun', 'heunpp2', 'dpm_2', 'dpm_2_ancestral', 'lms', 'dpm_fast', 'dpm_adaptive', 'dpmpp_2s_ancestral', 'dpmpp_sde',
  'dpmpp_2m', 'dpmpp_2m_sde', 'dpmpp_3m_sde', 'ddpm', 'lcm', 'ipndm', 'ipndm_v', 'deis', 'res_multistep', 'er_sde', 'ddim', 'uni_pc', 'uni_pc_bh2'
])
/** Schedule parameters KSampler uses at these values; anything else cannot be expressed there. */
const SCHEDULE_DEFAULTS: Record<string, Record<string, number>> = { karras: { rho: 7 }, beta: { alpha: 0.6, beta: 0.6 }, linear_quadratic: { threshold_noise: 0.025 } }

export interface ComfyExport {
  workflow: ComfyWorkflow
  /** Settings ComfyUI's stock nodes cannot express; said in words. */
  warnings: string[]
}

export interface ComfyExportOptions {
  /** Checkpoint file name for CheckpointLoaderSimple; defaults to the model folder's name + ".safetensors". */
  checkpoint?: string
  filenamePrefix?: string
}

const SEED_PLACEHOLDER = '__SIGMA_SEED__'

export function toComfyWorkflow(p: GenerationParams, opts: ComfyExportOptions = {}): ComfyExport {
  const warnings: string[] = []
  let sampler = p.sampler
  if (!KSAMPLER_SAMPLERS.has(sampler)) throw new FormatError(`"${sampler}" has no ComfyUI sampler of the same name; choose another sampler to export`, 'sampler')
  if (sampler === 'dpmpp_2m_sde' && p.samplerOptions.solver_type === 'heun') sampler = 'dpmpp_2m_sde_heun'
  const otherOptions = Object.keys(p.samplerOptions).filter((k) => k !== 'solver_type')
  if (otherOptions.length) warnings.push(`sampler options ${otherOptions.map((k) => `${k}=${p.samplerOptions[k]}`).join(', ')} are not carried: ComfyUI's KSampler uses its defaults`)

  const ays = p.schedule === 'ays_sd1' || p.schedule === 'ays_sdxl'
  if (!ays && !KSAMPLER_SCHEDULERS.has(p.schedule)) throw new FormatError(`"${p.schedule}" is not a ComfyUI scheduler; choose simple, normal, karras, exponential, sgm_uniform, ddim_uniform, beta, linear_quadratic, kl_optimal or Align Your Steps to export`, 'schedule')
  const defaults = SCHEDULE_DEFAULTS[p.schedule] ?? {}
  for (const [k, v] of Object.entries(p.scheduleParams)) {
    if (defaults[k] !== v) throw new FormatError(`${k}=${v} cannot be expressed in ComfyUI's KSampler (it uses ${k in defaults ? defaults[k] : 'the model default'}); reset it to export`, `scheduleParams.${k}`)
  }
  const g = p.guidance
  if (g.interval || g.thresholdPercentile !== null || g.clipSample !== null) warnings.push('guidance interval and thresholding are not carried: stock ComfyUI has no node for them')
  if (p.noise.temperature !== 1 || p.noise.noiseInjection !== 0) warnings.push('noise temperature and injection are not carried: stock ComfyUI has no node for them')
  if (p.img2img) warnings.push('img2img is not carried: the workflow starts from an empty latent')

  const ckpt = opts.checkpoint ?? `${basename((p.model || 'model').replace(/[\\/]+$/, ''))}.safetensors`
  const wf: ComfyWorkflow = {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ckpt } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: p.prompt, clip: ['4', 1] }, _meta: { title: 'Positive prompt' } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: p.negativePrompt, clip: ['4', 1] }, _meta: { title: 'Negative prompt' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: p.width, height: p.height, batch_size: p.batchSize } }
  }
  let model: Link = ['4', 0]
  if (g.rescale > 0) {
    wf['10'] = { class_type: 'RescaleCFG', inputs: { model, multiplier: g.rescale } }
    model = ['10', 0]
  }
  let samples: Link = ['3', 0]
  if (!ays) {
    wf['3'] = {
      class_type: 'KSampler',
      inputs: { seed: SEED_PLACEHOLDER, steps: p.steps, cfg: p.cfg, sampler_name: sampler, scheduler: p.schedule, denoise: 1, model, positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] }
    }
  } else {
    wf['11'] = { class_type: 'KSamplerSelect', inputs: { sampler_name: sampler } }
    wf['12'] = { class_type: 'AlignYourStepsScheduler', inputs: { model_type: p.schedule === 'ays_sdxl' ? 'SDXL' : 'SD1', steps: p.steps, denoise: 1 } }
    wf['13'] = {
      class_type: 'SamplerCustom',
      inputs: { add_noise: true, noise_seed: SEED_PLACEHOLDER, cfg: p.cfg, model, positive: ['6', 0], negative: ['7', 0], sampler: ['11', 0], sigmas: ['12', 0], latent_image: ['5', 0] }
    }
    samples = ['13', 0]
  }
  wf['8'] = { class_type: 'VAEDecode', inputs: { samples, vae: ['4', 2] } }
  wf['9'] = { class_type: 'SaveImage', inputs: { filename_prefix: opts.filenamePrefix ?? 'SigmaStudio', images: ['8', 0] } }
  // The seed placeholder becomes a number: exact where it is safe, and exact in the JSON text always.
  const seedNum = Number(p.seed)
  for (const node of Object.values(wf)) for (const [k, v] of Object.entries(node.inputs)) if (v === SEED_PLACEHOLDER) node.inputs[k] = seedNum
  return { workflow: wf, warnings }
}

/** The workflow as JSON text, with the seed written digit for digit (no rounding above 2^53). */
export function comfyWorkflowJson(p: GenerationParams, opts: ComfyExportOptions = {}): { json: string; warnings: string[] } {
  const { workflow, warnings } = toComfyWorkflow(p, opts)
  const seedKeys = new Set(['seed', 'noise_seed'])
  const marked: ComfyWorkflow = JSON.parse(JSON.stringify(workflow))
  for (const node of Object.values(marked)) for (const k of Object.keys(node.inputs)) if (seedKeys.has(k)) node.inputs[k] = SEED_PLACEHOLDER
  const json = JSON.stringify(marked, null, 2).replaceAll(`"${SEED_PLACEHOLDER}"`, p.seed)
  return { json, warnings }
}
