/**
 * `studio generate`: one job from the command line. Every image lands in the library (unless
 * --no-library) with its A1111 infotext and exact parameters; --out FILE.png also writes a copy there.
 * Files are written atomically (a temporary file, flushed, then renamed); if a copy cannot be written,
 * the copies already written by this job are removed (the library keeps what it saved).
 */
import { createHash, randomInt } from 'node:crypto'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { basename, dirname, extname, resolve } from 'node:path'
import { initImageFormat } from '../../../shared/init-image'
import { LIMITS } from '../../../shared/params'
import { isDiskFull } from '../../library/errors'
import { keepImage, openLibraryFor } from '../../library/keep'
import { modelShortHash } from '../../library/model-hash'
import { GenerationInputError } from '../../models/errors'
import { readModelFolder } from '../../models/folder'
import { defaultSessionCache, loadModel } from '../../models/model'
import { checkMaxSide, checkMemory, checkSize } from '../../models/preflight'
import { parseDevice } from '../../models/onnx/runtime'
import { generate, generationParamsFor, resolveRequest, type PipelineRequest } from '../../models/pipeline'
import { prepareInpaint } from '../../models/inpaint/prepare'
import { readImageRgb } from '../../models/png'
import { encodePngRgb } from '../../png/encode'
import { CliUsageError, formatOptions, parseOptions, type OptionSpec } from './args'
import { HIRES_OPTIONS, hiresFromFlags } from './hires-args'
import { generateHires, type ImageUpscale } from '../../models/hires'
import { loadUpscaler, upscaleImage as upscaleWithModel } from '../../models/upscaler'
import { findUpscaler } from '../../models/upscaler/job'
import { userDir as upscalersDir } from './upscale'
import { hiresSize, upscalerKind } from '../../../shared/hires'
import { INPAINT_OPTIONS, inpaintFromFlags, inpaintJobSize } from './inpaint-args'
import { MODELS_DIR, resolveModelDir } from './model-dir'
import { LoraTagError, parseLoraTags } from '../../../shared/lora-tags'
import { LoraError } from '../../models/lora/lora-file'
import { parseLoraArg, resolveLoras } from '../../models/lora/resolve'
import { EmbeddingError } from '../../models/embeddings/embedding-file'
import { resolveEmbeddings } from '../../models/embeddings/folder'
import type { Command } from './types'

const OPTIONS: OptionSpec = {
  model: { type: 'string', value: 'DIR', help: 'diffusers/Optimum ONNX model folder (default: the embedded model)' },
  prompt: { type: 'string', value: 'TEXT', help: 'what to draw; A1111 attention syntax (word:1.2), [word], BREAK' },
  negative: { type: 'string', value: 'TEXT', help: 'negative prompt' },
  sampler: { type: 'string', value: 'ID', help: 'sampler id or A1111 name (euler, dpmpp_2m, "DPM++ 2M Karras", …)' },
  schedule: { type: 'string', value: 'ID', help: 'schedule id (karras, normal, sgm_uniform, …)' },
  steps: { type: 'int', value: 'N', help: 'sampling steps (default: the model\'s, 20 or 4 for few-step models)' },
  cfg: { type: 'number', value: 'X', help: 'CFG scale; 1 = no guidance (one UNet pass per step)' },
  seed: { type: 'string', value: 'S', help: 'seed (0 … 2^64-1, or -1 for a random one); image i of a batch uses S+i (default 0)' },
  width: { type: 'int', value: 'W', help: 'width in pixels, a multiple of the model\'s size step (`models inspect` shows it; 16 for the embedded model)' },
  height: { type: 'int', value: 'H', help: 'height in pixels, a multiple of the model\'s size step' },
  batch: { type: 'int', value: 'N', help: 'images in this job (default 1)' },
  init: { type: 'string', value: 'IMG', help: 'img2img: the starting image (resized to the output size)' },
  strength: { type: 'number', value: 'X', help: 'img2img denoising strength 0…1 (default 0.75)' },
  ...INPAINT_OPTIONS,
  ...HIRES_OPTIONS,
  lora: { type: 'list', value: 'FILE[:W[:TE]]', help: 'merge a LoRA .safetensors at weight W (default 1; TE = text-encoder weight); repeatable' },
  loras: { type: 'string', value: 'DIR', help: 'folder where <lora:NAME:W> prompt tags find NAME.safetensors (default $SIGMA_STUDIO_LORAS)' },
  embeddings: { type: 'string', value: 'DIR', help: 'folder of textual-inversion embeddings (.safetensors); their names in the prompt or negative prompt (NAME or embedding:NAME) use them (default $SIGMA_STUDIO_EMBEDDINGS)' },
  'lenient-loras': { type: 'flag', help: 'run without a missing or unreadable LoRA or embedding (with a warning) instead of refusing the job' },
  'guidance-rescale': { type: 'number', value: 'PHI', help: 'guidance rescale phi 0…1 (default 0)' },
  device: { type: 'string', value: 'DEV', help: 'auto (default), cpu, cuda, dml, coreml or webgpu' },
  threads: { type: 'int', value: 'N', help: 'CPU threads per model call (default: cores, at most 8)' },
  out: { type: 'string', value: 'FILE.png', help: 'also write a copy here; batches add -1, -2, … before .png (with --no-library: default ./sigma-SEED.png)' },
  library: { type: 'string', value: 'DIR', help: 'library folder (default: $SIGMA_STUDIO_LIBRARY or the platform user-data folder)' },
  'no-library': { type: 'flag', help: 'do not keep the images in the library (then they go to --out only)' },
  help: { type: 'flag', help: 'show this help' }
}

