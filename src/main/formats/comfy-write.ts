/**
 * Export to a ComfyUI API-format workflow: a JSON object of nodes keyed by id,
 * `{ "3": { "class_type": "KSampler", "inputs": { … } } }`, where a link to another node's output is
 * `[nodeId, outputIndex]`. The graph is the standard text-to-image one: CheckpointLoaderSimple →
 * CLIPTextEncode ×2 → EmptyLatentImage → KSampler → VAEDecode → SaveImage. Our sampler and schedule
 * ids are ComfyUI's names, so they go in as they are (the descriptors in src/shared/samplers.ts and
 * schedules.ts say how ComfyUI spells and computes each). A schedule KSampler lacks (Align Your Steps,
 * GITS, OptimalSteps, Laplace, VP, SD Turbo, Polyexponential, or a KSampler schedule with non-default
 * parameters), a CFG++ sampler, or sampler options, make it SamplerCustom + KSamplerSelect + the scheduler
 * node. Guidance rescale becomes a RescaleCFG node on the model.
 *
 * Seeds can be above 2^53, so `comfyWorkflowJson` writes the seed digits exactly rather than through a
 * JavaScript number.
 */
import { basename } from 'node:path'
import type { GenerationParams } from '../../shared/params'
import { SAMPLER_BY_ID } from '../../shared/samplers'
import { SCHEDULE_BY_ID, SCHEDULE_DESCRIPTORS, type ScheduleInfo } from '../../shared/schedules'
import { FormatError } from './errors'

type Link = [string, number]
export interface ComfyNode {
  class_type: string
  inputs: Record<string, string | number | boolean | Link>
  _meta?: { title: string }
}
export type ComfyWorkflow = Record<string, ComfyNode>

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
  const sd = SAMPLER_BY_ID.get(p.sampler)
  if (!sd) throw new FormatError(`"${p.sampler}" is not a sampler Sigma Studio knows; choose another sampler to export`, 'sampler')
  let sampler = sd.comfy.name
  if (sampler === 'dpmpp_2m_sde' && p.samplerOptions.solver_type === 'heun') sampler = 'dpmpp_2m_sde_heun'
  const otherOptions = Object.keys(p.samplerOptions).filter((k) => k !== 'solver_type')
  if (otherOptions.length) warnings.push(`sampler options ${otherOptions.map((k) => `${k}=${String(p.samplerOptions[k])}`).join(', ')} are not carried: ComfyUI's KSamplerSelect uses its defaults`)

  const sc = SCHEDULE_BY_ID.get(p.schedule)
  if (!sc) throw new FormatError(`"${p.schedule}" is not a schedule Sigma Studio knows`, 'schedule')
  const givenParams = Object.entries(p.scheduleParams)
  const atDefaults = givenParams.every(([k, v]) => sc.params[k] === v)
  const viaKSampler = sc.comfy.scheduler !== undefined && atDefaults && sd.comfy.node === 'KSampler'
  // The range nodes (Karras, Exponential, Polyexponential, Laplace) take explicit sigma ends instead of the model.
  const nodeNeedsEnds = sc.input === 'range' && sc.comfy.node?.classType !== 'BetaSamplingScheduler'
  // A KSampler schedule at its defaults also exists as ComfyUI's BasicScheduler node, for SamplerCustom graphs.
  const basic = sc.comfy.scheduler !== undefined && atDefaults
  const nodeUsable = basic || sc.comfy.node !== undefined && (!nodeNeedsEnds || (p.scheduleParams.sigma_min !== undefined && p.scheduleParams.sigma_max !== undefined))
  if (!viaKSampler && !nodeUsable) {
    const ks = SCHEDULE_DESCRIPTORS.filter((d) => d.comfy.scheduler || d.comfy.node).map((d) => d.id)
    const off = givenParams.find(([k, v]) => sc.params[k] !== v)
    if (sc.comfy.node && off) {
      throw new FormatError(`${off[0]}=${off[1]} cannot be expressed in ComfyUI's KSampler, and ${sc.comfy.node.classType} needs sigma_min and sigma_max; set both or reset ${off[0]} to export`, `scheduleParams.${off[0]}`)
    }
    if (sc.comfy.node) throw new FormatError(`${sc.comfy.node.classType} needs sigma_min and sigma_max; set them in the schedule parameters to export`, 'scheduleParams.sigma_min')
    throw new FormatError(`"${p.schedule}" is not a ComfyUI scheduler; choose ${ks.join(', ')} to export`, 'schedule')
  }
  const g = p.guidance
  if (g.interval || g.thresholdPercentile !== null || g.clipSample !== null) warnings.push('guidance interval and thresholding are not carried: stock ComfyUI has no node for them')
  if (p.noise.temperature !== 1 || p.noise.noiseInjection !== 0) warnings.push('noise temperature and injection are not carried: stock ComfyUI has no node for them')
  if (p.img2img) warnings.push('img2img is not carried: the workflow starts from an empty latent')
  if (p.hires) warnings.push('the hires fix is not carried yet: the workflow is the first pass only (at the base size)')

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
  if (viaKSampler) {
    wf['3'] = {
      class_type: 'KSampler',
      inputs: { seed: SEED_PLACEHOLDER, steps: p.steps, cfg: p.cfg, sampler_name: sampler, scheduler: sc.comfy.scheduler!, denoise: 1, model, positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] }
    }
  } else {
    wf['11'] = { class_type: 'KSamplerSelect', inputs: { sampler_name: sampler } }
    wf['12'] = basic
      ? { class_type: 'BasicScheduler', inputs: { model, scheduler: sc.comfy.scheduler!, steps: p.steps, denoise: 1 } }
      : { class_type: sc.comfy.node!.classType, inputs: schedulerNodeInputs(sc, p, model) }
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

/** The inputs of a scheduler node: its fixed ones (model_type), steps, the model where it reads one, and our parameters. */
function schedulerNodeInputs(sc: ScheduleInfo, p: GenerationParams, model: Link): ComfyNode['inputs'] {
  const inputs: ComfyNode['inputs'] = { ...(sc.comfy.node!.inputs ?? {}), steps: p.steps }
  if (sc.input === 'table' || sc.input === 'range') inputs.model = model
  const values = { ...sc.params, ...p.scheduleParams }
  for (const spec of sc.paramSpecs) if (values[spec.name] !== undefined) inputs[spec.name] = values[spec.name]
  // The range nodes take explicit sigma ends (checked by the caller), not the model.
  if (sc.input === 'range' && sc.comfy.node!.classType !== 'BetaSamplingScheduler') delete inputs.model
  return inputs
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
