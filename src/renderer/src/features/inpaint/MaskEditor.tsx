/**
 * The mask editor on the init image: paint what to repaint (brush), take it back (eraser), with size and
 * hardness, undo/redo, clear, invert, show/hide the mask, zoom and pan; outpaint handles on the edges.
 * Shortcuts as painters know them: [ and ] size the brush, X swaps brush and eraser, Ctrl+Z undoes,
 * Ctrl+Shift+Z or Ctrl+Y redoes; hold Space (or the middle button) and drag to pan, Ctrl+wheel zooms.
 *
 * The mask lives in a MaskBuffer at the init image's own size (so it lines up with it whatever the zoom);
 * after each stroke it is encoded as a PNG (white = repaint) and stored with its content label, which is
 * what the job sends.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import type { InitImage } from '../../store/generate'
import { setInpaint, setInpaintSettings, useInpaintStore } from '../../store/inpaint'
import { initLabel } from '../generate/init-image'
import { MaskHistory, emptyMask, invertBuffer, isBlank, maskShortcut, nextBrushSize, strokeSegment, type MaskBuffer } from './mask-buffer'

async function encodeMask(m: MaskBuffer): Promise<Uint8Array> {
  const c = document.createElement('canvas')
  c.width = m.width
  c.height = m.height
  const ctx = c.getContext('2d')!
  const img = ctx.createImageData(m.width, m.height)
  for (let p = 0; p < m.data.length; p++) {
    const v = m.data[p]
    img.data[p * 4] = v
    img.data[p * 4 + 1] = v
    img.data[p * 4 + 2] = v
    img.data[p * 4 + 3] = 255
  }
  ctx.putImageData(img, 0, 0)
  const blob = await new Promise<Blob | null>((ok) => c.toBlob(ok, 'image/png'))
  if (!blob) throw new Error('the browser could not encode the mask')
  return new Uint8Array(await blob.arrayBuffer())
}

/**
 * A mask image as a buffer at the init image's size (its red channel; white = repaint); one of another
 * size is stretched to it, as the service resizes it. Null when the bytes cannot be decoded.
 */
async function decodeMask(bytes: Uint8Array, width: number, height: number): Promise<MaskBuffer | null> {
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart])).catch(() => null)
  if (!bitmap) return null
  const c = document.createElement('canvas')
  c.width = width
  c.height = height
  const ctx = c.getContext('2d', { willReadFrequently: true })!
  ctx.drawImage(bitmap, 0, 0, width, height)
  const px = ctx.getImageData(0, 0, width, height).data
  const m = emptyMask(width, height)
  for (let p = 0; p < m.data.length; p++) m.data[p] = px[p * 4]
  return m
}

type Side = 'left' | 'right' | 'top' | 'bottom'

