/**
 * @file The one module that imports onnxruntime-node (STYLE habit 9).
 *
 * Everything the app does with ONNX Runtime goes through here:
 * - devices are mapped to execution providers in one frozen table, and an unknown device is an error
 *   naming the known ones (never silently CPU);
 * - `openSession` creates a session with full graph optimisation and sensible thread counts, and when a
 *   GPU provider cannot create it, falls back to the CPU and records that in the job log instead of
 *   crashing; a file that not even the CPU provider can load is reported as a corrupt ONNX file;
 * - `ModelSession` exposes each session's declared inputs and outputs (names, dtypes, shapes with fixed
 *   or symbolic axes), checks every feed against them before running, converts feeds to the declared
 *   dtypes (fp16, int64, …) and outputs back to float32, and turns out-of-memory and provider failures
 *   into a ModelRunError that says what to do;
 * - `SessionCache` keeps one model's sessions open and releases them when another model is loaded.
 *
 * Nothing else in the app imports onnxruntime-node; tests substitute `RunnableSession` fakes where they
 * need a model to misbehave.
 */
import { existsSync, statSync } from 'node:fs'
import { availableParallelism, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { externalDataOption, ExternalWeightsError } from '../checkpoint/external-weights'
import * as ort from 'onnxruntime-node'
import { GenerationInputError, ModelFolderError, ModelRunError } from '../errors'
import { type IoType, IO_TYPES, decodeData, encodeData } from './dtypes'

/** Where a model runs. 'auto' picks the best provider the platform offers, CPU last. */
export type Device = 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu'
export type ConcreteDevice = Exclude<Device, 'auto'>

/** device -> execution providers, in the order ORT should try them inside one session. */
export const DEVICE_TO_EXECUTION_PROVIDERS: Readonly<Record<ConcreteDevice, readonly ort.InferenceSession.ExecutionProviderConfig[]>> =
  Object.freeze({
    cpu: Object.freeze(['cpu']),
    cuda: Object.freeze([{ name: 'cuda' }, 'cpu']),
    dml: Object.freeze(['dml', 'cpu']),
    coreml: Object.freeze(['coreml', 'cpu']),
    webgpu: Object.freeze(['webgpu', 'cpu'])
  })

/**
 * Session options a provider needs on top of the defaults: DirectML supports neither memory-pattern
 * optimisation nor parallel execution (ORT's DirectML EP documentation), so it gets them off.
 */
const DEVICE_SESSION_OPTIONS: Readonly<Record<ConcreteDevice, Readonly<ort.InferenceSession.SessionOptions>>> = Object.freeze({
  cpu: Object.freeze({}),
  cuda: Object.freeze({}),
  dml: Object.freeze({ enableMemPattern: false }),
  coreml: Object.freeze({}),
  webgpu: Object.freeze({})
})

// ORT's own logger writes provider-load failures straight to stderr; we report them ourselves (as job-log
// notes and typed errors), so only fatal messages should reach the console.
ort.env.logLevel = 'fatal'

export const DEVICES: readonly Device[] = ['auto', ...(Object.keys(DEVICE_TO_EXECUTION_PROVIDERS) as ConcreteDevice[])]

/** Checks a device name from the user; throws naming the known devices. */
export function parseDevice(value: string): Device {
  if ((DEVICES as readonly string[]).includes(value)) return value as Device
  throw new GenerationInputError('unknown-device', 'device', `unknown device "${value}"`, `use one of ${DEVICES.join(', ')}`)
}

/** What the machine offers, for choosing providers. */
export interface ProviderEnvironment {
  platform: NodeJS.Platform
  /** The CUDA provider libraries sit next to the ORT binding (installed by its install script). */
  cuda: boolean
  /** The binding offers WebGPU and (on Linux) a Vulkan loader is installed for it to find a GPU with. */
  webgpu: boolean
}

function bindingDir(): string | undefined {
  try {
    const req = createRequire(import.meta.url)
    return join(dirname(req.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch)
  } catch {
    return undefined
  }
}

const VULKAN_LOADERS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1']

let detected: ProviderEnvironment | undefined

/** Looks once at the binding folder and the system for what `auto` may use. */
export function detectProviderEnvironment(): ProviderEnvironment {
  if (detected) return detected
  const dir = bindingDir()
  const cudaLib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'
  let webgpuOffered = false
  try {
    webgpuOffered = ort.listSupportedBackends().some((b) => b.name === 'webgpu')
  } catch {
    webgpuOffered = false
  }
  detected = {
    platform: process.platform,
    cuda: dir !== undefined && existsSync(join(dir, cudaLib)),
    webgpu: webgpuOffered && (process.platform !== 'linux' || VULKAN_LOADERS.some((p) => existsSync(p)))
  }
  return detected
}

/**
 * The devices to try, best first, ending with the CPU. 'auto': CUDA where its provider libraries are
 * installed (Linux, Windows), DirectML on Windows, CoreML on macOS, WebGPU where the binding offers it
 * (on Linux only with a Vulkan loader present, since that is what it finds GPUs through; without one it
 * can only fail), then the CPU. An explicit device is tried first and falls back to the CPU.
 */
export function deviceCandidates(device: Device, env: ProviderEnvironment = detectProviderEnvironment()): ConcreteDevice[] {
  if (device !== 'auto') {
    parseDevice(device)
    return device === 'cpu' ? ['cpu'] : [device, 'cpu']
  }
  const out: ConcreteDevice[] = []
  if (env.cuda && (env.platform === 'linux' || env.platform === 'win32')) out.push('cuda')
  if (env.platform === 'win32') out.push('dml')
  if (env.platform === 'darwin') out.push('coreml')
  if (env.webgpu) out.push('webgpu')
  out.push('cpu')
  return out
}

/** Intra-op threads: the machine's parallelism, at most 8 (more rarely helps a single UNet call). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()))
}

export interface SessionOptions {
  device?: Device
  /** Intra-op thread count (default: `defaultThreads()`). */
  threads?: number
  /** Where notes for the job log go (provider fallbacks and the like). */
  log?: (line: string) => void
}

/**
 * A model held in memory instead of read from `path`: a LoRA-merged copy of the .onnx bytes and of the
 * external data files it patched. Untouched external files are read from `folder` as usual.
 */
export interface InMemoryModel {
  readonly bytes: Uint8Array
  readonly externalData: readonly { readonly path: string; readonly data: Uint8Array }[]
  readonly folder: string
}

/** A declared input or output: name, element type, and per axis a fixed size or a symbolic name. */
export interface TensorSpec {
  name: string
  type: string
  /** number = fixed size; string (or -1) = dynamic. */
  shape: readonly (number | string)[]
}

/** A host-side tensor: flat values and dims. Values are converted to the session's declared type. */
export interface HostTensor {
  data: ArrayLike<number>
  dims: readonly number[]
}

/** The part of a session the pipeline needs; ModelSession implements it, tests may fake it. */
export interface RunnableSession {
  readonly component: string
  readonly inputs: readonly TensorSpec[]
  readonly outputs: readonly TensorSpec[]
  /** Runs with host feeds; returns every requested output as float32 with its dims. */
  run(feeds: Record<string, HostTensor>, outputNames?: readonly string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>>
}

/** True when an axis size is fixed (a positive number). */
export function isFixed(dim: number | string | undefined): dim is number {
  return typeof dim === 'number' && dim > 0
}

/** Throws when feeds and the declared inputs disagree (names or fixed axis sizes). */
export function validateFeeds(component: string, inputs: readonly TensorSpec[], feeds: Record<string, HostTensor>): void {
  const names = inputs.map((i) => i.name)
  const missing = names.filter((n) => !(n in feeds))
  if (missing.length > 0) throw new Error(`${component}: missing the following inputs: ${missing.join(', ')} (the model takes ${names.join(', ')})`)
  const extra = Object.keys(feeds).filter((n) => !names.includes(n))
  if (extra.length > 0) throw new Error(`${component}: the model has no inputs named ${extra.join(', ')} (it takes ${names.join(', ')})`)
  for (const spec of inputs) {
    const t = feeds[spec.name]
    const size = t.dims.reduce((a, b) => a * b, 1)
    if (size !== t.data.length) throw new Error(`${component}.${spec.name}: ${t.data.length} values for dims [${t.dims.join(', ')}]`)
    if (spec.shape.length > 0 && spec.shape.length !== t.dims.length) {
      throw new Error(`${component}.${spec.name}: rank ${t.dims.length} given, the model declares [${spec.shape.join(', ')}]`)
    }
    spec.shape.forEach((d, i) => {
      if (isFixed(d) && t.dims[i] !== d) {
        throw new Error(`${component}.${spec.name}: axis ${i} is ${t.dims[i]}, the model fixes it at ${d} (declared [${spec.shape.join(', ')}])`)
      }
    })
  }
}

const OOM = /out of memory|bad_alloc|failed to allocate|cannot allocate|allocation failed|E_OUTOFMEMORY|0x8007000E|CUDNN_STATUS_ALLOC_FAILED|insufficient memory/i

/** Turns an ORT run failure into a ModelRunError with a way out. */
export function classifyRunError(component: string, device: ConcreteDevice, e: unknown): ModelRunError {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300)
  if (OOM.test(msg)) {
    return new ModelRunError(
      'out-of-memory',
      component,
      undefined,
      `ran out of memory on ${device} (${msg})`,
      device === 'cpu' ? 'try a smaller batch or image size, or close other programs' : 'try a smaller batch or image size, or run on the CPU with --device cpu'
    )
  }
  return new ModelRunError(
    device === 'cpu' ? 'run-failed' : 'provider-failed',
    component,
    undefined,
    `the ${device} execution provider failed (${msg})`,
    device === 'cpu' ? 'the model file may not match its config; re-export it or check the folder' : 'run on the CPU with --device cpu, or update the GPU driver'
  )
}

function specOf(m: ort.InferenceSession.ValueMetadata): TensorSpec {
  return m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] }
}

