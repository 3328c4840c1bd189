/**
 * AUTOMATIC1111 "infotext": the text other tools write into a PNG's `parameters` chunk and show under
 * an image. We write it so our images carry their settings to A1111, Forge, Civitai and friends, and
 * read it so people can paste an A1111 image's settings in as a preset.
 *
 * Layout (as A1111 writes it):
 *
 *     prompt lines
 *     Negative prompt: negative lines        (omitted when the negative prompt is empty)
 *     Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, …
 *
 * The rules of A1111's reader, which our reader follows too:
 * - the text is trimmed and split on "\n"; the last line holds the parameters only when at least three
 *   `Key: value` pairs match in it, otherwise it belongs to the prompt;
 * - every other line is trimmed; a line starting "Negative prompt:" switches to the negative prompt;
 * - a pair is `Key: value` where the key starts with a word character and continues with word
 *   characters, spaces, "-" or "/", and the value is either a JSON string in double quotes or runs to
 *   the next comma;
 * - a writer quotes a value (JSON) when it contains a comma, a colon or a newline;
 * - a value of the form `WxH` is a size.
 * What this format cannot carry, and the PNG's own sigma-studio JSON chunk does: leading or trailing
 * spaces of a prompt line, a prompt line that itself starts "Negative prompt:", sampler options and
 * modifiers other than those below.
 */
import { basename } from 'node:path'
import { resolveSamplerName, resolveScheduleName, SAMPLER_BY_ID, SCHEDULE_BY_ID, SAMPLER_IDS, type ScheduleFamilyHint } from '../../shared/catalogue'
import { parseSeed, ParamsError, type GenerationParams } from '../../shared/params'
import { FormatError } from './errors'
import type { InpaintSettings } from '../../shared/inpaint'
import { hasHires, hiresFromInfotext, hiresInfotextPairs } from './infotext-hires'
import { inpaintFromInfotext, inpaintInfotextPairs } from './infotext-inpaint'
import { a1111AutomaticSchedule, a1111ScheduleFor, a1111SamplerPairs } from './a1111-names'
import { type ExtraNetworks, type UsedNetwork, formatNetworkHashes, parseNetworkHashes } from '../../shared/lora-tags'

export interface InfotextModel {
  /** Name shown as "Model:" (the model folder's name). */
  name?: string
  /**
   * "Model hash:": A1111's short hash, the first 10 hex digits of SHA-256 of the checkpoint file. For
   * an ONNX model folder we define it as the first 10 hex digits of SHA-256 of `unet/model.onnx` (the
   * pipeline computes it; see the library's save()).
   */
  hash?: string | null
}

/** Quotes a value the way A1111's writer does: JSON when it holds a comma, colon or newline. */
export function quoteInfotextValue(v: string): string {
  return /[,:\n]/.test(v) ? JSON.stringify(v) : v
}

/** Our own number formatting: the shortest text that reads back as the same number. */
const numText = (n: number): string => String(n)

export interface FormatInfotextOptions {
  model?: InfotextModel
  /** App version, written as "Version: Sigma Studio vX" (not a bare number: A1111 would read a bare
   *  version below 1.6 as an old A1111 and switch on its back-compatibility quirks). */
  appVersion?: string
  /** LoRA / embedding files used, written as A1111's "Lora hashes" and "TI hashes". */
  networks?: ExtraNetworks
}

