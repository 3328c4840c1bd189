/**
 * How much memory a job needs at its peak, estimated before it runs, from the model's layout (read from
 * its configs by the models layer, no session needed) and the job's size and batch.
 *
 * The peak is the UNet's self-attention at its finest attending level: ONNX exports compute attention
 * as MatMul(Q, Kᵀ) → scale → Softmax, so each call holds tokens² scores per head and row, in up to three
 * live buffers (scores, scaled scores, probabilities) while ONNX Runtime's arena keeps them. Tokens =
 * latent cells at that level; rows = images × 2 with CFG (cond + uncond in one call). On top: the model
 * weights (when not loaded yet), the UNet's feature maps, and the VAE decoder's full-resolution feature
 * maps and mid-block attention. float32 throughout (fp16 exports need less; the estimate stays on the
 * safe side). Pure, so the forms show the same figure the service and the CLI refuse with.
 */
import { sideProblem } from './model-family'

/** What the estimate needs to know about a model (ModelEntry.memory, ModelFolder.memory). */
export interface ModelMemoryInfo {
  /** Pixels per latent cell. */
  vaeFactor: number
  /** Image sides must be multiples of this. */
  sizeStep: number
  latentChannels: number
  unet: {
    /** Channels per UNet level (block_out_channels). */
    channels: number[]
    /** Self-attention heads per level. */
    heads: number[]
    /** Levels with transformer blocks (0 = full latent resolution); the middle block attends at the last level. */
    attentionLevels: number[]
  }
  vae: {
    /** The decoder's channels per level, finest last (block_out_channels reversed). */
    channels: number[]
    /** The decoder's middle block has (single-head) self-attention at latent resolution. */
    attention: boolean
  }
  /** Bytes of every ONNX file and external weight file the studio loads. */
  weightsBytes: number
}

export interface JobShape {
  width: number
  height: number
  /** Images that run through the UNet together (a batch, or the cells a grid stacks into one call). */
  images: number
  /** CFG scale: above 1 (and without embedded guidance) each call carries cond and uncond rows. */
  cfg: number
}

export interface MemoryEstimate {
  /** Everything: weights + the largest of the UNet and VAE peaks. */
  totalBytes: number
  weightsBytes: number
  /** The UNet call's peak: attention buffers plus feature maps. */
  unetBytes: number
  vaeBytes: number
  /** Tokens of the largest self-attention (latent cells at the finest attending level). */
  attentionTokens: number
  /** Batch rows of one UNet call. */
  rows: number
}

const F32 = 4
/** Live tokens² buffers per attention (scores, scaled scores, probabilities). */
const ATTENTION_BUFFERS = 3
/** Feature maps alive at once in a UNet level or VAE block (input, output, skip, norm, temporaries). */
const FEATURE_MAPS = 6

export function estimateJobMemory(m: ModelMemoryInfo, job: JobShape, weightsLoaded = false): MemoryEstimate {
  const rows = Math.max(1, job.images) * (job.cfg > 1 ? 2 : 1)
  const h = Math.ceil(job.height / m.vaeFactor)
  const w = Math.ceil(job.width / m.vaeFactor)
  const levels = Math.max(1, m.unet.channels.length, m.unet.heads.length)
  const attending = new Set([...m.unet.attentionLevels, levels - 1])
  let attention = 0
  let attentionTokens = 0
  let features = 0
  for (let l = 0; l < levels; l++) {
    const tokens = Math.ceil(h / 2 ** l) * Math.ceil(w / 2 ** l)
    const channels = m.unet.channels[l] ?? m.unet.channels[m.unet.channels.length - 1] ?? 320
    // Skip connections of every level stay alive until the way back up.
    features += rows * channels * tokens * F32 * 2
    if (attending.has(l)) {
      const heads = m.unet.heads[l] ?? m.unet.heads[m.unet.heads.length - 1] ?? 8
      const bytes = rows * heads * tokens * tokens * F32 * ATTENTION_BUFFERS
      if (bytes > attention) {
        attention = bytes
        attentionTokens = tokens
      }
    }
  }
  const finest = m.unet.channels[0] ?? 320
  const unetBytes = attention + features + rows * finest * h * w * F32 * FEATURE_MAPS
  // The VAE decodes the job's images (not the CFG rows) in one call.
  const images = Math.max(1, job.images)
  const vaeFull = m.vae.channels[m.vae.channels.length - 1] ?? 128
  const vaeMid = m.vae.attention ? images * (h * w) ** 2 * F32 * ATTENTION_BUFFERS : 0
  const vaeBytes = Math.max(vaeMid, images * vaeFull * job.width * job.height * F32 * FEATURE_MAPS)
  const weightsBytes = weightsLoaded ? 0 : m.weightsBytes
  return { totalBytes: weightsBytes + Math.max(unetBytes, vaeBytes), weightsBytes, unetBytes, vaeBytes, attentionTokens, rows }
}

