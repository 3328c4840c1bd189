/**
 * One rule for how images are scaled, in every view: an image (or canvas) that is shown larger than it
 * is — the 64 px images of small models in 256 px frames, overlays, zoomed cells — is drawn with
 * nearest-neighbour, so its pixels stay sharp and comparable; one shown at or below its size is smoothed
 * (downscaling with nearest-neighbour would alias). Marked with `data-upscaled` (styles.css), checked
 * when an image loads and whenever an element is resized.
 */

/** Shown larger than its intrinsic size (per side, with a small tolerance for rounding). */
export function isUpscaled(intrinsic: { width: number; height: number }, shown: { width: number; height: number }): boolean {
  if (!(intrinsic.width > 0 && intrinsic.height > 0)) return false
  return shown.width > intrinsic.width * 1.01 || shown.height > intrinsic.height * 1.01
}

function intrinsicOf(el: Element): { width: number; height: number } | null {
  if (el instanceof HTMLImageElement) return el.complete ? { width: el.naturalWidth, height: el.naturalHeight } : null
  if (el instanceof HTMLCanvasElement) return { width: el.width, height: el.height }
  return null
}

function mark(el: Element): void {
  const size = intrinsicOf(el)
  if (!size) return
  const r = el.getBoundingClientRect()
  const up = isUpscaled(size, { width: r.width * devicePixelRatio, height: r.height * devicePixelRatio })
  if (up) el.setAttribute('data-upscaled', '')
  else el.removeAttribute('data-upscaled')
}

/** Watches the document: images as they load, and every image and canvas as it appears or is resized. */
export function installPixelScaling(doc: Document = document): () => void {
  const resize = new ResizeObserver((entries) => entries.forEach((e) => mark(e.target)))
  const watch = (n: Node): void => {
    if (n instanceof HTMLImageElement || n instanceof HTMLCanvasElement) {
      resize.observe(n)
      mark(n)
    } else if (n instanceof Element) n.querySelectorAll('img, canvas').forEach((c) => watch(c))
  }
  const onLoad = (e: Event): void => {
    if (e.target instanceof HTMLImageElement) mark(e.target)
  }
  doc.addEventListener('load', onLoad, true)
  const added = new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach(watch)))
  added.observe(doc.body, { childList: true, subtree: true })
  watch(doc.body)
  return () => {
    doc.removeEventListener('load', onLoad, true)
    added.disconnect()
    resize.disconnect()
  }
}
