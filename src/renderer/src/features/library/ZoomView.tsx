/**
 * The large image with pixel peeping: fit to the frame, or a zoom from 25 % to 800 % drawn
 * nearest-neighbour (image-rendering: pixelated, so single pixels stay square), panned by dragging;
 * the wheel and the + / − buttons step the zoom, "1:1" shows the image's own pixels.
 */
import { useEffect, useRef, useState } from 'react'

export const ZOOM_LEVELS = [0.25, 0.5, 1, 2, 4, 8] as const

/** The next zoom level up or down from `z` ('fit' counts as 100 %). */
export function stepZoom(z: number | 'fit', dir: 1 | -1): number {
  const cur = z === 'fit' ? 1 : z
  const next = dir > 0 ? ZOOM_LEVELS.find((l) => l > cur) : [...ZOOM_LEVELS].reverse().find((l) => l < cur)
  return next ?? (dir > 0 ? ZOOM_LEVELS[ZOOM_LEVELS.length - 1] : ZOOM_LEVELS[0])
}

export function ZoomView({ url, alt, placeholder }: { url: string | null; alt: string; placeholder: string }): React.JSX.Element {
  const [zoom, setZoom] = useState<number | 'fit'>('fit')
  const [pan, setPan] = useState({ x: 0, y: 0 })
  const drag = useRef<{ x: number; y: number; px: number; py: number } | null>(null)
  useEffect(() => {
    setZoom('fit')
    setPan({ x: 0, y: 0 })
  }, [url])
  const set = (z: number | 'fit'): void => {
    setZoom(z)
    if (z === 'fit') setPan({ x: 0, y: 0 })
  }
  return (
    <div className="zoom">
      <div
        className={`large${zoom === 'fit' ? '' : ' zoomed'}`}
        onWheel={(e) => set(stepZoom(zoom, e.deltaY < 0 ? 1 : -1))}
        onPointerDown={(e) => {
          if (zoom === 'fit') return
          drag.current = { x: e.clientX, y: e.clientY, px: pan.x, py: pan.y }
          e.currentTarget.setPointerCapture(e.pointerId)
        }}
        onPointerMove={(e) => {
          const d = drag.current
          if (d) setPan({ x: d.px + e.clientX - d.x, y: d.py + e.clientY - d.y })
        }}
        onPointerUp={() => (drag.current = null)}
      >
        {url ? (
          <img src={url} alt={alt} draggable={false} style={zoom === 'fit' ? undefined : { transform: `translate(calc(-50% + ${pan.x}px), calc(-50% + ${pan.y}px)) scale(${zoom})` }} />
        ) : (
          <span className="placeholder">{placeholder}</span>
        )}
      </div>
      <div className="zoom-bar" role="group" aria-label="Zoom">
        <button type="button" aria-pressed={zoom === 'fit'} onClick={() => set('fit')}>
          Fit
        </button>
        <button type="button" aria-pressed={zoom === 1} onClick={() => set(1)}>
          1:1
        </button>
        <button type="button" aria-label="Zoom out" onClick={() => set(stepZoom(zoom, -1))}>
          −
        </button>
        <button type="button" aria-label="Zoom in" onClick={() => set(stepZoom(zoom, 1))}>
          +
        </button>
        <span aria-live="polite">{zoom === 'fit' ? 'fit' : `${zoom * 100} %`}</span>
      </div>
    </div>
  )
}
