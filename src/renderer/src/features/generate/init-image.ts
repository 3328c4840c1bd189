/**
 * The img2img init image on the renderer side: checking a chosen file before anything is sent, reading
 * its size, labelling it as the service will, and saying what the worker will do with it.
 *
 * What the pipeline does, which the notes here describe (keep them in step):
 * - the worker decodes the bytes and resizes them to exactly the output size with sharp's `fit: 'fill'`
 *   (src/main/models/png.ts readImageRgb): a different aspect ratio is stretched, not cropped; alpha is
 *   dropped;
 * - the sampler runs the last floor(min(strength, 0.999) × steps) + 1 intervals of the full schedule
 *   (src/main/models/pipeline.ts, as A1111), so strength 0.5 at 20 steps runs 11 steps.
 */
import { initImageFormat, MAX_INIT_IMAGE_BYTES } from '../../../../shared/init-image'
import { LIMITS } from '../../../../shared/params'
import type { InitImage } from '../../store/generate'

export type { InitImage }
type InitFormat = InitImage['format']

const MIB = 1024 * 1024

/** Why a file cannot be an init image (judged before its bytes are read), or null. */
export function checkInitFileSize(byteLength: number): string | null {
  if (byteLength === 0) return 'Init image: the file is empty; choose a PNG, JPEG or WebP image.'
  if (byteLength > MAX_INIT_IMAGE_BYTES) {
    return `Init image: the file is ${(byteLength / MIB).toFixed(1)} MiB; the limit is ${MAX_INIT_IMAGE_BYTES / MIB} MiB. Use a smaller image.`
  }
  return null
}

/** Why these bytes cannot be an init image, or null. Sniffs the content, as the service does: a name proves nothing. */
export function checkInitBytes(bytes: Uint8Array, name: string): string | null {
  const size = checkInitFileSize(bytes.byteLength)
  if (size) return size
  if (!initImageFormat(bytes)) return `Init image: "${name}" is not a PNG, JPEG or WebP image. Choose one of those.`
  return null
}

/**
 * How many sampler steps an img2img job runs: the pipeline's floor(min(strength, 0.999) × steps) + 1
 * (A1111's rule). Never more than `steps`.
 */
export function img2imgSteps(steps: number, strength: number): number {
  return Math.min(steps, Math.floor(Math.min(strength, 0.999) * steps) + 1)
}

/** The one-line steps note shown under the strength. */
export function stepsNote(steps: number, strength: number): string {
  if (!Number.isInteger(steps) || steps < 1 || !Number.isFinite(strength) || strength < 0 || strength > 1) return 'Steps run: about steps × strength.'
  const n = img2imgSteps(steps, strength)
  return `Runs ${n} of ${steps} steps (about steps × strength).`
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

/** "4:3", or a decimal ratio when the sides share no small factor. */
export function aspectText(w: number, h: number): string {
  const g = gcd(w, h)
  return w / g <= 32 && h / g <= 32 ? `${w / g}:${h / g}` : `${(w / h).toFixed(2)}:1`
}

/** Aspect ratios closer than this are "the same" (a 1-pixel difference from rounding is not stretching). */
const SAME_ASPECT = 0.01

export function sameAspect(a: { width: number; height: number }, b: { width: number; height: number }): boolean {
  return Math.abs(Math.log(a.width / a.height) - Math.log(b.width / b.height)) < SAME_ASPECT
}

/** What the worker will do with an image of this size for an output of that size. */
export function resizeNote(img: { width: number; height: number }, out: { width: number; height: number }): string {
  if (!(out.width > 0 && out.height > 0)) return 'Resized to the output size.'
  if (img.width === out.width && img.height === out.height) return `Used as is (${out.width}×${out.height}).`
  if (sameAspect(img, out)) return `Resized to ${out.width}×${out.height}.`
  return `Stretched to ${out.width}×${out.height} (${aspectText(img.width, img.height)} vs ${aspectText(out.width, out.height)}).`
}

/**
 * An output size with the image's aspect ratio and about the current output's pixel count, in multiples
 * of the model's size step (what "Match aspect" sets, so the image is not stretched and the model stays
 * near the size it was chosen for).
 */
export function matchAspect(img: { width: number; height: number }, out: { width: number; height: number }, step: number): { width: number; height: number } {
  const area = out.width > 0 && out.height > 0 ? out.width * out.height : 512 * 512
  const ratio = img.width / img.height
  const fit = (v: number): number => Math.min(LIMITS.maxSide - (LIMITS.maxSide % step), Math.max(step, Math.round(v / step) * step))
  return { width: fit(Math.sqrt(area * ratio)), height: fit(Math.sqrt(area / ratio)) }
}

/** The label the service gives these bytes (service.ts: sha256 hex, first 32 digits), so a loaded result's params can be matched. */
export async function initLabel(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource))
  return `sha256:${[...digest.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

/** Reads an image's pixel size from its encoded bytes (the browser's decoder; injected in tests). */
export type SizeReader = (blob: Blob) => Promise<{ width: number; height: number }>

export const browserSizeReader: SizeReader = async (blob) => {
  const bmp = await createImageBitmap(blob)
  const size = { width: bmp.width, height: bmp.height }
  bmp.close()
  return size
}

const MIME: Record<InitFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' }

/**
 * Checks, measures and labels an init image. Returns the image, or the message to show next to the field
 * (nothing is sent for a refused file).
 */
export async function readInitImage(bytes: Uint8Array, name: string, readSize: SizeReader = browserSizeReader): Promise<InitImage | { error: string }> {
  const problem = checkInitBytes(bytes, name)
  if (problem) return { error: problem }
  const format = initImageFormat(bytes)!
  const blob = new Blob([bytes as BlobPart], { type: MIME[format] })
  let size: { width: number; height: number }
  try {
    size = await readSize(blob)
  } catch {
    return { error: `Init image: "${name}" looks like ${format.toUpperCase()} but cannot be decoded (damaged or cut short?). Choose another file.` }
  }
  if (!(size.width > 0 && size.height > 0)) return { error: `Init image: "${name}" has no pixels. Choose another file.` }
  return { bytes, name, format, width: size.width, height: size.height, label: await initLabel(bytes), url: URL.createObjectURL(blob) }
}
