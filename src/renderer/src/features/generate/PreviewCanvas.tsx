/**
 * The live preview: draws each frame straight onto a canvas from a transient store subscription, so a
 * frame per step never re-renders React. `data-received` counts the frames that arrived and
 * `data-frames` those drawn (a frame superseded before it decoded is skipped), also without React.
 */
import { useEffect, useRef } from 'react'
import { useGenerateStore } from '../../store/generate'

export function PreviewCanvas(): React.JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null)
  useEffect(() => {
    let drawn = 0
    let seq = 0
    return useGenerateStore.subscribe((s, prev) => {
      const el = canvas.current
      if (!el) return
      if (s.preview === null && prev.preview !== null) {
        el.getContext('2d')?.clearRect(0, 0, el.width, el.height)
        drawn = 0
        el.dataset.frames = '0'
        el.dataset.received = '0'
        return
      }
      if (!s.preview || s.preview === prev.preview) return
      const frame = s.preview
      el.dataset.received = String(s.previewFrames)
      const mine = ++seq
      void createImageBitmap(new Blob([frame.data as BlobPart], { type: frame.mime })).then((bmp) => {
        // A slow decode must not paint over a newer frame.
        if (mine !== seq) return bmp.close()
        const ctx = el.getContext('2d')
        if (!ctx) return
        ctx.imageSmoothingEnabled = true
        ctx.imageSmoothingQuality = 'high'
        ctx.drawImage(bmp, 0, 0, el.width, el.height)
        bmp.close()
        el.dataset.frames = String(++drawn)
        el.dataset.step = String(frame.step)
      })
    })
  }, [])
  return <canvas ref={canvas} className="preview" width={256} height={256} data-frames="0" data-received="0" aria-label="Preview of the image being generated" />
}