export function MaskEditor({ init, sizeStep }: { init: InitImage; sizeStep: number }): React.JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null)
  const image = useRef<HTMLImageElement | null>(null)
  const buffer = useRef<MaskBuffer>(emptyMask(init.width, init.height))
  const history = useRef(new MaskHistory())
  const [erase, setErase] = useState(false)
  const [size, setSize] = useState(Math.max(2, Math.round(Math.min(init.width, init.height) / 8)))
  const [hardness, setHardness] = useState(0.8)
  const [showMask, setShowMask] = useState(true)
  const [zoom, setZoom] = useState(1)
  const [pan, setPan] = useState({ x: 0, y: 0 })
  const [, setTick] = useState(0)
  const outpaint = useInpaintStore((s) => s.settings.outpaint)
  const spaceDown = useRef(false)
  const drag = useRef<{ mode: 'paint' | 'pan' | Side; x: number; y: number; start: number } | null>(null)

  // Fit: the longer side shown at about 320 px, whole pixels for small images (nearest-neighbour).
  const fit = Math.max(1, Math.floor(320 / Math.max(init.width, init.height))) || 320 / Math.max(init.width, init.height)
  const scale = fit * zoom

  const draw = useCallback((): void => {
    const c = canvas.current
    const img = image.current
    if (!c) return
    const ctx = c.getContext('2d')!
    ctx.imageSmoothingEnabled = false
    ctx.clearRect(0, 0, c.width, c.height)
    ctx.save()
    ctx.translate(pan.x, pan.y)
    ctx.scale(scale, scale)
    if (img) ctx.drawImage(img, 0, 0, init.width, init.height)
    if (showMask) {
      const m = buffer.current
      const overlay = new ImageData(m.width, m.height)
      for (let p = 0; p < m.data.length; p++) {
        overlay.data[p * 4] = 255
        overlay.data[p * 4 + 1] = 40
        overlay.data[p * 4 + 2] = 60
        overlay.data[p * 4 + 3] = Math.round(m.data[p] * 0.55)
      }
      const tmp = document.createElement('canvas')
      tmp.width = m.width
      tmp.height = m.height
      tmp.getContext('2d')!.putImageData(overlay, 0, 0)
      ctx.drawImage(tmp, 0, 0)
    }
    if (outpaint) {
      // The area an outpaint adds, hatched around the image.
      ctx.fillStyle = 'rgba(120, 160, 255, 0.35)'
      const { left: l, right: r, top: t, bottom: b } = outpaint
      ctx.fillRect(-l, -t, init.width + l + r, t)
      ctx.fillRect(-l, init.height, init.width + l + r, b)
      ctx.fillRect(-l, 0, l, init.height)
      ctx.fillRect(init.width, 0, r, init.height)
    }
    ctx.restore()
  }, [init, scale, pan, showMask, outpaint])

  // A new init image starts a new mask, or the one "use these settings" brought back with it.
  useEffect(() => {
    buffer.current = emptyMask(init.width, init.height)
    history.current.clear()
    setInpaint({ mask: null })
    const img = new Image()
    img.onload = () => {
      image.current = img
      draw()
    }
    img.src = init.url
  }, [init.url, init.width, init.height]) // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(draw, [draw])

  // The mask "use these settings" brought back, once its own init image is the one shown.
  const restore = useInpaintStore((s) => s.restoreMask)
  useEffect(() => {
    if (!restore || restore.forInit !== init.label) return
    setInpaint({ restoreMask: null })
    void decodeMask(restore.bytes, init.width, init.height).then(async (m) => {
      if (!m) return
      history.current.push(buffer.current)
      buffer.current.data.set(m.data)
      // The very bytes it was made with, so the next job names the same mask.
      setInpaint({ mask: { bytes: restore.bytes, label: await initLabel(restore.bytes), width: m.width, height: m.height, blank: isBlank(m) } })
      draw()
      setTick((t) => t + 1)
    })
  }, [restore, init.label, init.width, init.height]) // eslint-disable-line react-hooks/exhaustive-deps

  const commit = useCallback(async (): Promise<void> => {
    const m = buffer.current
    const bytes = await encodeMask(m)
    setInpaint({ mask: { bytes, label: await initLabel(bytes), width: m.width, height: m.height, blank: isBlank(m) } })
    setTick((t) => t + 1)
  }, [])

  const change = (f: (m: MaskBuffer) => void): void => {
    history.current.push(buffer.current)
    f(buffer.current)
    draw()
    void commit()
  }

  const toImage = (e: React.PointerEvent): { x: number; y: number } => {
    const r = canvas.current!.getBoundingClientRect()
    return { x: (e.clientX - r.left - pan.x) / scale, y: (e.clientY - r.top - pan.y) / scale }
  }

  const onPointerDown = (e: React.PointerEvent): void => {
    canvas.current!.setPointerCapture(e.pointerId)
    if (e.button === 1 || spaceDown.current) {
      drag.current = { mode: 'pan', x: e.clientX - pan.x, y: e.clientY - pan.y, start: 0 }
      return
    }
    const p = toImage(e)
    history.current.push(buffer.current)
    drag.current = { mode: 'paint', x: p.x, y: p.y, start: 0 }
    strokeSegment(buffer.current, p.x, p.y, p.x, p.y, { size, hardness, erase })
    draw()
  }

  const onPointerMove = (e: React.PointerEvent): void => {
    const d = drag.current
    if (!d) return
    if (d.mode === 'pan') return setPan({ x: e.clientX - d.x, y: e.clientY - d.y })
    if (d.mode !== 'paint') return
    const p = toImage(e)
    strokeSegment(buffer.current, d.x, d.y, p.x, p.y, { size, hardness, erase })
    d.x = p.x
    d.y = p.y
    draw()
  }

  const onPointerUp = (): void => {
    const d = drag.current
    drag.current = null
    if (d?.mode === 'paint') void commit()
  }

  const onKeyDown = (e: React.KeyboardEvent): void => {
    if (e.key === ' ') {
      spaceDown.current = true
      e.preventDefault()
      return
    }
    const k = maskShortcut(e)
    if (!k) return
    e.preventDefault()
    e.stopPropagation()
    if (k === 'smaller' || k === 'larger') setSize((s) => nextBrushSize(s, k === 'larger'))
    else if (k === 'swap') setErase((v) => !v)
    else if (k === 'undo' ? history.current.undo(buffer.current) : history.current.redo(buffer.current)) {
      draw()
      void commit()
    }
  }

  // Outpaint handles: drag an edge outwards to add pixels on that side, in steps of the model's size step.
  const sideDown = (side: Side) => (e: React.PointerEvent): void => {
    e.stopPropagation()
    ;(e.target as HTMLElement).setPointerCapture(e.pointerId)
    const current = outpaint?.[side] ?? 0
    drag.current = { mode: side, x: e.clientX, y: e.clientY, start: current }
  }
  const sideMove = (e: React.PointerEvent): void => {
    const d = drag.current
    if (!d || d.mode === 'paint' || d.mode === 'pan') return
    const delta = d.mode === 'left' ? d.x - e.clientX : d.mode === 'right' ? e.clientX - d.x : d.mode === 'top' ? d.y - e.clientY : e.clientY - d.y
    const px = Math.max(0, Math.round((d.start + delta / scale) / sizeStep) * sizeStep)
    const base = outpaint ?? { left: 0, right: 0, top: 0, bottom: 0, fill: 'edge' as const }
    const next = { ...base, [d.mode]: px }
    setInpaintSettings({ outpaint: next.left + next.right + next.top + next.bottom > 0 ? next : null })
  }

  const w = Math.round(init.width * scale)
  const h = Math.round(init.height * scale)
  const maskState = useInpaintStore((s) => s.mask)
  return (
    <div className="mask-editor" tabIndex={0} onKeyDown={onKeyDown} onKeyUp={(e) => e.key === ' ' && (spaceDown.current = false)} aria-label="Mask editor">
      <div className="mask-toolbar" role="toolbar" aria-label="Mask tools">
        <button type="button" className={`icon${erase ? '' : ' active'}`} aria-pressed={!erase} onClick={() => setErase(false)} title="Brush (X swaps)">
          Brush
        </button>
        <button type="button" className={`icon${erase ? ' active' : ''}`} aria-pressed={erase} onClick={() => setErase(true)} title="Eraser (X swaps)">
          Eraser
        </button>
        <label title="Brush size in image pixels ([ and ])">
          Size <input type="range" min={1} max={Math.max(8, Math.max(init.width, init.height) / 2)} value={size} aria-label="Brush size" onChange={(e) => setSize(e.target.valueAsNumber)} />
        </label>
        <label title="Hardness: 1 is a hard edge">
          Hardness <input type="range" min={0} max={1} step={0.05} value={hardness} aria-label="Brush hardness" onChange={(e) => setHardness(e.target.valueAsNumber)} />
        </label>
        <button type="button" className="icon" disabled={!history.current.canUndo} onClick={() => history.current.undo(buffer.current) && (draw(), void commit())} title="Undo (Ctrl+Z)">
          Undo
        </button>
        <button type="button" className="icon" disabled={!history.current.canRedo} onClick={() => history.current.redo(buffer.current) && (draw(), void commit())} title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
        <button type="button" className="icon" onClick={() => change((m) => m.data.fill(0))}>
          Clear
        </button>
        <button type="button" className="icon" onClick={() => change(invertBuffer)}>
          Invert
        </button>
        <label>
          <input type="checkbox" checked={showMask} onChange={(e) => setShowMask(e.target.checked)} /> Show mask
        </label>
        <button type="button" className="icon" onClick={() => setZoom((z) => Math.max(0.25, z / 1.5))} aria-label="Zoom out">
          −
        </button>
        <button type="button" className="icon" onClick={() => setZoom((z) => Math.min(16, z * 1.5))} aria-label="Zoom in">
          +
        </button>
        <button type="button" className="icon" onClick={() => (setZoom(1), setPan({ x: 0, y: 0 }))}>
          Fit
        </button>
      </div>
      <div className="mask-stage" style={{ width: w + 24, height: h + 24 }} onPointerMove={sideMove} onPointerUp={onPointerUp}>
        <canvas
          ref={canvas}
          width={w}
          height={h}
          className="mask-canvas"
          data-testid="mask-canvas"
          style={{ cursor: erase ? 'cell' : 'crosshair' }}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onWheel={(e) => e.ctrlKey && setZoom((z) => Math.min(16, Math.max(0.25, z * (e.deltaY < 0 ? 1.25 : 0.8))))}
        />
        {(['left', 'right', 'top', 'bottom'] as const).map((side) => (
          <div key={side} className={`outpaint-handle ${side}`} title={`Drag to outpaint ${side} (${outpaint?.[side] ?? 0} px)`} aria-label={`Outpaint ${side}`} onPointerDown={sideDown(side)} />
        ))}
      </div>
      <p className="field-desc" data-testid="mask-state">
        {maskState ? (maskState.blank ? 'Nothing painted: the job would return the image unchanged.' : 'Paint marks what is repainted; the rest of the image is kept exactly.') : 'Paint over what should change.'}
      </p>
    </div>
  )
}