/** Formats parameters as A1111 infotext. */
export function formatInfotext(p: GenerationParams, opts: FormatInfotextOptions = {}): string {
  const pairs: Array<[string, string]> = []
  pairs.push(['Steps', String(p.steps)])
  pairs.push(...a1111SamplerPairs(p))
  pairs.push(['CFG scale', numText(p.cfg)])
  pairs.push(['Seed', p.seed])
  pairs.push(['Size', `${p.width}x${p.height}`])
  if (opts.model?.hash) pairs.push(['Model hash', opts.model.hash])
  const modelName = opts.model?.name ?? (p.model ? basename(p.model.replace(/[\\/]+$/, '')) : '')
  if (modelName) pairs.push(['Model', modelName])
  if (p.img2img) pairs.push(['Denoising strength', numText(p.img2img.strength)])
  if (p.img2img?.inpaint) pairs.push(...inpaintInfotextPairs(p.img2img.inpaint))
  pairs.push(...hiresInfotextPairs(p))
  // Our noise is PyTorch's CPU generator; A1111 writes "RNG: CPU" for exactly that choice.
  pairs.push(['RNG', 'CPU'])
  if (typeof p.samplerOptions.eta === 'number') pairs.push(['Eta', numText(p.samplerOptions.eta)])
  if (typeof p.scheduleParams.rho === 'number') pairs.push(['Schedule rho', numText(p.scheduleParams.rho)])
  if (typeof p.scheduleParams.sigma_min === 'number') pairs.push(['Schedule min sigma', numText(p.scheduleParams.sigma_min)])
  if (typeof p.scheduleParams.sigma_max === 'number') pairs.push(['Schedule max sigma', numText(p.scheduleParams.sigma_max)])
  // A1111 records its Beta shape beside the label (its options beta_dist_alpha / beta_dist_beta).
  if (p.schedule === 'beta_a1111') {
    pairs.push(['Beta schedule alpha', numText(p.scheduleParams.alpha ?? SCHEDULE_BY_ID.get('beta_a1111')!.params.alpha)])
    pairs.push(['Beta schedule beta', numText(p.scheduleParams.beta ?? SCHEDULE_BY_ID.get('beta_a1111')!.params.beta)])
  }
  if (p.guidance.rescale > 0) pairs.push(['CFG Rescale phi', numText(p.guidance.rescale)])
  if (opts.networks?.loras?.length) pairs.push(['Lora hashes', formatNetworkHashes(opts.networks.loras)])
  if (opts.networks?.embeddings?.length) pairs.push(['TI hashes', formatNetworkHashes(opts.networks.embeddings)])
  if (opts.appVersion) pairs.push(['Version', `Sigma Studio v${opts.appVersion}`])
  const line = pairs.map(([k, v]) => `${k}: ${quoteInfotextValue(v)}`).join(', ')
  const neg = p.negativePrompt ? `\nNegative prompt: ${p.negativePrompt}` : ''
  return `${p.prompt}${neg}\n${line}`.trim()
}

// ---- reading ----

const WORD = /[\p{L}\p{N}_]/u
const SPACE = /\s/

/**
 * The pairs of a parameter line, exactly as A1111's pattern finds them —
 * `\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)` applied with finditer — but in linear time.
 * The pattern itself backtracks quadratically on a long line without colons (50k characters took 4 s,
 * and the API accepts 1 MiB of pasted text), so the scan below follows its leftmost-match semantics by
 * hand: a key runs over key characters up to the first other character, which must be the colon (so a
 * failed key lets the search resume after the whole run); a quoted value ends at the first unescaped
 * quote, looked up in a table computed once right to left.
 */
export function scanInfotextPairs(line: string): Array<[string, string]> {
  const n = line.length
  const isKeyChar = (c: string): boolean => c === ' ' || c === '-' || c === '/' || WORD.test(c)
  // closeFrom[i]: where a quoted value's body starting at i ends (its closing quote), or -1.
  let closeFrom: Int32Array | null = null
  const closing = (i: number): number => {
    if (!closeFrom) {
      closeFrom = new Int32Array(n + 2).fill(-1)
      for (let j = n - 1; j >= 0; j--) {
        const c = line[j]
        if (c === '"') closeFrom[j] = j
        else if (c === '\\') closeFrom[j] = j + 1 < n && line[j + 1] !== '\n' ? closeFrom[j + 2] : -1
        else closeFrom[j] = closeFrom[j + 1]
      }
    }
    return closeFrom[i]
  }
  const charAt = (i: number): string => String.fromCodePoint(line.codePointAt(i)!)
  const out: Array<[string, string]> = []
  let p = 0
  while (p < n) {
    let q = p
    while (q < n && SPACE.test(line[q])) q++
    if (q >= n) break
    const first = charAt(q)
    if (!WORD.test(first)) {
      p = q + first.length
      continue
    }
    let r = q + first.length
    while (r < n) {
      const c = charAt(r)
      if (!isKeyChar(c)) break
      r += c.length
    }
    // A key needs two characters or more and must end at a colon; every start inside this run would
    // reach the same end, so none of them can match either.
    if (r >= n || line[r] !== ':' || [...line.slice(q, r)].length < 2) {
      p = r > q + first.length ? r : q + first.length
      continue
    }
    const key = line.slice(q, r)
    let v = r + 1
    while (v < n && SPACE.test(line[v])) v++
    if (line[v] === '"') {
      const end = v + 1 < n ? closing(v + 1) : -1
      // `+`: at least one character between the quotes; then a comma or the end of the line.
      if (end > v + 1 && (end + 1 === n || line[end + 1] === ',')) {
        out.push([key, line.slice(v, end + 1)])
        p = end + 2
        continue
      }
    }
    let e = line.indexOf(',', v)
    if (e < 0) e = n
    out.push([key, line.slice(v, e)])
    p = e + 1
  }
  return out
}

