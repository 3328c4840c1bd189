/**
 * Checks the generate form before a job is sent, per field, so each problem is shown next to the field
 * it concerns (the service validates again; this is for the person, not for safety).
 */
import { jobShape, memoryProblem, type ModelMemoryInfo } from '../../../../shared/memory-estimate'
import { sideProblem } from '../../../../shared/model-family'
import { LIMITS, parseSeed } from '../../../../shared/params'
import type { Draft } from '../../store/generate'

export type DraftField = 'seed' | 'size' | 'steps' | 'cfg' | 'batchSize' | 'strength'
export type DraftErrors = Partial<Record<DraftField, string>>

/**
 * `sizeStep`: the chosen model's size step (8 when unknown: every SD VAE). `img2img`: an init image is
 * chosen, so the denoising strength is sent and must be valid (otherwise it waits, unchecked).
 */
export function draftErrors(d: Draft, sizeStep = 8, img2img = false, memory?: { info: ModelMemoryInfo | null; available: number | null }): DraftErrors {
  const e: DraftErrors = {}
  // In random mode the seed is drawn per job; what the field shows is only the last one.
  if (d.seedMode !== 'random') {
    try {
      parseSeed(d.seed)
    } catch {
      e.seed = 'Seed must be a whole number from 0 to 18446744073709551615.'
    }
  }
  for (const [side, v] of [['Width', d.width], ['Height', d.height]] as const) {
    if (!Number.isInteger(v) || v < sizeStep || v > LIMITS.maxSide) {
      e.size ??= `${side} must be a whole number of pixels from ${sizeStep} to ${LIMITS.maxSide}.`
    } else {
      const problem = sideProblem(side, v, sizeStep)
      if (problem) e.size ??= `${problem}.`
    }
  }
  // The same estimate the service refuses with (src/shared/memory-estimate.ts): a batch runs as stacked cells.
  if (!e.size && memory?.info && memory.available && Number.isInteger(d.batchSize) && d.batchSize >= 1) {
    const cells = Array.from({ length: Math.min(d.batchSize, LIMITS.maxBatch) }, () => ({ width: d.width, height: d.height, cfg: d.cfg }))
    const problem = memoryProblem(memory.info, jobShape(cells), memory.available)
    if (problem) e.size = `${problem}.`
  }
  if (!Number.isInteger(d.steps) || d.steps < 1 || d.steps > LIMITS.maxSteps) e.steps = `Steps must be a whole number from 1 to ${LIMITS.maxSteps}.`
  if (!Number.isFinite(d.cfg) || d.cfg < 0 || d.cfg > LIMITS.maxCfg) e.cfg = `CFG must be a number from 0 to ${LIMITS.maxCfg}.`
  if (!Number.isInteger(d.batchSize) || d.batchSize < 1 || d.batchSize > LIMITS.maxBatch) e.batchSize = `Batch must be a whole number from 1 to ${LIMITS.maxBatch}.`
  if (img2img && !(Number.isFinite(d.strength) && d.strength >= 0 && d.strength <= 1)) e.strength = 'Denoising strength must be a number from 0 to 1 (0.75 is usual).'
  return e
}

/** The first problem as one line for the status bar, or null. */
export function firstDraftError(e: DraftErrors): string | null {
  const first = Object.values(e)[0]
  return first ?? null
}
