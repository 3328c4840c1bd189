/**
 * Imports a single-file checkpoint (.safetensors, LDM key layout) as a diffusers-layout ONNX model folder,
 * without Python and without copying the weights:
 *
 *   1. read only the safetensors header; detect the family from the key names (detect.ts);
 *   2. check every key, shape and dtype against the family's template (check.ts);
 *   3. per component, rewrite the template graph so each initializer (named with its LDM key) points at
 *      its bytes inside the checkpoint as ONNX external data (onnx-edit.ts), the checkpoint being
 *      hard-linked into the component folder as weights.safetensors (same inode: no second copy, and the
 *      user's file is never moved or changed); where a hard link is impossible, offsets are made relative
 *      to the component's byte range and weights.json tells the loader to pass that range in memory
 *      (external-weights.ts);
 *   4. write model_index.json, the scheduler and component configs, the tokenizer files and
 *      checkpoint.json (the source's sha256, size, family, date);
 *   all into a temporary folder inside the models folder, renamed into place at the end, so an import that
 *   fails or is interrupted leaves no half-written model.
 */
import { createHash } from 'node:crypto'
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, extname, join, resolve } from 'node:path'
import { readSafetensorsHeader, type SafetensorsDtype, type SafetensorsHeader } from '../safetensors/safetensors'
import { checkAgainstTemplate, type CheckResult, type Source } from './check'
import { CheckpointError, detectFamily, type Detected, type ImportFamily } from './detect'
import { type ExternalWeights, WEIGHTS_JSON } from './external-weights'
import { listInitializers, ONNX_DTYPE, placeInitializers } from './onnx-edit'
import { type CheckpointTemplate, type ComponentId, loadTemplate, TEMPLATES_DIR } from './templates'

export const CHECKPOINT_RECORD = 'checkpoint.json'

export interface ImportProgress {
  readonly stage: 'check' | 'write' | 'hash' | 'done'
  /** Bytes hashed so far (stage hash). */
  readonly done: number
  readonly total: number
}

export interface ImportOptions {
  readonly file: string
  readonly modelsDir: string
  readonly name?: string
  readonly family?: ImportFamily
  /** A separate VAE (.safetensors, LDM names with or without first_stage_model.) replacing the checkpoint's. */
  readonly vae?: string
  readonly templatesDir?: string
  /** 'memory' skips the hard link (tests of the fallback; file systems that cannot link). */
  readonly weights?: 'link' | 'memory'
  readonly onProgress?: (p: ImportProgress) => void
  /** false: no sha256 of the source (tests of full-size layouts, where hashing gigabytes of zeros proves nothing). */
  readonly hash?: boolean
  /** Stops the import (between hashed chunks, the long part); the temporary folder is removed. */
  readonly signal?: AbortSignal
}

/** Thrown when an import is stopped through its signal. */
export class ImportCancelled extends Error {
  constructor(file: string) {
    super(`${file}: the import was cancelled; nothing was written to the models folder`)
    this.name = 'ImportCancelled'
  }
}

export interface ImportResult {
  readonly dir: string
  readonly name: string
  readonly detected: Detected
  readonly weights: 'link' | 'memory'
  readonly sha256: string | null
  readonly ignoredKeys: number
  readonly missingOptional: readonly string[]
}

const ONNX_OF: Partial<Record<SafetensorsDtype, number>> = { F16: ONNX_DTYPE.FLOAT16, BF16: ONNX_DTYPE.BFLOAT16, F32: ONNX_DTYPE.FLOAT, F64: ONNX_DTYPE.DOUBLE }
const PICKLE_EXT = new Set(['.ckpt', '.pt', '.pth', '.bin', '.pkl'])

