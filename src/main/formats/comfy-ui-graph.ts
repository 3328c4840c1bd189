/**
 * ComfyUI's UI workflow (what its editor saves, and a PNG's `workflow` chunk) turned into the API
 * graph shape that comfy-read.ts follows. The UI format keeps node widgets as a positional list
 * (`widgets_values`) and links in a separate table (`[id, from node, from slot, to node, to slot,
 * type]`), so the widget names of the stock nodes the reader needs are listed below; a node not listed
 * keeps only its links, and the reader reports it if the settings pass through it.
 *
 * Muted (mode 2) and bypassed (mode 4) nodes are left out; Reroute nodes are followed through.
 */
import { FormatError } from './errors'
import { isObj } from './types'
import type { ApiGraph } from './comfy-read'

/**
 * Widget names in `widgets_values` order. "control_after_generate" (the UI's seed control, "fixed" or
 * "randomize") follows every seed widget in the list and is skipped.
 */
const WIDGETS: Record<string, readonly string[]> = {
  KSampler: ['seed', 'control_after_generate', 'steps', 'cfg', 'sampler_name', 'scheduler', 'denoise'],
  KSamplerAdvanced: ['add_noise', 'noise_seed', 'control_after_generate', 'steps', 'cfg', 'sampler_name', 'scheduler', 'start_at_step', 'end_at_step', 'return_with_leftover_noise'],
  SamplerCustom: ['add_noise', 'noise_seed', 'control_after_generate', 'cfg'],
  KSamplerSelect: ['sampler_name'],
  BasicScheduler: ['scheduler', 'steps', 'denoise'],
  KarrasScheduler: ['steps', 'sigma_max', 'sigma_min', 'rho'],
  ExponentialScheduler: ['steps', 'sigma_max', 'sigma_min'],
  PolyexponentialScheduler: ['steps', 'sigma_max', 'sigma_min', 'rho'],
  BetaSamplingScheduler: ['steps', 'alpha', 'beta'],
  AlignYourStepsScheduler: ['model_type', 'steps', 'denoise'],
  CLIPTextEncode: ['text'],
  CLIPTextEncodeSDXL: ['width', 'height', 'crop_w', 'crop_h', 'target_width', 'target_height', 'text_g', 'text_l'],
  CLIPTextEncodeSDXLRefiner: ['ascore', 'width', 'height', 'text'],
  EmptyLatentImage: ['width', 'height', 'batch_size'],
  EmptySD3LatentImage: ['width', 'height', 'batch_size'],
  CheckpointLoaderSimple: ['ckpt_name'],
  CheckpointLoader: ['config_name', 'ckpt_name'],
  UNETLoader: ['unet_name', 'weight_dtype'],
  LoraLoader: ['lora_name', 'strength_model', 'strength_clip'],
  LoraLoaderModelOnly: ['lora_name', 'strength_model'],
  RescaleCFG: ['multiplier'],
  CLIPSetLastLayer: ['stop_at_clip_layer'],
  PrimitiveNode: ['value', 'control_after_generate']
}

interface UiNode {
  id: number | string
  type: string
  mode?: number
  inputs?: Array<{ name: string; link: number | null }>
  widgets_values?: unknown[] | Record<string, unknown>
}

/** True when the value looks like a UI workflow: `nodes` and `links` lists. */
export function isComfyUiWorkflow(v: unknown): boolean {
  return isObj(v) && Array.isArray(v.nodes) && Array.isArray(v.links)
}

export function uiWorkflowToApiGraph(wf: unknown, source?: string): ApiGraph {
  if (!isObj(wf) || !Array.isArray(wf.nodes) || !Array.isArray(wf.links)) throw new FormatError('is not a ComfyUI workflow (no nodes and links lists)', undefined, source)
  const nodes = new Map<string, UiNode>()
  for (const [i, n] of wf.nodes.entries()) {
    if (!isObj(n) || (typeof n.id !== 'number' && typeof n.id !== 'string') || typeof n.type !== 'string') throw new FormatError('is not a node with an id and a type', `nodes[${i}]`, source)
    nodes.set(String(n.id), n as unknown as UiNode)
  }
  // link id → [origin node, origin slot]; the newer object form { id, origin_id, origin_slot } too.
  const links = new Map<number, [string, number]>()
  for (const l of wf.links) {
    if (Array.isArray(l) && l.length >= 3) links.set(Number(l[0]), [String(l[1]), Number(l[2])])
    else if (isObj(l) && l.id !== undefined) links.set(Number(l.id), [String(l.origin_id), Number(l.origin_slot)])
  }
  const active = (n: UiNode | undefined): boolean => n !== undefined && n.mode !== 2 && n.mode !== 4
  /** The origin of a link, through Reroute nodes. */
  const origin = (linkId: number, depth = 0): [string, number] | undefined => {
    const o = links.get(linkId)
    if (!o || depth > 32) return undefined
    const n = nodes.get(o[0])
    if (n?.type === 'Reroute') {
      const inLink = n.inputs?.[0]?.link
      return inLink === null || inLink === undefined ? undefined : origin(inLink, depth + 1)
    }
    return o
  }

  const graph: ApiGraph = {}
  for (const [id, n] of nodes) {
    if (!active(n) || n.type === 'Reroute' || n.type === 'Note' || n.type === 'MarkdownNote') continue
    const inputs: Record<string, unknown> = {}
    const wv = n.widgets_values
    if (isObj(wv)) Object.assign(inputs, wv)
    else if (Array.isArray(wv)) {
      const names = WIDGETS[n.type]
      if (names) names.forEach((name, i) => name !== 'control_after_generate' && i < wv.length && (inputs[name] = wv[i]))
    }
    for (const inp of n.inputs ?? []) {
      if (inp.link === null || inp.link === undefined) continue
      const o = origin(inp.link)
      if (o && active(nodes.get(o[0]))) inputs[inp.name] = [o[0], o[1]]
    }
    graph[id] = { class_type: n.type, inputs }
  }
  return graph
}
