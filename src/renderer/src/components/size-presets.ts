/**
 * Size presets around a model's native size: the square and the usual portrait/landscape shapes (SDXL's
 * training buckets at 1024), plus half and double the square; all multiples of the model's size step.
 */

import { jobShape, memoryProblem, type ModelMemoryInfo } from '../../../shared/memory-estimate'
import { snapSide } from '../../../shared/model-family'

export interface SizePreset {
  width: number
  height: number
  label: string
}

/**
 * Shapes as [width, height] multiples of the native side: the short side stays native, as people use
 * SD 1.x and 2.x (512x768 portraits, 768x512 landscapes).
 */
const SHAPES: readonly [number, number, string][] = [
  [1, 1, 'square'],
  [1, 3 / 2, '2:3'],
  [3 / 2, 1, '3:2'],
  [1, 4 / 3, '3:4'],
  [4 / 3, 1, '4:3'],
  [1, 16 / 9, '9:16'],
  [16 / 9, 1, '16:9']
]

/** SDXL's training buckets near one megapixel, which give better images than arbitrary shapes. */
const SDXL_BUCKETS: readonly [number, number, string][] = [
  [1024, 1024, 'square'],
  [896, 1152, '7:9'],
  [1152, 896, '9:7'],
  [832, 1216, '2:3'],
  [1216, 832, '3:2'],
  [768, 1344, '4:7'],
  [1344, 768, '7:4']
]

export const snap = snapSide

/** Whether a size's job fits the memory available (true when either is unknown). */
export type SizeFits = (width: number, height: number) => boolean

/** A SizeFits for the chosen model, the memory available and the form's batch and CFG. */
export function fitsIn(model: { memory: ModelMemoryInfo | null } | undefined, available: number | null, d: { cfg: number; batchSize: number }): SizeFits {
  const info = model?.memory
  if (!info || !available) return () => true
  const images = Math.max(1, Math.min(Number.isInteger(d.batchSize) ? d.batchSize : 1, 64))
  return (width, height) => memoryProblem(info, jobShape(Array.from({ length: images }, () => ({ width, height, cfg: d.cfg }))), available) === null
}

/**
 * Presets around `native` (the shorter side of the model's training size) in the model's size step,
 * without the ones whose job would not fit in memory.
 */
export function sizePresets(native: number, step: number, fits: SizeFits = () => true): SizePreset[] {
  const out: SizePreset[] = []
  const seen = new Set<string>()
  const add = (w: number, h: number, shape: string): void => {
    const key = `${w}x${h}`
    if (seen.has(key) || !fits(w, h)) return
    seen.add(key)
    out.push({ width: w, height: h, label: `${w}×${h} (${shape})` })
  }
  if (native === 1024) for (const [w, h, s] of SDXL_BUCKETS) add(snap(w, step), snap(h, step), s)
  else for (const [fw, fh, s] of SHAPES) add(snap(native * fw, step), snap(native * fh, step), s)
  // Half and double the native square: quick drafts, and upscale-sized work on models that allow it.
  add(snap(native / 2, step), snap(native / 2, step), 'half')
  add(snap(native * 2, step), snap(native * 2, step), 'double')
  return out
}

/**
 * The line under the size field: the step and native size, or a warning (not an error: it may be wanted)
 * when the image is far larger than the model was trained at, where SD models repeat the subject and a
 * run takes many times longer.
 */
export function sizeHint(width: number, height: number, step: number, native: { width: number; height: number } | null): { text: string; warn: boolean } {
  const base = `Multiples of ${step} px${native ? `; the model was trained at ${native.width}×${native.height}` : ''}.`
  if (!native || !(width > 0 && height > 0)) return { text: base, warn: false }
  const ratio = (width * height) / (native.width * native.height)
  if (ratio <= 4) return { text: base, warn: false }
  return {
    text: `${Math.round(ratio)}× the pixels of the native ${native.width}×${native.height}: expect repeated subjects and a long run; img2img from a native-size image upscales better.`,
    warn: true
  }
}
