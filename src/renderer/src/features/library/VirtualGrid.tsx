/**
 * A virtualised grid of equal tiles over a list it only partly holds: it knows the count, mounts only
 * the rows in view (and a couple around them), asks for the range in view once the scrolling settles
 * (onRange: the pages there are fetched, random access, so a jump to the end costs one page), and
 * shows a placeholder for a tile whose entry has not arrived. Tiles carry their position in the list
 * for assistive technology, since most of the list is not in the page. Keeps the cursor's row in view.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { scrollScale, tilePosition, visibleWindow, type GridMetrics } from './windowing'

export interface VirtualGridProps<T> {
  count: number
  itemAt: (index: number) => T | undefined
  metrics: GridMetrics
  keyOf: (item: T) => string
  render: (item: T | undefined, index: number) => React.ReactNode
  /** Entries [first, end) are in view (called when scrolling pauses). */
  onRange: (first: number, end: number) => void
  /** Columns and rows in view, for the keyboard (up/down moves by a row, page up/down by a screen). */
  onLayout?: (columns: number, rowsInView: number) => void
  /** An index to keep in view (the keyboard cursor). */
  cursor?: number
  onKeyDown?: (e: React.KeyboardEvent<HTMLDivElement>) => void
  label: string
}

/** How long scrolling must pause before the range in view is fetched (a scrollbar drag asks once). */
const SETTLE_MS = 50

export function VirtualGrid<T>({ count, itemAt, metrics, keyOf, render, onRange, onLayout, cursor, onKeyDown, label }: VirtualGridProps<T>): React.JSX.Element {
  const scroller = useRef<HTMLDivElement>(null)
  const [viewport, setViewport] = useState({ width: 0, height: 0, scrollTop: 0 })

  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    const measure = (): void => setViewport({ width: el.clientWidth, height: el.clientHeight, scrollTop: el.scrollTop })
    measure()
    const ro = new ResizeObserver(measure)
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  const full = visibleWindow(count, { ...viewport, scrollTop: 0 }, metrics, 0)
  const { height, factor } = scrollScale(full.height, viewport.height)
  const top = viewport.scrollTop * factor
  const w = visibleWindow(count, { ...viewport, scrollTop: top }, metrics)
  const rowHeight = metrics.tileHeight + metrics.gap
  const rowsInView = Math.max(1, Math.floor(viewport.height / rowHeight))

  useEffect(() => {
    if (viewport.width === 0) return
    const t = setTimeout(() => onRange(w.first, w.end), SETTLE_MS)
    return () => clearTimeout(t)
  }, [w.first, w.end, count, viewport.width, onRange])

  useEffect(() => {
    onLayout?.(w.columns, rowsInView)
  }, [w.columns, rowsInView, onLayout])

  // Keep the cursor's row in view: after it moves, and after any key the grid handled (Home when the
  // cursor is already on the first image but the view was scrolled away must still bring it back).
  const [keyed, setKeyed] = useState(0)
  useEffect(() => {
    const el = scroller.current
    if (cursor === undefined || !el || viewport.height === 0) return
    const rowTop = Math.floor(cursor / w.columns) * rowHeight
    if (rowTop < top) el.scrollTop = rowTop / factor
    else if (rowTop + rowHeight > top + viewport.height) el.scrollTop = (rowTop + rowHeight - viewport.height) / factor
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cursor, keyed])

  const tiles: React.ReactNode[] = []
  for (let i = w.first; i < w.end; i++) {
    const item = itemAt(i)
    const pos = tilePosition(i, w.columns, metrics, viewport.width)
    tiles.push(
      <div
        key={item ? keyOf(item) : `#${i}`}
        role="listitem"
        aria-posinset={i + 1}
        aria-setsize={count}
        aria-current={i === cursor ? 'true' : undefined}
        className="vgrid-tile"
        style={{ left: pos.left, top: pos.top - top + viewport.scrollTop, width: metrics.tileWidth, height: metrics.tileHeight }}
      >
        {render(item, i)}
      </div>
    )
  }
  return (
    <div
      ref={scroller}
      className="vgrid"
      tabIndex={0}
      onKeyDown={(e) => {
        onKeyDown?.(e)
        setKeyed((n) => n + 1)
      }}
      onScroll={(e) => {
        const el = e.currentTarget
        setViewport((v) => (v.scrollTop === el.scrollTop ? v : { ...v, scrollTop: el.scrollTop }))
      }}
    >
      <div role="list" aria-label={label} className="vgrid-content" style={{ height }}>
        {tiles}
      </div>
    </div>
  )
}
