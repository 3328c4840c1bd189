/**
 * What a library image was made from, when the library kept it: the init image, and the mask drawn over
 * it in red where it repaints (the same overlay as the mask editor), each also on its own.
 */
import { useEffect, useRef } from 'react'
import type { DetailInputs } from '../../store/library'

const loadImage = (url: string): Promise<HTMLImageElement> =>
  new Promise((ok, fail) => {
    const img = new Image()
    img.onload = () => ok(img)
    img.onerror = () => fail(new Error('cannot decode'))
    img.src = url
  })

/** Draws the init image with the mask's repainted area tinted red; the mask is scaled to the image if its size differs. */
function Overlay({ init, mask }: { init: string; mask: string }): React.JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null)
  useEffect(() => {
    let live = true
    void Promise.all([loadImage(init), loadImage(mask)]).then(([img, m]) => {
      const c = canvas.current
      if (!live || !c) return
      c.width = img.naturalWidth
      c.height = img.naturalHeight
      const ctx = c.getContext('2d', { willReadFrequently: true })!
      ctx.drawImage(m, 0, 0, c.width, c.height)
      const mp = ctx.getImageData(0, 0, c.width, c.height)
      ctx.drawImage(img, 0, 0)
      const out = ctx.getImageData(0, 0, c.width, c.height)
      for (let p = 0; p < out.data.length; p += 4) {
        const a = (mp.data[p] / 255) * 0.55
        out.data[p] = Math.round(out.data[p] * (1 - a) + 255 * a)
        out.data[p + 1] = Math.round(out.data[p + 1] * (1 - a) + 40 * a)
        out.data[p + 2] = Math.round(out.data[p + 2] * (1 - a) + 60 * a)
      }
      ctx.putImageData(out, 0, 0)
    }, () => {})
    return () => {
      live = false
    }
  }, [init, mask])
  return <canvas ref={canvas} className="made-from-image" data-testid="made-from-overlay" aria-label="Init image with the mask in red" />
}

export function MadeFrom({ inputs }: { inputs: DetailInputs }): React.JSX.Element | null {
  const { init, mask } = inputs
  if (!init && !mask) return null
  return (
    <section className="made-from" aria-label="Made from">
      <h4>Made from</h4>
      <div className="made-from-row">
        {init && (
          <figure>
            <img className="made-from-image" src={init.url} alt="Init image" data-testid="made-from-init" />
            <figcaption>Init image</figcaption>
          </figure>
        )}
        {init && mask && (
          <figure>
            <Overlay init={init.url} mask={mask.url} />
            <figcaption>Mask (red: repainted)</figcaption>
          </figure>
        )}
        {!init && mask && (
          <figure>
            <img className="made-from-image" src={mask.url} alt="Mask" />
            <figcaption>Mask</figcaption>
          </figure>
        )}
      </div>
    </section>
  )
}