/** Refuses pickle checkpoints by name or by their first bytes: unpickling runs arbitrary code. */
function refusePickle(file: string): void {
  const why = 'is a PyTorch pickle checkpoint; the studio never unpickles files (loading a pickle can run any code hidden in it)'
  const hint = 'download the .safetensors version of the model (model sites offer one for almost every model)'
  if (PICKLE_EXT.has(extname(file).toLowerCase())) throw new CheckpointError(file, why, hint)
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (e) {
    throw new CheckpointError(file, `cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  try {
    const head = Buffer.alloc(4)
    readSync(fd, head, 0, 4, 0)
    if (head[0] === 0x50 && head[1] === 0x4b) throw new CheckpointError(file, `${why} (a zip archive)`, hint)
    if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) throw new CheckpointError(file, why, hint)
  } finally {
    closeSync(fd)
  }
}

/** A model folder name from the user's: no path separators, nothing hidden, at most 100 characters. */
export function checkModelName(name: string): string {
  const n = name.trim()
  if (!n || n.length > 100 || /[\\/:*?"<>|\u0000-\u001f]/.test(n) || n.startsWith('.')) {
    throw new CheckpointError(name, 'is not a usable model name', 'use letters, digits, spaces, - and _ (at most 100 characters, not starting with a dot)')
  }
  return n
}

function vaeSource(header: SafetensorsHeader): Source {
  return {
    header,
    keyFor: (k) => {
      const bare = k.replace(/^first_stage_model\./, '')
      return header.tensors.has(bare) ? bare : header.tensors.has(k) ? k : bare
    }
  }
}

/** The template graph of one component with its initializers pointed at the checkpoint's bytes. */
function placeComponent(bytes: Uint8Array, check: CheckResult, linkName: (s: Source) => string, base: (s: Source) => number): Uint8Array {
  return placeInitializers(bytes, (init) => {
    const hit = check.tensors.get(init.name)
    if (!hit) throw new Error(`template initializer ${init.name} was not checked`)
    const dataType = ONNX_OF[hit.info.dtype]
    if (dataType === undefined) throw new CheckpointError(hit.source.header.path, `tensor "${hit.info.name}" has dtype ${hit.info.dtype}, which cannot be a weight`)
    return { dataType, location: linkName(hit.source), offset: hit.info.offset - base(hit.source), length: hit.info.byteLength }
  })
}

async function sha256(file: string, onBytes: (n: number) => void, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.allocUnsafe(8 << 20)
    let pos = 0
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos)
      if (n === 0) break
      hash.update(buf.subarray(0, n))
      pos += n
      onBytes(pos)
      // Every 8 MB: lets progress, other calls and a cancel through (one setImmediate costs microseconds).
      await new Promise((r) => setImmediate(r))
      if (signal?.aborted) throw new ImportCancelled(file)
    }
  } finally {
    closeSync(fd)
  }
  return hash.digest('hex')
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n')
}

export async function importCheckpoint(options: ImportOptions): Promise<ImportResult> {
  const file = resolve(options.file)
  const progress = options.onProgress ?? (() => {})
  refusePickle(file)
  const header = readSafetensorsHeader(file)
  const detected = detectFamily(header, options.family)
  const template = loadTemplate(detected.template, options.templatesDir ?? TEMPLATES_DIR)
  const vaeHeader = options.vae ? readSafetensorsHeader(resolve(options.vae)) : undefined
  progress({ stage: 'check', done: 0, total: header.fileSize })

  const graphs = new Map<ComponentId, Uint8Array>()
  const used = new Set<string>()
  for (const [c, spec] of Object.entries(template.components) as [ComponentId, { file: string }][]) {
    const bytes = readFileSync(join(template.dir, spec.file))
    graphs.set(c, bytes)
    for (const init of listInitializers(bytes)) used.add(init.name)
  }
  const main: Source = { header, keyFor: (k) => k }
  const vae = vaeHeader ? vaeSource(vaeHeader) : undefined
  const sourceFor = (k: string): Source => (vae && k.startsWith('first_stage_model.') ? vae : main)
  const check = checkAgainstTemplate(template, used, sourceFor, header)

  const modelsDir = resolve(options.modelsDir)
  const name = checkModelName(options.name ?? basename(file, extname(file)))
  const dest = join(modelsDir, name)
  if (existsSync(dest)) throw new CheckpointError(dest, 'already exists', 'pass --name with another name, or remove that model first')
  mkdirSync(modelsDir, { recursive: true })
  const tmp = join(modelsDir, `.${name}.importing-${process.pid}-${Date.now()}`)
  mkdirSync(tmp)
  try {
    progress({ stage: 'write', done: 0, total: header.fileSize })
    const weights = writeComponents(tmp, template, graphs, check, main, vae, options.weights ?? 'link')
    writeTokenizers(tmp, template)
    writeIndexAndScheduler(tmp, template, detected)
    const hashing = options.hash !== false
    const digest = hashing ? await sha256(file, (n) => progress({ stage: 'hash', done: n, total: header.fileSize }), options.signal) : null
    const vaeDigest = vaeHeader && hashing ? await sha256(vaeHeader.path, () => {}, options.signal) : null
    const st = statSync(file)
    writeJson(join(tmp, CHECKPOINT_RECORD), {
      format: 'sigma-studio-checkpoint-import/1',
      source: { path: file, file: basename(file), size: st.size, sha256: digest },
      vae: vaeHeader ? { path: vaeHeader.path, file: basename(vaeHeader.path), size: vaeHeader.fileSize, sha256: vaeDigest } : undefined,
      family: detected.family,
      prediction: detected.prediction,
      evidence: detected.evidence,
      template: { family: template.family, tiny: template.tiny },
      weights,
      importedAt: new Date().toISOString(),
      missingOptionalKeys: check.missingOptional,
      ignoredKeys: check.ignored.length
    })
    if (options.signal?.aborted) throw new ImportCancelled(file)
    renameSync(tmp, dest)
    progress({ stage: 'done', done: header.fileSize, total: header.fileSize })
    return { dir: dest, name, detected, weights, sha256: digest, ignoredKeys: check.ignored.length, missingOptional: check.missingOptional }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true })
    throw e
  }
}

function writeComponents(
  tmp: string,
  template: CheckpointTemplate,
  graphs: Map<ComponentId, Uint8Array>,
  check: CheckResult,
  main: Source,
  vae: Source | undefined,
  wanted: 'link' | 'memory'
): 'link' | 'memory' {
  const linkName = (s: Source): string => (s === vae ? 'vae.safetensors' : 'weights.safetensors')
  let mode = wanted
  for (const [c, bytes] of graphs) {
    const dir = join(tmp, c)
    mkdirSync(dir)
    const sources = new Set<Source>()
    for (const init of listInitializers(bytes)) sources.add(check.tensors.get(init.name)!.source)
    if (mode === 'link') {
      try {
        for (const s of sources) linkSync(s.header.path, join(dir, linkName(s)))
      } catch {
        mode = 'memory' // e.g. EXDEV (another drive) or a file system without hard links
      }
    }
    let graph: Uint8Array
    if (mode === 'link') {
      graph = placeComponent(bytes, check, linkName, () => 0)
    } else {
      // Each source's bytes this component reads, as one range; offsets become relative to its start.
      const ranges = new Map<Source, [number, number]>()
      for (const init of listInitializers(bytes)) {
        const { source, info } = check.tensors.get(init.name)!
        const r = ranges.get(source) ?? [Infinity, 0]
        ranges.set(source, [Math.min(r[0], info.offset), Math.max(r[1], info.offset + info.byteLength)])
      }
      graph = placeComponent(bytes, check, linkName, (s) => ranges.get(s)![0])
      const spec: ExternalWeights = {
        format: 'sigma-studio-external-weights/1',
        files: [...ranges].map(([s, [a, b]]) => ({ location: linkName(s), source: s.header.path, offset: a, length: b - a, size: s.header.fileSize }))
      }
      writeJson(join(dir, WEIGHTS_JSON), spec)
    }
    writeFileSync(join(dir, 'model.onnx'), graph)
    writeJson(join(dir, 'config.json'), { _diffusers_version: '0.30.0', ...(template.configs[c] ?? {}) })
  }
  // A component linked before a later one fell back keeps its link: both kinds load.
  return mode
}

function writeTokenizers(tmp: string, template: CheckpointTemplate): void {
  for (const [folder, tok] of Object.entries(template.tokenizers)) {
    const dir = join(tmp, folder)
    mkdirSync(dir)
    for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(template.dir, tok.dir, f), join(dir, f))
    const special = { bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', pad_token: tok.pad }
    writeJson(join(dir, 'special_tokens_map.json'), special)
    writeJson(join(dir, 'tokenizer_config.json'), { ...special, model_max_length: 77, do_lower_case: true, tokenizer_class: 'CLIPTokenizer' })
  }
}

function writeIndexAndScheduler(tmp: string, template: CheckpointTemplate, detected: Detected): void {
  const xl = template.family === 'sdxl'
  mkdirSync(join(tmp, 'scheduler'))
  writeJson(join(tmp, 'scheduler', 'scheduler_config.json'), {
    _class_name: 'EulerDiscreteScheduler',
    _diffusers_version: '0.30.0',
    beta_start: 0.00085,
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    num_train_timesteps: 1000,
    prediction_type: detected.prediction,
    steps_offset: 1,
    timestep_spacing: 'leading'
  })
  const onnx = ['diffusers', 'OnnxRuntimeModel']
  const index: Record<string, unknown> = {
    _class_name: xl ? 'ORTStableDiffusionXLPipeline' : 'OnnxStableDiffusionPipeline',
    _diffusers_version: '0.30.0',
    scheduler: ['diffusers', 'EulerDiscreteScheduler'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    text_encoder: onnx,
    unet: onnx,
    vae_decoder: onnx,
    vae_encoder: onnx
  }
  if (xl) Object.assign(index, { tokenizer_2: ['transformers', 'CLIPTokenizer'], text_encoder_2: onnx, force_zeros_for_empty_prompt: true })
  else Object.assign(index, { safety_checker: [null, null], feature_extractor: [null, null], requires_safety_checker: false })
  writeJson(join(tmp, 'model_index.json'), index)
}
