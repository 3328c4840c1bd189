/**
 * The live preview: draws each frame straight onto a canvas from a transient store subscription, so a
 * frame per step never re-renders React. `data-received` counts the frames that arrived and
 * `data-frames` those drawn (a frame superseded before it decoded is skipped), also without React.
 * Frames are letterboxed into the fixed-size canvas, keeping a portrait or landscape image's shape.
 */
import { useEffect, useRef } from 'react'
import type { PreviewEvent } from '../../../../shared/api'
import { useGenerateStore } from '../../store/generate'

/** Canvas pixels (drawn at this size, shown at the CSS size of the frame). */
const SIDE = 512

export function PreviewCanvas(): React.JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null)
  useEffect(() => {
    let drawn = 0
    let seq = 0
    const draw = (el: HTMLCanvasElement, frame: PreviewEvent): void => {
      const mine = ++seq
      void createImageBitmap(new Blob([frame.data as BlobPart], { type: frame.mime })).then((bmp) => {
        // A slow decode must not paint over a newer frame.
        if (mine !== seq) return bmp.close()
        const ctx = el.getContext('2d')
        if (!ctx) return
        const scale = Math.min(el.width / bmp.width, el.height / bmp.height)
        const w = bmp.width * scale
        const h = bmp.height * scale
        ctx.clearRect(0, 0, el.width, el.height)
        ctx.imageSmoothingEnabled = true
        ctx.imageSmoothingQuality = 'high'
        ctx.drawImage(bmp, (el.width - w) / 2, (el.height - h) / 2, w, h)
        bmp.close()
        el.dataset.frames = String(++drawn)
        el.dataset.step = String(frame.step)
      })
    }
    // Coming back to the view: show the last frame that arrived meanwhile.
    const last = useGenerateStore.getState().preview
    if (canvas.current && last) draw(canvas.current, last)
    return useGenerateStore.subscribe((s, prev) => {
      const el = canvas.current
      if (!el) return
      if (s.preview === null && prev.preview !== null) {
        // A new job: the old frame stays until the first new one replaces it (no blank flash).
        drawn = 0
        el.dataset.frames = '0'
        el.dataset.received = '0'
        return
      }
      if (!s.preview || s.preview === prev.preview) return
      el.dataset.received = String(s.previewFrames)
      draw(el, s.preview)
    })
  }, [])
  return (
    <div className="frame">
      <canvas ref={canvas} className="preview" width={SIDE} height={SIDE} data-frames="0" data-received="0" aria-label="Preview of the image being generated" />
    </div>
  )
}