export interface ParsedInfotext {
  prompt: string
  negativePrompt: string
  /** Every pair of the parameter line in order, values unquoted; a size stays as "WxH". */
  pairs: Array<[string, string]>
  /** The same pairs as a map (a repeated key keeps the last value, as A1111 does). */
  values: Record<string, string>
}

function unquote(v: string): string {
  if (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"') {
    try {
      const s: unknown = JSON.parse(v)
      return typeof s === 'string' ? s : v
    } catch {
      return v
    }
  }
  return v
}

/** Splits infotext into prompt, negative prompt and the parameter pairs, by A1111's rules. */
export function parseInfotext(text: string): ParsedInfotext {
  const lines = text.trim().split('\n')
  let last = lines.pop() ?? ''
  let found = scanInfotextPairs(last)
  if (found.length < 3) {
    found = []
    lines.push(last)
    last = ''
  }
  let prompt = ''
  let negativePrompt = ''
  let inNegative = false
  for (let line of lines) {
    line = line.trim()
    if (line.startsWith('Negative prompt:')) {
      inNegative = true
      line = line.slice('Negative prompt:'.length).trim()
    }
    if (inNegative) negativePrompt += (negativePrompt === '' ? '' : '\n') + line
    else prompt += (prompt === '' ? '' : '\n') + line
  }
  const pairs: Array<[string, string]> = []
  const values: Record<string, string> = {}
  for (const [k, raw] of found) {
    const v = unquote(raw)
    pairs.push([k, v])
    values[k] = v
  }
  return { prompt, negativePrompt, pairs, values }
}

/** What an infotext means in our terms. */
export interface InfotextImport {
  params: Partial<GenerationParams>
  /**
   * img2img settings the text carries (denoising strength, inpainting) without the images themselves,
   * which text cannot carry: a reader applies them once an init image (and mask) is chosen.
   */
  img2img?: { strength: number; inpaint: Omit<InpaintSettings, 'mask'> | null }
  model: InfotextModel
  /** "Lora hashes" / "TI hashes": the files the image used (the tags themselves stay in the prompt). */
  networks?: ExtraNetworks
  /** Things we read but could not carry over, in words, for the UI or CLI to show. */
  warnings: string[]
}

function bad(field: string, message: string, source?: string): never {
  throw new FormatError(message, field, source)
}

function numberField(values: Record<string, string>, key: string, source?: string): number | undefined {
  const raw = values[key]
  if (raw === undefined) return undefined
  const n = Number(raw.trim())
  if (raw.trim() === '' || !Number.isFinite(n)) bad(key, `is "${raw}", not a number`, source)
  return n
}

/**
 * Turns infotext into our parameters: names are resolved through the catalogue ("DPM++ 2M Karras",
 * "Euler a", "Schedule type: Karras"), numbers are checked. Throws a FormatError naming the
 * infotext key (e.g. "Sampler") when something cannot be understood.
 */