/** An open ORT session for one model component. */
export class ModelSession implements RunnableSession {
  readonly inputs: readonly TensorSpec[]
  readonly outputs: readonly TensorSpec[]
  private released = false

  private constructor(
    readonly component: string,
    readonly path: string,
    readonly device: ConcreteDevice,
    private readonly session: ort.InferenceSession
  ) {
    this.inputs = session.inputMetadata.map(specOf)
    this.outputs = session.outputMetadata.map(specOf)
    for (const s of [...this.inputs, ...this.outputs]) {
      if (!(IO_TYPES as readonly string[]).includes(s.type)) {
        session.release().catch(() => undefined)
        throw new ModelFolderError(
          'unsupported-layout',
          path,
          `${component} input/output "${s.name}" has element type ${s.type}`,
          `the studio runs models whose I/O is ${IO_TYPES.join(', ')}; re-export the model`
        )
      }
    }
  }

  /**
   * Opens `path` on the best device allowed by `options.device`, falling back to the CPU (and saying so in
   * the log) when a GPU provider fails. Throws ModelFolderError for a missing or corrupt file.
   */
  static async open(component: string, path: string, options: SessionOptions = {}, memory?: InMemoryModel): Promise<ModelSession> {
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new ModelFolderError('missing-component', path, `the ${component} model file is missing`, 'copy the complete model folder (every component folder with its model.onnx)')
    }
    const candidates = deviceCandidates(options.device ?? 'auto')
    const threads = options.threads ?? defaultThreads()
    if (!Number.isInteger(threads) || threads < 1 || threads > availableParallelism()) {
      throw new RangeError(`threads: ${threads} is not possible here; this machine has ${availableParallelism()} cores, so use 1 to ${availableParallelism()}`)
    }
    let lastError: unknown
    for (const [k, device] of candidates.entries()) {
      try {
        const common: ort.InferenceSession.SessionOptions = {
          executionProviders: [...DEVICE_TO_EXECUTION_PROVIDERS[device]],
          graphOptimizationLevel: 'all',
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          logSeverityLevel: 3,
          // ORT's intra-op threads spin-wait between operators by default. The studio's main and worker
          // threads share the cores with them (sampler arithmetic, previews between UNet calls), and the
          // spinning starved them: a small UNet call measured ~27 ms spinning vs ~20 ms without.
          extra: { session: { intra_op: { allow_spinning: '0' } } },
          ...DEVICE_SESSION_OPTIONS[device]
        }
        const session = memory
          ? await ort.InferenceSession.create(memory.bytes, {
              ...common,
              externalData: memory.externalData.map((f) => ({ path: f.path, data: f.data })),
              // Without a path ORT cannot know where the untouched external files are.
              extra: { session: { intra_op: { allow_spinning: '0' }, model_external_initializers_file_folder_path: memory.folder } }
            })
          : await ort.InferenceSession.create(path, {
              ...common,
              // An imported checkpoint that could not be hard-linked: its weights are passed in memory.
              ...externalDataOption(path)
            })
        return new ModelSession(component, path, device, session)
      } catch (e) {
        if (e instanceof ModelFolderError) throw e
        if (e instanceof ExternalWeightsError) throw new ModelFolderError('missing-component', path, e.message, 'import the checkpoint again')
        lastError = e
        if (device !== 'cpu') {
          const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200)
          const next = candidates[k + 1]
          options.log?.(`${component}: could not create a session on ${device} (${msg}); falling back to ${next === 'cpu' ? 'the CPU' : next}`)
        }
      }
    }
    const msg = (lastError instanceof Error ? lastError.message : String(lastError)).split('\n')[0].slice(0, 300)
    if (/external data/i.test(msg)) {
      throw new ModelFolderError(
        'missing-component',
        path,
        `its external weight file is missing or unreadable (${msg})`,
        `copy every file of the ${component} folder (model.onnx_data or weights.pb) next to model.onnx`
      )
    }
    throw new ModelFolderError('corrupt-onnx', path, `ONNX Runtime cannot load it (${msg})`, 'the file is damaged or not an ONNX model; download or export the model again')
  }

  async run(feeds: Record<string, HostTensor>, outputNames?: readonly string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
    if (this.released) throw new Error(`${this.component}: the session was released (another model was loaded)`)
    validateFeeds(this.component, this.inputs, feeds)
    const ortFeeds: Record<string, ort.Tensor> = {}
    for (const spec of this.inputs) {
      const t = feeds[spec.name]
      const type = spec.type as IoType
      ortFeeds[spec.name] = new ort.Tensor(type, encodeData(type, t.data) as never, [...t.dims])
    }
    let result: ort.InferenceSession.ReturnType
    try {
      result = outputNames ? await this.session.run(ortFeeds, [...outputNames]) : await this.session.run(ortFeeds)
    } catch (e) {
      throw classifyRunError(this.component, this.device, e)
    }
    const out: Record<string, { data: Float32Array; dims: number[] }> = {}
    for (const [name, value] of Object.entries(result)) {
      out[name] = { data: decodeData(value.type, value.data), dims: [...value.dims] }
    }
    return out
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    await this.session.release()
  }
}

