/**
 * Checks a job against a model folder before anything heavy happens (no ONNX session is needed, so the
 * CLI can refuse before loading native code and the service before queueing): the image size against
 * the model's size step, and the job's peak memory against what the machine has free.
 */
import { LIMITS } from '../../shared/params'
import { estimateJobMemory, memoryProblem, type JobShape, type MemoryEstimate } from '../../shared/memory-estimate'
import { sideProblem } from '../../shared/model-family'
import { availableMemory, type AvailableMemory } from '../util/memory'
import { GenerationInputError } from './errors'
import type { ModelFolder } from './folder'

/**
 * Throws GenerationInputError('bad-size') naming the side and the two nearest valid sides. The step is
 * the folder's (VAE factor × 2^UNet down-samplings): a side off the step crashes the UNet's skip
 * connections inside ONNX Runtime.
 */
export function checkSize(folder: Pick<ModelFolder, 'sizeStep' | 'vaeScale' | 'unetDownsamplings'>, width: unknown, height: unknown): void {
  const step = folder.sizeStep
  for (const [field, v] of [['width', width], ['height', height]] as const) {
    const problem = typeof v === 'number' ? sideProblem(field, v, step) : `${field} must be a whole number of pixels, got ${String(v)}`
    if (problem) {
      throw new GenerationInputError(
        'bad-size',
        field,
        problem.replace(/^(width|height) /, ''),
        `this model needs sides in steps of ${step} px (${folder.vaeScale} px per latent cell × 2^${folder.unetDownsamplings} UNet down-samplings)`
      )
    }
  }
}

export { GRID_BATCH_ROWS, jobShape } from '../../shared/memory-estimate'

/** The largest side a dynamic-size model is allowed: four times its training size, at least 1024 px. */
export function maxSide(folder: Pick<ModelFolder, 'sampleSize' | 'vaeScale'>): number {
  const side = folder.sampleSize * folder.vaeScale
  return Math.min(LIMITS.maxSide, Math.max(1024, 4 * side))
}

/** Throws GenerationInputError('size-too-large') when a side is beyond maxSide (for dynamic-size exports). */
export function checkMaxSide(folder: Pick<ModelFolder, 'sampleSize' | 'vaeScale' | 'defaults'>, width: number, height: number): void {
  const max = maxSide(folder)
  const d = folder.defaults
  if (width > max || height > max) {
    throw new GenerationInputError('size-too-large', 'size', `${width}x${height} is too large for this model (trained at ${d.width}x${d.height}; at most ${max} per side)`, `use at most ${max} per side, e.g. --width ${d.width} --height ${d.height}`)
  }
}

export interface MemoryCheckOptions {
  /** The limit; defaults to what the machine has available now (util/memory.ts). */
  available?: AvailableMemory
  /** The model's weights are already in memory (a warm worker), so they are not counted again. */
  weightsLoaded?: boolean
}

/**
 * Estimates the job's peak memory and throws GenerationInputError('not-enough-memory') with the
 * estimate, the limit and what to change when it exceeds the available memory; returns the estimate.
 */
export function checkMemory(folder: Pick<ModelFolder, 'memory'>, job: JobShape, opts: MemoryCheckOptions = {}): MemoryEstimate {
  const available = opts.available ?? availableMemory()
  const problem = memoryProblem(folder.memory, job, available.bytes, opts.weightsLoaded)
  if (problem) {
    const from = available.source === 'SIGMA_STUDIO_MEMORY_LIMIT' ? ' (the limit SIGMA_STUDIO_MEMORY_LIMIT sets)' : available.source === 'cgroup' ? ' (the container\'s limit)' : ''
    const [what, fix] = problem.split(': ')
    throw new GenerationInputError('not-enough-memory', 'size', `${what}${from}`, fix)
  }
  return estimateJobMemory(folder.memory, job, opts.weightsLoaded)
}