export function infotextToParams(text: string, opts: { source?: string; family?: ScheduleFamilyHint } = {}): InfotextImport {
  const src = opts.source
  const parsed = parseInfotext(text)
  const v = parsed.values
  if (parsed.pairs.length < 3) bad('(parameters line)', 'has no "Steps: …, Sampler: …, CFG scale: …" line of at least three pairs; paste the whole infotext, including its last line', src)
  const params: Partial<GenerationParams> = { prompt: parsed.prompt, negativePrompt: parsed.negativePrompt }
  const warnings: string[] = []
  let img2img: InfotextImport['img2img']

  const steps = numberField(v, 'Steps', src)
  if (steps !== undefined) params.steps = steps
  const cfg = numberField(v, 'CFG scale', src)
  if (cfg !== undefined) params.cfg = cfg

  if (v.Seed !== undefined) {
    try {
      params.seed = parseSeed(v.Seed.trim(), 'Seed')
    } catch (e) {
      if (e instanceof ParamsError) bad('Seed', `is "${v.Seed}"; it must be a whole number from 0 to 18446744073709551615`, src)
      throw e
    }
  }
  if (v.Size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(v.Size.trim())
    if (!m) bad('Size', `is "${v.Size}"; expected WIDTHxHEIGHT such as 512x768`, src)
    params.width = Number(m[1])
    params.height = Number(m[2])
  }

  readSamplerAndSchedule(v, params, warnings, opts.family, src)

  const eta = numberField(v, 'Eta', src)
  if (eta !== undefined) {
    if (params.sampler && SAMPLER_BY_ID.get(params.sampler)!.options.includes('eta')) params.samplerOptions = { ...params.samplerOptions, eta }
    else warnings.push(`Eta ${eta} was not carried over: ${params.sampler ?? 'the sampler'} takes no eta`)
  }
  const sched = params.schedule ? SCHEDULE_BY_ID.get(params.schedule) : undefined
  const sp: Record<string, number> = {}
  const rho = numberField(v, 'Schedule rho', src)
  if (rho !== undefined && rho !== 0) {
    if (sched && 'rho' in sched.params) sp.rho = rho
    else warnings.push(`Schedule rho ${rho} was not carried over: the ${sched?.id ?? 'chosen'} schedule has no rho`)
  }
  const smin = numberField(v, 'Schedule min sigma', src)
  if (smin !== undefined && smin !== 0) sp.sigma_min = smin
  const smax = numberField(v, 'Schedule max sigma', src)
  if (smax !== undefined && smax !== 0) sp.sigma_max = smax
  for (const [key, name] of [['Beta schedule alpha', 'alpha'], ['Beta schedule beta', 'beta']] as const) {
    const x = numberField(v, key, src)
    if (x === undefined) continue
    if (params.schedule === 'beta_a1111') sp[name] = x
    else warnings.push(`${key} ${x} was not carried over: the ${sched?.id ?? 'chosen'} schedule is not A1111's Beta`)
  }
  if (params.schedule !== undefined) params.scheduleParams = sp
  else if (Object.keys(sp).length) warnings.push('schedule sigma settings were not carried over: the infotext names no schedule type')

  const phi = numberField(v, 'CFG Rescale phi', src)
  if (phi !== undefined) params.guidance = { rescale: phi, interval: null, thresholdPercentile: null, clipSample: null }

  // With hires keys, "Denoising strength" is the hires strength of a text-to-image picture (A1111 writes it so).
  const hires = hasHires(v) ? hiresFromInfotext(v, src) : null
  if (hires) params.hires = hires
  const strength = hires ? undefined : numberField(v, 'Denoising strength', src)
  const inpaint = inpaintFromInfotext(v, src)
  if (strength !== undefined || inpaint) {
    if (strength !== undefined && !(strength >= 0 && strength <= 1)) bad('Denoising strength', `is ${strength}; it must be from 0 to 1`, src)
    img2img = { strength: strength ?? 0.75, inpaint }
    warnings.push(`${inpaint ? 'inpainting' : 'img2img'} settings (denoising strength ${strength ?? 0.75}${inpaint ? ', mask blur, masked content, area' : ''}) were read; choose the init image${inpaint && !inpaint.maskFromAlpha && !inpaint.outpaint ? ' and the mask' : ''} to use them`)
  }
  const rng = v.RNG?.trim()
  if (rng !== 'CPU') warnings.push(`the image was made with A1111's ${rng ?? 'GPU'} noise; Sigma Studio's noise matches A1111's "CPU" setting, so the same seed gives a different picture`)
  if (v['Clip skip'] !== undefined && v['Clip skip'].trim() !== '1') warnings.push(`Clip skip ${v['Clip skip']} is not carried over: Sigma Studio always uses the text encoder's last layer, so the picture will differ`)
  const ensd = v.ENSD?.trim()
  if (ensd !== undefined && ensd !== '0') {
    // A1111 adds ENSD to the seed of the noise its samplers draw while sampling; the start noise is unchanged.
    if (params.sampler && SAMPLER_BY_ID.get(params.sampler)!.drawsNoise) warnings.push(`ENSD ${ensd} (eta noise seed delta) is not carried over: ${params.sampler} draws noise while sampling, so the picture will differ`)
    else warnings.push(`ENSD ${ensd} (eta noise seed delta) is not carried over; it does not change this sampler's picture`)
  }

  const model: InfotextModel = {}
  if (v.Model !== undefined) model.name = v.Model
  if (v['Model hash'] !== undefined) model.hash = v['Model hash']
  const networks: { loras?: UsedNetwork[]; embeddings?: UsedNetwork[] } = {}
  if (v['Lora hashes'] !== undefined) networks.loras = parseNetworkHashes(v['Lora hashes'])
  if (v['TI hashes'] !== undefined) networks.embeddings = parseNetworkHashes(v['TI hashes'])
  return { params, model, warnings, ...(img2img ? { img2img } : {}), ...(networks.loras || networks.embeddings ? { networks } : {}) }
}