const USAGE = `usage: npm run -s studio -- generate [--model DIR] --prompt "…" [options]

${formatOptions(OPTIONS)}`

function outputPaths(out: string, count: number): string[] {
  if (count === 1) return [out]
  const ext = extname(out)
  const stem = out.slice(0, out.length - ext.length)
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`)
}

function checkOut(out: string): void {
  if (extname(out).toLowerCase() !== '.png') {
    throw new GenerationInputError('bad-parameter', 'out', `${out} does not end in .png`, 'pass --out FILE.png')
  }
  const dir = dirname(out)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new GenerationInputError('bad-parameter', 'out', `the folder ${dir} does not exist`, 'create it first or pass another --out path')
  }
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new GenerationInputError('bad-parameter', 'out', `${out} is a folder`, 'pass a file name ending in .png')
  }
}

/** Threads per model call: 1 up to the machine's cores (more only makes ONNX Runtime thrash or hang). */
export function checkThreads(n: number): void {
  const cores = availableParallelism()
  if (!Number.isInteger(n) || n < 1 || n > cores) throw new CliUsageError(`--threads ${n} is not possible here; this machine has ${cores} core${cores === 1 ? '' : 's'}, so use 1 to ${cores}`)
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'turn a prompt (and optionally an init image) into PNG images',
  usage: USAGE,
  async run(argv, io) {
    const { options: o, positional } = parseOptions(argv, OPTIONS)
    if (o.help) {
      io.out(USAGE)
      return 0
    }
    if (positional.length > 0) throw new CliUsageError(`unexpected argument "${positional[0]}" (quote the prompt: --prompt "…")`)
    if (typeof o.prompt !== 'string') throw new CliUsageError('--prompt is required')
    if (o.strength !== undefined && o.init === undefined) throw new CliUsageError('--strength only applies with --init IMG')
    // Everything that can be checked without the model is checked before native code loads: a bad
    // argument must give a message, never a crash or a hang inside ONNX Runtime's start-up.
    for (const [flag, text] of [['prompt', o.prompt], ['negative', o.negative]] as const) {
      if (typeof text === 'string' && text.length > LIMITS.maxPromptChars) {
        throw new CliUsageError(`--${flag} is ${text.length} characters long; the limit is ${LIMITS.maxPromptChars}`)
      }
    }
    if (o.threads !== undefined) checkThreads(o.threads as number)
    const device = parseDevice(typeof o.device === 'string' ? o.device : 'auto')
    const started = Date.now()
    const modelDir = resolveModelDir(o.model as string | undefined)
    const seedArg = ((o.seed as string | undefined) ?? '0').trim()
    // A1111 habit: -1 (or "random") picks a fresh seed, printed with the result.
    const seed = seedArg === '-1' || seedArg === 'random' ? String(randomInt(0, 2 ** 32)) : seedArg
    const batch = (o.batch as number | undefined) ?? 1
    const noLibrary = o['no-library'] === true
    if (noLibrary && o.library !== undefined) throw new CliUsageError('--library and --no-library contradict each other; pass one')
    // With the library off, a file is the only place the images can go.
    const outArg = (o.out as string | undefined) ?? (noLibrary ? `sigma-${/^\d+$/.test(seed) ? seed : 'image'}.png` : undefined)
    const out = outArg === undefined ? undefined : resolve(outArg)
    if (out) checkOut(out)
    if (o.init !== undefined && !existsSync(o.init as string)) {
      throw new GenerationInputError('bad-init-image', 'init', `${resolve(o.init as string)} does not exist`, 'pass the path of a PNG, JPEG or WebP file')
    }
    const inpaint = inpaintFromFlags(o, o.init !== undefined)
    if (inpaint && inpaint.mask !== '' && !existsSync(inpaint.mask)) {
      throw new GenerationInputError('bad-init-image', 'mask', `${resolve(inpaint.mask)} does not exist`, 'pass the path of a PNG, JPEG or WebP mask (white = repaint)')
    }

    // Size and memory are checked from the folder's configs before any session is opened, so a job that
    // cannot run (a side off the model's step, or more memory than the machine has) is refused at once.
    const folder = readModelFolder(modelDir)
    const d = folder.defaults
    const size = inpaint ? await inpaintJobSize(o.init as string, inpaint, d) : d
    const width = (o.width as number | undefined) ?? size.width
    const height = (o.height as number | undefined) ?? size.height
    checkSize(folder, width, height)
    checkMaxSide(folder, width, height)
    const hires = hiresFromFlags(o)
    // An upscaler model that is not there is refused before any work.
    if (hires && upscalerKind(hires.upscaler) === 'model') findUpscaler(hires.upscaler, MODELS_DIR, upscalersDir(undefined))
    let largest = { width, height }
    if (hires) {
      // The second pass is the largest work: its size is checked now, before the model loads.
      const hs = hiresSize(width, height, hires, folder.sizeStep, folder.vaeScale)
      if (!hs.ok) throw new CliUsageError(`--hires-${hs.field === 'hires.scale' ? 'scale' : 'size'}: ${hs.problem}`)
      largest = { width: hs.size.width, height: hs.size.height }
      checkMaxSide(folder, largest.width, largest.height)
    }
    checkMemory(folder, { ...largest, images: batch, cfg: Math.max((o.cfg as number | undefined) ?? d.cfg, hires?.cfg ?? 0) })
    const notes: string[] = []
    let loras
    try {
      loras = resolveLoras(parseLoraTags(o.prompt), {
        dir: (o.loras as string | undefined) ?? process.env.SIGMA_STUDIO_LORAS,
        files: ((o.lora as string[] | undefined) ?? []).map(parseLoraArg),
        lenient: o['lenient-loras'] === true
      })
    } catch (e) {
      if (e instanceof LoraError || e instanceof LoraTagError) throw new CliUsageError(e.message)
      throw e
    }
    for (const w of loras.warnings) io.err(`warning: ${w}`)
    const embeddingsDir = (o.embeddings as string | undefined) ?? process.env.SIGMA_STUDIO_EMBEDDINGS
    if (embeddingsDir !== undefined && !existsSync(embeddingsDir)) throw new CliUsageError(`--embeddings: ${resolve(embeddingsDir)} does not exist; pass the folder that holds the embedding .safetensors files`)
    let embeddings
    try {
      embeddings = resolveEmbeddings(embeddingsDir, [o.prompt, (o.negative as string | undefined) ?? ''], o['lenient-loras'] === true)
    } catch (e) {
      if (e instanceof EmbeddingError) throw new CliUsageError(e.message)
      throw e
    }
    for (const w of embeddings.warnings) io.err(`warning: ${w}`)
    const model = await loadModel(modelDir, {
      device,
      threads: o.threads as number | undefined,
      cache: defaultSessionCache,
      log: (l) => notes.push(l),
      loras: loras.applications,
      embeddings: embeddings.files
    })
    for (const n of notes.splice(0)) io.err(`note: ${n}`)
    const request: PipelineRequest = {
      prompt: o.prompt,
      negativePrompt: (o.negative as string | undefined) ?? '',
      sampler: o.sampler as string | undefined,
      schedule: o.schedule as string | undefined,
      steps: o.steps as number | undefined,
      cfg: o.cfg as number | undefined,
      seed,
      width,
      height,
      batchSize: batch,
      guidance: o['guidance-rescale'] !== undefined ? { rescale: o['guidance-rescale'] as number } : undefined,
      hires
    }
    if (o.init !== undefined) {
      // Check the whole request (size, strength, a vae_encoder to use) before reading the image.
      const strength = (o.strength as number | undefined) ?? 0.75
      const blank = { width, height, data: new Uint8Array(width > 0 && height > 0 && width <= LIMITS.maxSide && height <= LIMITS.maxSide ? width * height * 3 : 0) }
      resolveRequest(model, { ...request, init: { image: blank, strength } })
      if (inpaint) {
        const plan = await prepareInpaint({ init: o.init as string, mask: inpaint.mask || undefined, settings: inpaint, width, height, latentFactor: model.folder.vaeScale, seed: Number(BigInt(/^\d+$/.test(seed) ? seed : '0') & 0xffffffffn) })
        for (const n of plan.notes) io.err(`note: ${n}`)
        request.init = { image: plan.work, strength, inpaint: plan }
      } else request.init = { image: await readImageRgb(o.init as string, width, height), strength }
    }
    // Upscaler models (models/*upscaler*, the Settings upscalers folder) through the upscaler module, in tiles.
    const upscaleImage: ImageUpscale = async (name, img, { signal }) => {
      const up = await loadUpscaler(findUpscaler(name, MODELS_DIR, upscalersDir(undefined)))
      try {
        const out = await upscaleWithModel(up, { ...img, channels: 3 }, { signal })
        return { width: out.width, height: out.height, data: out.data }
      } finally {
        await up.release?.()
      }
    }
    const result = hires ? await generateHires(model, request, { log: (l) => io.err(`note: ${l}`), upscaleImage }) : await generate(model, request, { log: (l) => io.err(`note: ${l}`) })
    const { library, report } = await openLibraryFor({ library: o.library as string | undefined, noLibrary })
    if (report && (report.indexed.length || report.flaggedMissing.length || report.quarantined.length)) {
      io.err(`note: library ${library?.dir}: re-indexed ${report.indexed.length} image(s), ${report.flaggedMissing.length} missing file(s), ${report.quarantined.length} quarantined; see "studio library verify"`)
    }
    const paths = out ? outputPaths(out, result.images.length) : []
    const modelHash = await modelShortHash(model.folder.dir)
    // Stored with every image (PNG chunks, library): name files by content, never by path — a path
    // reveals the user's folders when images are shared. The model is named by folder name and hash.
    const contentName = (file: string): string => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 32)}`
    const initPath = o.init === undefined ? undefined : contentName(o.init as string)
    // The init image and mask are kept in the library with the results (only formats the app can send
    // back as an init image: PNG, JPEG, WebP), so "use these settings" in the app restores them.
    const keepable = (file: string): Uint8Array | undefined => {
      const b = readFileSync(file)
      return initImageFormat(b) ? b : undefined
    }
    const inputs = o.init === undefined ? undefined : { init: keepable(o.init as string), mask: inpaint?.mask ? keepable(inpaint.mask) : undefined }
    const written: string[] = []
    const kept: string[] = []
    try {
      for (const [i, img] of result.images.entries()) {
        const params = generationParamsFor(result.request, img.seed, model.folder.name, initPath, inpaint && { ...inpaint, mask: inpaint.mask && contentName(inpaint.mask) })
        const k = await keepImage(library, { png: encodePngRgb(img.data, img.width, img.height), params, modelHash, modelName: model.folder.name, networks: { loras: loras.used.map(({ name, hash }) => ({ name, hash })), embeddings: embeddings.files.map(({ name, hash }) => ({ name, hash })) }, inputs }, paths[i])
        if (k.out) written.push(k.out)
        kept.push(k.entry ? `library ${k.entry.id}` : '')
      }
    } catch (e) {
      // A full disk is not a reason to lose what was saved: say plainly how far it got.
      if (isDiskFull(e)) {
        const saved = kept.length
        throw new CliUsageError(`disk full: ${saved} of ${result.images.length} image${result.images.length === 1 ? ' was' : 's were'} saved${written.length ? ` (${written.join(', ')})` : ''}; free some space and run the command again for the rest (${(e as Error).message})`)
      }
      for (const p of written) rmSync(p, { force: true })
      throw e
    } finally {
      library?.close()
    }
    const r = result.request
    result.images.forEach((img, i) => {
      const where = [paths[i], kept[i]].filter(Boolean).join(' and ')
      io.out(`wrote ${where} (${img.width}x${img.height}, seed ${img.seed})`)
    })
    const devices = [...new Set(Object.values(model.devices))].join('+') || 'cpu'
    io.out(
      `done: ${result.images.length} image${result.images.length === 1 ? '' : 's'} in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(${basename(model.folder.dir)}, ${r.sampler}/${r.schedule}, ${result.stepsRun} steps, cfg ${r.cfg}, ${result.unetCalls} UNet calls, ${devices})`
    )
    return 0
  }
}

export { outputPaths }
