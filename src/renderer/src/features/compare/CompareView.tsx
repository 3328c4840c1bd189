/**
 * A/B compare of two gallery results: side by side, a slider overlay (a draggable vertical divider
 * revealing A over B), a flicker toggle, and a difference heat map with the mean absolute difference
 * (0–255). Both images are drawn at A's size; B is scaled to it if the sizes differ.
 */
import { useEffect, useRef, useState } from 'react'
import { useCompareStore, type ComparePick } from '../../store/compare'
import { diffImages } from './diff'
import './compare.css'

const VIEW = 320

/** Decodes an image URL through an <img> (CSP allows blob: images, not blob: fetches). */
async function load(url: string): Promise<HTMLImageElement> {
  const img = new Image()
  img.src = url
  await img.decode()
  return img
}

function pixels(img: HTMLImageElement, w: number, h: number): Uint8ClampedArray {
  const c = document.createElement('canvas')
  c.width = w
  c.height = h
  const ctx = c.getContext('2d', { willReadFrequently: true })
  if (!ctx) throw new Error('compare: no 2D canvas')
  ctx.drawImage(img, 0, 0, w, h)
  return ctx.getImageData(0, 0, w, h).data
}

export function CompareView(): React.JSX.Element {
  const a = useCompareStore((s) => s.a)
  const b = useCompareStore((s) => s.b)
  if (!a || !b) {
    return (
      <section className="compare" aria-label="Compare">
        <p className="notice">Pick two results in the Gallery with their “A” and “B” buttons to compare them here.</p>
        <p className="picked">
          A: {a?.label ?? '—'} · B: {b?.label ?? '—'}
        </p>
      </section>
    )
  }
  return (
    <section className="compare" aria-label="Compare">
      <SideBySide a={a} b={b} />
      <div className="compare-tools">
        <SliderOrFlicker a={a} b={b} />
        <DiffMap a={a} b={b} />
      </div>
    </section>
  )
}

function SideBySide({ a, b }: { a: ComparePick; b: ComparePick }): React.JSX.Element {
  return (
    <div className="side-by-side">
      {[
        ['A', a],
        ['B', b]
      ].map(([side, p]) => {
        const pk = p as ComparePick
        return (
          <figure key={side as string}>
            <img src={pk.url} alt={`${side as string}: ${pk.label}`} width={VIEW} height={VIEW} />
            <figcaption>
              <strong>{side as string}</strong> {pk.label}
            </figcaption>
          </figure>
        )
      })}
    </div>
  )
}

function SliderOrFlicker({ a, b }: { a: ComparePick; b: ComparePick }): React.JSX.Element {
  const split = useCompareStore((s) => s.split)
  const flicker = useCompareStore((s) => s.flicker)
  const box = useRef<HTMLDivElement>(null)
  const [showB, setShowB] = useState(false)

  useEffect(() => {
    if (!flicker) return
    const t = window.setInterval(() => setShowB((v) => !v), 500)
    return () => window.clearInterval(t)
  }, [flicker])

  const moveTo = (clientX: number): void => {
    const r = box.current?.getBoundingClientRect()
    if (!r) return
    useCompareStore.setState({ split: Math.min(1, Math.max(0, (clientX - r.left) / r.width)) })
  }

  return (
    <figure className="slider-figure">
      {flicker ? (
        <div className="compare-box">
          <img src={showB ? b.url : a.url} alt={`Flicker showing ${showB ? 'B' : 'A'}`} width={VIEW} height={VIEW} />
          <span className="tag">{showB ? 'B' : 'A'}</span>
        </div>
      ) : (
        <div
          ref={box}
          className="compare-box slider"
          aria-label="Slider overlay: A left of the divider, B right"
          onPointerDown={(e) => {
            e.currentTarget.setPointerCapture(e.pointerId)
            moveTo(e.clientX)
          }}
          onPointerMove={(e) => e.buttons === 1 && moveTo(e.clientX)}
        >
          <img src={b.url} alt="" width={VIEW} height={VIEW} draggable={false} />
          <img className="over" src={a.url} alt="" width={VIEW} height={VIEW} draggable={false} style={{ clipPath: `inset(0 ${(1 - split) * 100}% 0 0)` }} />
          <div
            className="divider"
            role="slider"
            tabIndex={0}
            aria-label="Divider"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(split * 100)}
            style={{ left: `${split * 100}%` }}
            onKeyDown={(e) => {
              const d = e.key === 'ArrowLeft' ? -0.05 : e.key === 'ArrowRight' ? 0.05 : 0
              if (d) useCompareStore.setState({ split: Math.min(1, Math.max(0, split + d)) })
            }}
          />
          <span className="tag left">A</span>
          <span className="tag right">B</span>
        </div>
      )}
      <figcaption>
        <label className="check">
          <input type="checkbox" checked={flicker} onChange={(e) => useCompareStore.setState({ flicker: e.target.checked })} /> Flicker A/B
        </label>
      </figcaption>
    </figure>
  )
}

function DiffMap({ a, b }: { a: ComparePick; b: ComparePick }): React.JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null)
  const [mean, setMean] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let live = true
    setMean(null)
    setError(null)
    void (async () => {
      const [ia, ib] = await Promise.all([load(a.url), load(b.url)])
      const [w, h] = [ia.naturalWidth, ia.naturalHeight]
      const r = diffImages(pixels(ia, w, h), pixels(ib, w, h))
      const el = canvas.current
      if (!live || !el) return
      el.width = w
      el.height = h
      el.getContext('2d')?.putImageData(new ImageData(r.heat, w, h), 0, 0)
      setMean(r.mean)
    })().catch((e: Error) => live && setError(e.message))
    return () => {
      live = false
    }
  }, [a.url, b.url])

  return (
    <figure className="diff-figure">
      <canvas ref={canvas} className="diff" width={VIEW} height={VIEW} aria-label="Difference heat map" />
      <figcaption>
        Mean absolute difference:{' '}
        <output aria-label="Mean absolute difference" data-value={mean ?? ''}>
          {error ?? (mean === null ? '…' : mean.toFixed(2))}
        </output>{' '}
        <span className="muted">(0–255)</span>
      </figcaption>
    </figure>
  )
}