/**
 * Keeps the sessions of one model open. Asking for a session of another model (another key) releases
 * every session of the previous one first, so two large UNets never sit in memory together.
 */
export class SessionCache {
  private key: string | undefined
  private readonly sessions = new Map<string, Promise<ModelSession>>()
  /** LoRA-merged sessions: bytes their merge held, and when they were last asked for. */
  private readonly merged = new Map<string, { bytes: number; lastUse: number }>()
  private clock = 0
  private loadStart = 0

  /**
   * @param mergedBudget bytes of merged models (their .onnx and patched data, which ORT copies into its
   *   own memory) kept open beside the base sessions; least recently used ones are released beyond it.
   */
  constructor(readonly mergedBudget = defaultMergedBudget()) {}

  /** Marks the start of one model load: sessions used from here on are never evicted by it. */
  beginLoad(): void {
    this.loadStart = ++this.clock
  }

  /**
   * The session of `component`, base or merged. `variant` names a merged model by a signature (file
   * hashes and weights) and builds its bytes on first use; a build that returns undefined (nothing to
   * patch) gives the base session, so removing a LoRA or setting its weight to 0 is the base bit for bit.
   */
  async get(
    modelKey: string,
    component: string,
    path: string,
    options: SessionOptions = {},
    variant?: { signature: string; build: () => InMemoryModel | undefined }
  ): Promise<ModelSession> {
    if (this.key !== modelKey) {
      await this.releaseAll()
      this.key = modelKey
    }
    const base = `${component}\u0000${path}\u0000${options.device ?? 'auto'}`
    if (variant && variant.signature !== '') {
      const id = `${base}\u0000${variant.signature}`
      const known = this.sessions.get(id)
      if (known) {
        this.merged.get(id)!.lastUse = ++this.clock
        return known
      }
      const memory = variant.build()
      if (memory) {
        const bytes = memory.bytes.byteLength + memory.externalData.reduce((a, f) => a + f.data.byteLength, 0)
        await this.evictFor(bytes)
        const p = ModelSession.open(component, path, options, memory)
        this.sessions.set(id, p)
        this.merged.set(id, { bytes, lastUse: ++this.clock })
        p.catch(() => {
          this.sessions.delete(id)
          this.merged.delete(id)
        })
        return p
      }
    }
    let p = this.sessions.get(base)
    if (!p) {
      p = ModelSession.open(component, path, options)
      this.sessions.set(base, p)
      p.catch(() => this.sessions.delete(base))
    }
    return p
  }

