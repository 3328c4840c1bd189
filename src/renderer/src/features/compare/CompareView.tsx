/**
 * A/B compare of two results picked in Generate, the gallery, a sweep or the library: a toolbar (what is picked,
 * swap, clear, flicker), then one row of A, B, the slider overlay (a draggable vertical divider revealing
 * A over B; flicker alternates them instead) and the difference heat map with the mean absolute
 * difference (0–255). Both are compared at A's size; B is scaled to it if the sizes differ. One row so
 * everything, toolbar included, fits a 1280x800 window without scrolling.
 */
import { useEffect, useRef, useState } from 'react'
import { clearPicks, swapPicks, useCompareStore, type ComparePick } from '../../store/compare'
import { showView } from '../../store/ui'
import { diffImages } from './diff'
import './compare.css'

/** Intrinsic size hint for the frames; CSS sizes them to a quarter of the row. */
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
        <p className="notice">
          Pick two results to compare: “Compare as A” / “Compare as B” under a Generate result or on an image opened in the Library, or the
          “A” and “B” buttons under a Gallery or Sweep cell.
        </p>
        <p className="picked">
          A: {a?.label ?? '—'} · B: {b?.label ?? '—'}
        </p>
        <div className="compare-go">
          <button type="button" onClick={() => showView('gallery')}>
            Open Gallery
          </button>
          <button type="button" onClick={() => showView('sweep')}>
            Open Sweep
          </button>
          <button type="button" onClick={() => showView('library')}>
            Open Library
          </button>
          {(a ?? b) && (
            <button type="button" onClick={clearPicks}>
              Clear picks
            </button>
          )}
        </div>
      </section>
    )
  }
  return (
    <section className="compare" aria-label="Compare">
      <CompareToolbar />
      <div className="compare-row">
        <SideBySide a={a} b={b} />
        <SliderOrFlicker a={a} b={b} />
        <DiffMap a={a} b={b} />
      </div>
    </section>
  )
}

function CompareToolbar(): React.JSX.Element {
  const flicker = useCompareStore((s) => s.flicker)
  return (
    <div className="compare-toolbar" role="toolbar" aria-label="Compare tools">
      <button type="button" title="Exchange A and B" onClick={swapPicks}>
        Swap A ⇄ B
      </button>
      <button type="button" title="Forget both picks" onClick={clearPicks}>
        Clear picks
      </button>
      <label className="check" title="Alternate A and B in one frame twice a second: small changes jump out">
        <input type="checkbox" checked={flicker} onChange={(e) => useCompareStore.setState({ flicker: e.target.checked })} /> Flicker A/B
      </label>
      <span className="hint">Drag the divider, or focus it and use ← →.</span>
    </div>
  )
}

function SideBySide({ a, b }: { a: ComparePick; b: ComparePick }): React.JSX.Element {
  return (
    <>
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
    </>
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
              const to = e.key === 'Home' ? 0 : e.key === 'End' ? 1 : e.key === 'ArrowLeft' ? split - 0.05 : e.key === 'ArrowRight' ? split + 0.05 : null
              if (to === null) return
              e.preventDefault()
              useCompareStore.setState({ split: Math.min(1, Math.max(0, to)) })
            }}
          />
          <span className="tag left">A</span>
          <span className="tag right">B</span>
        </div>
      )}
      <figcaption>{flicker ? 'Flicker: A and B in turn' : 'Slider: A left, B right'}</figcaption>
    </figure>
  )
}

function DiffMap({ a, b }: { a: ComparePick; b: ComparePick }): React.JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null)
  const [mean, setMean] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [scaled, setScaled] = useState<string | null>(null)

  useEffect(() => {
    let live = true
    setMean(null)
    setError(null)
    setScaled(null)
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
      // Scaling blurs B, which alone makes a difference: say so next to the number.
      if (ib.naturalWidth !== w || ib.naturalHeight !== h) setScaled(`B scaled from ${ib.naturalWidth}×${ib.naturalHeight} to ${w}×${h}`)
    })().catch((e: Error) => live && setError(`Could not read the images (${e.message}); pick A and B again.`))
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
        <span className="muted">(0–255, 0 = identical)</span>
        {scaled && <span className="muted"> · {scaled}</span>}
      </figcaption>
    </figure>
  )
}