/** "1.2 GB", "850 MB", "12 KB" (powers of 1000, as people read memory sizes). */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)} GB`
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`
  return `${Math.max(1, Math.round(n / 1e3))} KB`
}

/**
 * The largest size of the same aspect ratio (sides in the model's step) whose job fits in `available`
 * bytes, or null when not even the smallest fits.
 */
export function largestFittingSize(m: ModelMemoryInfo, job: JobShape, available: number, weightsLoaded = false): { width: number; height: number } | null {
  const step = m.sizeStep
  const aspect = job.width / job.height
  let best: { width: number; height: number } | null = null
  // Sides grow in whole steps of the shorter side; at most a few hundred tries.
  for (let k = 1; k * step <= Math.min(job.width, job.height); k++) {
    const short = k * step
    const long = Math.max(step, Math.round((short * Math.max(aspect, 1 / aspect)) / step) * step)
    const size = aspect >= 1 ? { width: long, height: short } : { width: short, height: long }
    if (estimateJobMemory(m, { ...job, ...size }, weightsLoaded).totalBytes > available) break
    best = size
  }
  return best
}

/**
 * Why the job does not fit in `available` bytes — the estimate, the limit and what to change — or null
 * when it fits. The sizes it suggests are valid for the model.
 */
export function memoryProblem(m: ModelMemoryInfo, job: JobShape, available: number, weightsLoaded = false): string | null {
  const est = estimateJobMemory(m, job, weightsLoaded)
  if (est.totalBytes <= available) return null
  const fixes: string[] = []
  const fit = largestFittingSize(m, job, available, weightsLoaded)
  if (fit && !sideProblem('width', fit.width, m.sizeStep) && !sideProblem('height', fit.height, m.sizeStep)) fixes.push(`use at most ${fit.width}×${fit.height}`)
  if (job.images > 1 && estimateJobMemory(m, { ...job, images: 1 }, weightsLoaded).totalBytes <= available) fixes.push('make fewer images at once (batch 1 fits)')
  if (job.cfg > 1 && estimateJobMemory(m, { ...job, cfg: 1 }, weightsLoaded).totalBytes <= available) fixes.push('or use CFG 1 (one UNet pass)')
  if (fixes.length === 0) fixes.push('free memory (close other programs) or use a smaller model')
  const what = est.attentionTokens > 0 ? ` (self-attention over ${est.attentionTokens.toLocaleString('en-US')} tokens × ${est.rows} rows)` : ''
  return `${job.width}×${job.height}${job.images > 1 ? ` × ${job.images} images` : ''} needs about ${formatBytes(est.totalBytes)}${what}, but only ${formatBytes(available)} of memory is available: ${fixes.join('; ')}`
}

/**
 * At most this many rows go into one batched UNet run of a grid or batch: activation memory grows with
 * the batch, and a full-size SD UNet at batch 16+ can exhaust a laptop's RAM or VRAM; past a few rows
 * the per-call saving is small anyway. (The worker stacks cells up to it; the estimate must agree.)
 */
export const GRID_BATCH_ROWS = 8

/**
 * The shape of a job's largest UNet call. The service runs a batch as cells and stacks cells up to
 * GRID_BATCH_ROWS rows, two per cell with CFG (`stacked`); the CLI runs a batch in one call.
 */
export function jobShape(cells: readonly { width: number; height: number; cfg: number }[], stacked = true, batchSize = 1): JobShape {
  const width = Math.max(...cells.map((c) => c.width))
  const height = Math.max(...cells.map((c) => c.height))
  const cfg = Math.max(...cells.map((c) => c.cfg))
  const perCell = cfg > 1 ? 2 : 1
  const images = stacked ? Math.max(1, Math.min(cells.length, Math.floor(GRID_BATCH_ROWS / perCell))) : batchSize
  return { width, height, images, cfg }
}

/** The line a form shows under its plan: the estimate against what is available, or why it will be refused. */
export function memoryLine(m: ModelMemoryInfo | null | undefined, job: JobShape, available: number | null | undefined): { text: string; over: boolean } | null {
  if (!m || !(job.width > 0 && job.height > 0) || !Number.isFinite(job.width * job.height)) return null
  const problem = available ? memoryProblem(m, job, available) : null
  if (problem) return { text: `${problem}.`, over: true }
  const est = estimateJobMemory(m, job)
  return { text: `Needs about ${formatBytes(est.totalBytes)} of memory${available ? ` (${formatBytes(available)} available)` : ''}.`, over: false }
}