  /** Bytes the merged sessions held when they were built (the cache's figure for the benchmark). */
  mergedBytes(): number {
    let n = 0
    for (const m of this.merged.values()) n += m.bytes
    return n
  }

  private async evictFor(bytes: number): Promise<void> {
    const order = [...this.merged].filter(([, m]) => m.lastUse < this.loadStart).sort((a, b) => a[1].lastUse - b[1].lastUse)
    for (const [id] of order) {
      if (this.mergedBytes() + bytes <= this.mergedBudget) break
      const p = this.sessions.get(id)
      this.sessions.delete(id)
      this.merged.delete(id)
      try {
        await (await p)?.release()
      } catch {
        /* nothing to release */
      }
    }
  }

  async releaseAll(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    this.merged.clear()
    this.key = undefined
    for (const p of all) {
      try {
        await (await p).release()
      } catch {
        /* a session that failed to open has nothing to release */
      }
    }
  }
}

/** $SIGMA_STUDIO_LORA_CACHE_MB, else a quarter of the machine's memory. */
function defaultMergedBudget(): number {
  const mb = Number(process.env.SIGMA_STUDIO_LORA_CACHE_MB)
  return Number.isFinite(mb) && mb >= 0 ? mb * 2 ** 20 : Math.floor(totalmem() / 4)
}