/**
 * Sampler and schedule from the pairs, by A1111 1.10's meaning (see a1111-names.ts): our own keys
 * first, then the labels; Automatic or no schedule type = the sampler's A1111 default.
 */
function readSamplerAndSchedule(v: Record<string, string>, params: Partial<GenerationParams>, warnings: string[], family: ScheduleFamilyHint, src?: string): void {
  let scheduleFromSampler: string | undefined
  const ours = v['Sigma sampler']?.trim()
  if (ours !== undefined) {
    if (!SAMPLER_BY_ID.has(ours)) bad('Sigma sampler', `"${ours}" is not a sampler of this Sigma Studio; known samplers are ${SAMPLER_IDS.join(', ')}`, src)
    params.sampler = ours
    params.samplerOptions = {}
  } else if (v.Sampler !== undefined) {
    const r = resolveSamplerName(v.Sampler)
    if (!r) bad('Sampler', `"${v.Sampler}" is not a sampler Sigma Studio knows; known samplers are ${SAMPLER_IDS.join(', ')} and their A1111 names`, src)
    params.sampler = r.sampler
    params.samplerOptions = { ...(r.options ?? {}) }
    scheduleFromSampler = r.schedule
    const variant = v['UniPC variant']?.trim()
    if (variant !== undefined && r.sampler.startsWith('uni_pc')) {
      if (variant === 'bh2') params.sampler = 'uni_pc_bh2'
      else if (variant === 'bh1') params.sampler = 'uni_pc'
      else warnings.push(`UniPC variant ${variant} has no Sigma Studio equivalent; read as bh1`)
    } else if (r.sampler === 'uni_pc_bh2' && variant === undefined) params.sampler = 'uni_pc' // A1111's UniPC defaults to bh1
  }
  const oursSchedule = v['Sigma schedule']?.trim()
  const label = v['Schedule type']?.trim()
  if (oursSchedule !== undefined) {
    if (!SCHEDULE_BY_ID.has(oursSchedule)) bad('Sigma schedule', `"${oursSchedule}" is not a schedule of this Sigma Studio`, src)
    params.schedule = oursSchedule
  } else if (label !== undefined && label !== 'Automatic') {
    // A1111's label first, by A1111's maths (its Beta and Align Your Steps are not ComfyUI's); then any name we know.
    const a = a1111ScheduleFor(label, family)
    const s = a?.schedule ?? resolveScheduleName(label, family)
    if (!s) bad('Schedule type', `"${label}" is not a schedule Sigma Studio knows`, src)
    params.schedule = s
    if (a?.warning) warnings.push(a.warning)
  } else if (scheduleFromSampler) params.schedule = scheduleFromSampler
  else if (params.sampler) params.schedule = a1111AutomaticSchedule(params.sampler)
}
